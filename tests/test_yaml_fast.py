"""The YAML reader composes with libyaml's C composer when it can (issue 13, item 2) and with PyYAML's Python
composer otherwise: both paths must give the same node tree (tags, values, styles, line and column of every node)
and the same errors at the same places, on the real data/ files and on generated and mutated YAML (where libyaml
may accept a few spellings of valid YAML that PyYAML's scanner refuses)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg import yamlsource
from kg.errors import InputError
from kg.yamlsource import Source, _compose_fast, compose

from kgtest import DATA
from test_fuzz_input import HOSTILE, REGISTRIES, SHEET, byte_ops, mutate_bytes, replace_somewhere, yaml_values

needs_libyaml = pytest.mark.skipif(not yamlsource.USE_LIBYAML, reason="PyYAML has no libyaml extension here")
REAL = [DATA / "articles" / SHEET] + [DATA / "registries" / name for name in REGISTRIES]


def tree(node) -> object:
    """Everything the reader uses of a node: kind, tag, value, style and the start line and column."""
    if node is None:
        return None
    place = (node.start_mark.line, node.start_mark.column)
    if isinstance(node, yaml.ScalarNode):
        return ("scalar", str(node.tag), node.value, node.style, place)
    if isinstance(node, yaml.SequenceNode):
        return ("seq", str(node.tag), place, [tree(child) for child in node.value])
    return ("map", str(node.tag), place, [(tree(key), tree(value)) for key, value in node.value])


def outcome(text: str, fast: bool, monkeypatch) -> object:
    """The tree ``Source`` builds from ``text`` with the C path allowed or not, or its error message."""
    monkeypatch.setattr(yamlsource, "USE_LIBYAML", fast)
    try:
        return tree(Source(Path("x.yaml"), text).root.node)
    except InputError as exc:
        return f"{exc.location}: {exc}"


def same_both_ways(text: str, monkeypatch) -> object:
    python = outcome(text, False, monkeypatch)
    assert outcome(text, True, monkeypatch) == python
    return python


@needs_libyaml
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_files_compose_on_the_c_path_to_the_same_tree(path):
    text = path.read_text(encoding="utf-8")
    fast = _compose_fast(text)
    assert fast is not False, "a clean data/ file must be accepted by the C path, not handed to the fallback"
    assert tree(fast) == tree(compose(text, fast=False))


@needs_libyaml
@pytest.mark.parametrize("text, words", [
    ("a: [" + "[" * 70 + "]" * 70 + "]\n", "nested more than 64"),
    ("a: !foo x\n", "unknown YAML tag '!foo'"),
    ("a: !!binary aGk=\n", "unknown YAML tag '!!binary'"),
    ('a: "x\\x07"\n', "control character U+0007"),
    ("a: &x 1\nb: *x\n", None),          # aliases go to the Python composer, which accepts them
    ("<<: 1\n'=': 2\n", None),          # plain scalars the resolver tags merge/value: same tree both ways
    ("a: [1,\n", "YAML syntax error"),
    ("a: 1\n---\nb: 2\n", "YAML syntax error"),
    ("a: x\ufeff\nb: y\n", None),      # a byte-order mark inside: libyaml would count it as a column
    ("a: [x: , y]\nb:\n", None),         # empty values: libyaml and PyYAML mark them differently
    ("a:\n\t- x\n", "YAML syntax error"),  # a tab libyaml would accept
    ("a: " + "x" * (yamlsource.MAX_SCALAR_CHARS + 1) + "\n", "characters long"),
])
def test_what_the_c_path_cannot_decide_ends_as_on_the_python_path(text, words, monkeypatch):
    assert _compose_fast(text) is False
    result = same_both_ways(text, monkeypatch)
    if words is None:
        assert not isinstance(result, str)
    else:
        assert isinstance(result, str) and words in result and result.startswith("x.yaml:")


@needs_libyaml
@pytest.mark.parametrize("inner, accepted", [
    ("[" * 62 + "x" + "]" * 62, True),     # a scalar 63 levels deep: the deepest allowed
    ("[" * 63 + "]" * 63, True),           # an empty list 63 levels deep
    ("[" * 63 + "x" + "]" * 63, False),    # a scalar 64 levels deep
    ("{k: " * 62 + "x" + "}" * 62, True),
    ("{k: " * 63 + "x" + "}" * 63, False),
])
@pytest.mark.parametrize("extra", ["", "b: 'hi!'\n", "b: &x 1\n"])   # with a '!' or an anchor: the full walk
def test_the_depth_limit_is_the_same_on_both_paths(inner, accepted, extra, monkeypatch):
    text = f"a: {inner}\n{extra}"
    assert (_compose_fast(text) is not False) == accepted
    result = same_both_ways(text, monkeypatch)
    assert isinstance(result, str) != accepted
    if not accepted:
        assert "nested more than 64" in result


_settings = settings(max_examples=150, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                            HealthCheck.function_scoped_fixture])


@needs_libyaml
@_settings
@given(target=st.sampled_from(REAL), value=yaml_values, choices=st.lists(st.integers(0, 50), max_size=6),
       style=st.sampled_from([None, '"', "'", "|"]), flow=st.sampled_from([None, True, False]))
@pytest.mark.slow
def test_generated_documents_read_the_same_both_ways(monkeypatch, target, value, choices, style, flow):
    document = replace_somewhere(yaml.safe_load(target.read_text(encoding="utf-8")), value, choices)
    try:
        text = yaml.safe_dump(document, allow_unicode=True, default_style=style, default_flow_style=flow,
                              sort_keys=False)
    except yaml.YAMLError:
        return
    same_both_ways(text, monkeypatch)


@needs_libyaml
@_settings
@given(target=st.sampled_from(REAL), ops=byte_ops, hostile=st.sampled_from(HOSTILE))
def test_mutated_files_give_the_same_tree_or_error_both_ways(monkeypatch, target, ops, hostile):
    data = mutate_bytes(target.read_bytes(), ops + [("insert", 0.5, 0, hostile)])
    text = data.decode("utf-8", "replace")
    python, fast = outcome(text, False, monkeypatch), outcome(text, True, monkeypatch)
    if isinstance(python, str) and not isinstance(fast, str):
        # the one allowed difference: libyaml accepts a few spellings PyYAML's scanner refuses, such as a "?"
        # straight after a comma in a flow list (valid YAML); the C path never refuses what PyYAML accepts
        assert "YAML syntax error" in python
    else:
        assert fast == python
