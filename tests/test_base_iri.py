"""One base, one meaning (issue 10, item 7): the store records the base IRI its graphs were built with and refuses
a build with another; graph kinds are recognised by the IRI scheme; a base ending in '#' is refused up front."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.mapping import DEFAULT_BASE, Iris
from kgtest import make_corpus, run_cli, snapshot

OTHER = "https://example.org/kg/"


def one_error_line(result) -> str:
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err, result.err
    return lines[0]


def facts_count(capsys, store) -> int:
    result = run_cli(capsys, "facts", "--store", store, "--format", "json")
    assert result.code == 0, result.err
    return len(json.loads(result.out))


def test_a_build_with_another_base_into_the_same_store_is_refused(tmp_path, capsys):
    # issue 10's first reproduction: the second build used to leave both bases' graphs (58 facts for 29)
    data = make_corpus(tmp_path)
    store, out = tmp_path / "s", tmp_path / "o"
    assert run_cli(capsys, "build", data, "--store", store, "-o", out, "--no-html").code == 0
    facts = facts_count(capsys, store)
    before_store, before_out = snapshot(store), snapshot(out)

    result = run_cli(capsys, "build", data, "--store", store, "-o", out, "--no-html", "--base", OTHER)
    assert result.code == 2
    line = one_error_line(result)
    assert line.startswith(f"kg: error: --base: the store at {store} was built with base IRI {DEFAULT_BASE}, "
                           f"not {OTHER}"), line
    assert f"--base {DEFAULT_BASE}" in line and "another --store" in line and f"remove {store}" in line
    assert snapshot(store) == before_store and snapshot(out) == before_out   # nothing touched
    assert facts_count(capsys, store) == facts
    assert run_cli(capsys, "validate", "--store", store).code == 0

    # the fixes the message names work: the same base again, or another store
    assert run_cli(capsys, "build", data, "--store", store, "-o", out, "--no-html").code == 0
    assert run_cli(capsys, "build", data, "--store", tmp_path / "s2", "-o", tmp_path / "o2", "--no-html",
                   "--base", OTHER).code == 0


def test_the_store_records_its_base(tmp_path, capsys):
    from kg.store import KgStore

    data = make_corpus(tmp_path)
    assert run_cli(capsys, "build", data, "--store", tmp_path / "s", "--no-html", "-o", tmp_path / "o",
                   "--base", OTHER).code == 0
    with KgStore(tmp_path / "s", read_only=True) as store:
        assert store.base == OTHER
    # kg validate reads the graphs with the recorded base: the registry graph is not validated as an article
    result = run_cli(capsys, "validate", "--store", tmp_path / "s")
    assert result.code == 0, result.out


@pytest.mark.parametrize("base", ["https://example.org/kg#", "https://example.org/kg/#", "urn:x:kg#"])
@pytest.mark.parametrize("command", ["build", "export"])
def test_a_hash_base_is_refused_up_front(tmp_path, capsys, base, command):
    # issue 10's second reproduction: a '#' base built clean, then validate found thousands of violations and
    # push --prune pruned nothing
    data = make_corpus(tmp_path)
    if command == "build":
        args = ["build", data, "--store", tmp_path / "s", "-o", tmp_path / "o", "--no-html"]
    else:
        assert run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o",
                       "--no-html").code == 0
        args = ["export", "--format", "turtle", "--store", tmp_path / "s"]
    result = run_cli(capsys, *args, "--base", base)
    assert result.code == 2
    line = one_error_line(result)
    assert line.startswith(f"kg: error: --base: base IRI {base!r} ends with '#'"), line
    assert f"e.g. {base[:-1]}/" in line
    if command == "build":
        assert not (tmp_path / "s").exists() and not (tmp_path / "o").exists()


@pytest.mark.parametrize("base", [DEFAULT_BASE, OTHER, "urn:example:kg/", "https://example.org/graph/kg/"])
def test_graph_kinds_are_read_from_the_iri_scheme(base):
    iris = Iris(base)
    assert iris.graph_kind(iris.registry_graph().value) == ("registry", None)
    assert iris.graph_kind(iris.rankings_graph().value) == ("rankings", None)
    assert iris.graph_kind(iris.article_graph("mk-2025").value) == ("article", "mk-2025")
    other = Iris("https://elsewhere.example/x/" if base != "https://elsewhere.example/x/" else DEFAULT_BASE)
    for name in (other.registry_graph().value, other.article_graph("a").value, other.rankings_graph().value,
                 "https://w3id.org/newskg/ontology", base + "graph/article/", base + "graph/article/a/b",
                 base + "x/graph/registry", iris.entity("KR").value):
        assert iris.graph_kind(name) is None, name


@given(st.text(min_size=1, max_size=30).filter(lambda t: "\x00" not in t))
def test_every_article_graph_is_recognised_with_its_id(article_id):
    iris = Iris(OTHER)
    assert iris.graph_kind(iris.article_graph(article_id).value) == ("article", article_id)
