"""The flat facts table (from the stored RDF), the query command, and CLI conventions."""
from __future__ import annotations

import csv
import functools
import io
import json
from decimal import Decimal

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.build import build
from kg.cli import cli
from kg.facts import COLUMNS
from kg.load import load_article, load_registries
from kgtest import DATA, MINI_ARTICLE, make_corpus, run_cli

HEADER = "article,kind,subject,subject_id,measure,value,unit,rank,out_of,group,period,source,approximate"


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("facts")
    build([DATA], out_dir=None, store_path=root / "store")
    return root / "store"


def _rows(capsys, store, *extra):
    result = run_cli(capsys, "facts", "--format", "csv", "--store", store, *extra)
    assert result.code == 0, result.err
    return result.out, list(csv.DictReader(io.StringIO(result.out)))


def test_csv_header_is_exact(capsys, seed_store):
    out, _ = _rows(capsys, seed_store)
    assert out.splitlines()[0] == HEADER
    assert HEADER.split(",") == COLUMNS


def test_both_korean_h100_figures_are_kept_with_their_sources(capsys, seed_store):
    _, rows = _rows(capsys, seed_store)
    korea = [r for r in rows if r["subject_id"] == "KR" and "H100" in r["measure"]]
    assert sorted((r["value"], r["source"], r["approximate"]) for r in korea) == [
        ("10000", "", "true"), ("2000", "Yoo Young-sang", "true")]


def test_values_are_plain_decimals_in_the_units_base(capsys, seed_store):
    _, rows = _rows(capsys, seed_store)
    china = next(r for r in rows if r["subject_id"] == "CN" and r["unit"] == "CNY")
    assert china["value"] == "500000000000"            # 5000억위안
    tesla = next(r for r in rows if r["subject_id"] == "tesla")
    assert (tesla["value"], tesla["unit"], tesla["source"]) == ("35000", "GPU", "Air Street Capital")
    productivity = next(r for r in rows if r["subject_id"] == "KR" and r["unit"] == "USD-per-hour")
    assert productivity["value"] == "44.4"
    for row in rows:
        assert "," not in row["value"] and "e" not in row["value"].lower()


def test_ranks_memberships_and_periods(capsys, seed_store):
    _, rows = _rows(capsys, seed_store)
    oecd = next(r for r in rows if r["kind"] == "rank" and r["out_of"])
    assert (oecd["subject_id"], oecd["rank"], oecd["out_of"]) == ("KR", "33", "38")
    france = sorted((r["period"], r["rank"]) for r in rows if r["subject_id"] == "FR" and r["kind"] == "rank")
    assert france == [("2023", "13"), ("2024", "5")]   # "지난해" resolved against the 2025 publication date
    pioneers = sorted(r["subject_id"] for r in rows if r["group"] == "AI pioneers")
    assert pioneers == ["CA", "CN", "GB", "SG", "US"]
    assert {r["kind"] for r in rows} == {"observation", "rank", "membership"}


def test_article_filter_and_formats(capsys, seed_store):
    _, rows = _rows(capsys, seed_store, "--article", "no-such-article")
    assert rows == []
    result = run_cli(capsys, "facts", "--format", "json", "--store", seed_store)
    records = json.loads(result.out)
    assert records and set(records[0]) == set(COLUMNS)
    table = run_cli(capsys, "facts", "--store", seed_store).out
    assert table.splitlines()[0].split() == COLUMNS


def test_query_command_with_parameters_and_errors(capsys, seed_store):
    ok = run_cli(capsys, "query", "facts", "--param", "article=mk-2025-korea-ai-competitiveness",
                 "--format", "csv", "--store", seed_store)
    assert ok.code == 0 and ok.out.count("\n") > 20
    unknown = run_cli(capsys, "query", "facts", "--param", "nope=1", "--store", seed_store)
    assert unknown.code == 2 and "unknown parameter 'nope'" in unknown.err
    syntax = run_cli(capsys, "query", "-e", "SELECT * WHERE { ?s ?p }", "--store", seed_store)
    assert syntax.code == 2 and "SPARQL syntax error" in syntax.err and ":1:" in syntax.err
    construct = run_cli(capsys, "query", "-e", "CONSTRUCT { ?s a nkg:Country } WHERE { ?s nkg:isoCode 'KR' }",
                        "--store", seed_store)
    assert construct.code == 0 and "nkg:Country" in construct.out
    missing = run_cli(capsys, "query", "no-such-query", "--store", seed_store)
    assert missing.code == 2 and "no saved query" in missing.err


def test_missing_store_is_a_clean_error(capsys, tmp_path):
    result = run_cli(capsys, "facts", "--store", tmp_path / "none")
    assert result.code == 3 and "no store" in result.err and "Traceback" not in result.err


def test_every_command_has_help_text(capsys):
    for name, command in cli.commands.items():
        assert command.help and len(command.help.strip()) > 20, name
        result = run_cli(capsys, name, "--help")
        assert result.code == 0 and "Usage:" in result.out, name


def test_unknown_option_exits_2(capsys):
    result = run_cli(capsys, "build", "--no-such-option")
    assert result.code == 2


# -- property tests of the loader's number handling --------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _registry():
    return load_registries([DATA / "registries"])


decimals = st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), allow_nan=False,
                       allow_infinity=False, places=4)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=decimals)
def test_any_decimal_value_round_trips_exactly(tmp_path, value):
    """A value written in a fact sheet reaches the model as exactly that Decimal (never through float)."""
    text = format(value, "f")
    data = tmp_path / "data"
    if not data.exists():
        make_corpus(tmp_path, article=None)
    registry = _registry()
    path = data / "articles" / "mini.yaml"
    path.write_text(MINI_ARTICLE.replace("value: 35000", f"value: {text}").replace("    as_written: 3만5000대\n", ""),
                    encoding="utf-8")
    fact = load_article(path, registry).facts[0]
    assert fact.value == value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(year=st.integers(1900, 2100), month=st.integers(1, 12), day=st.integers(1, 31))
def test_periods_are_accepted_exactly_when_they_are_real_dates(tmp_path, year, month, day):
    import datetime as dt

    from kg.errors import InputError
    data = tmp_path / "data"
    if not data.exists():
        make_corpus(tmp_path, article=None)
    registry = _registry()
    path = data / "articles" / "mini.yaml"
    period = f"{year:04d}-{month:02d}-{day:02d}"
    path.write_text(MINI_ARTICLE.replace("period: 2024", f"period: {period}"), encoding="utf-8")
    try:
        dt.date(year, month, day)
        real = True
    except ValueError:
        real = False
    if real:
        assert load_article(path, registry).facts[0].period.iso() == period
    else:
        with pytest.raises(InputError, match="not a real calendar date"):
            load_article(path, registry)


def test_cli_is_click_group():
    assert isinstance(cli, click.Group)
