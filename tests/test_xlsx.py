"""Excel downloads: kg.xlsx writes a workbook openpyxl (an independent reader) reads back cell for cell, and the
endpoint answers format=xlsx / the spreadsheet media type with typed cells."""
from __future__ import annotations

import io
import urllib.parse
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.serve import ServeConfig, SparqlServer
from kg.serve_formats import choose_format, parse_accept
from kg.xlsx import workbook

try:
    from _serve_site import build_data_store, fetch
except ModuleNotFoundError:  # tests/ imported as a package
    from tests._serve_site import build_data_store, fetch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read(data: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_cells_keep_their_types_and_text():
    data = workbook(["name", "value", "rank", "approximate", "note"],
                    [["한국", Decimal("44.4"), 33, False, None], ["  padded ", 2.5, None, True, "a\x01b"]])
    assert read(data) == [("name", "value", "rank", "approximate", "note"),
                          ("한국", 44.4, 33, False, None), ("  padded ", 2.5, None, True, "a\ufffdb")]
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].font.b and not sheet["A2"].font.b      # the header row is bold
    assert workbook(["a"], [["x"]]) == workbook(["a"], [["x"]])   # same rows, same bytes


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.booleans(), st.integers(-10**15, 10**15),
                                   st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)),
                         min_size=3, max_size=3), max_size=8))
def test_any_rows_read_back_as_written(rows):
    got = read(workbook(["a", "b", "c"], rows))[1:]
    expected = [tuple("".join(c if c in "\t\n\r" or ord(c) >= 0x20 else "\ufffd" for c in v)
                      if isinstance(v, str) else v for v in row) for row in rows]
    # openpyxl drops trailing empty rows: compare the rows it has, and require the rest to be empty
    assert got == expected[:len(got)] and all(all(v is None for v in row) for row in expected[len(got):])


def test_the_spreadsheet_media_type_and_format_names_choose_xlsx():
    assert choose_format("select", parse_accept(XLSX), None) == "xlsx"
    assert choose_format("select", [], "xlsx") == "xlsx" == choose_format("select", [], "excel")
    assert choose_format("graph", [], "xlsx") == "turtle"     # a graph has no spreadsheet form


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = build_data_store(tmp_path_factory.mktemp("xlsx"))
    with SparqlServer(ServeConfig(store_path=store, port=0, timeout=20, workers=1)).start() as srv:
        yield srv


def test_the_endpoint_answers_a_select_as_a_typed_workbook(server):
    query = ("PREFIX nkg: <https://w3id.org/newskg/ontology#> SELECT ?fact ?value WHERE { "
             "?fact a nkg:Observation ; nkg:value ?value } ORDER BY DESC(?value) LIMIT 3")
    form = urllib.parse.urlencode({"query": query, "format": "xlsx"}).encode()
    status, headers, body = fetch(server, "POST", "/sparql", body=form,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and headers["content-type"] == XLSX, body[:200]
    rows = read(body)
    assert rows[0] == ("fact", "value") and len(rows) == 4
    assert all(isinstance(value, (int, float)) for _, value in rows[1:])
    assert [value for _, value in rows[1:]] == sorted((value for _, value in rows[1:]), reverse=True)
    status, _, body = fetch(server, "GET", "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                            headers={"Accept": XLSX})
    assert status == 200 and read(body) == [("_askResult",), (True,)]


def test_line_breaks_and_carriage_returns_survive():
    assert read(workbook(["a"], [["x\ry"], ["\r"], ["l1\nl2\r\n"]]))[1:] == [("x\ry",), ("\r",), ("l1\nl2\r\n",)]
