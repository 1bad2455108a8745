"""kg chart: the data each chart shows equal the stored facts, names resolve like saved-query parameters, the
three output formats, Korean labels, errors, and the function entity pages call (kg.charts.entity_chart)."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from kg.build import build
from kg.charts import chart, chart_page, chart_spec, embed_fragment, entity_chart, vendor_scripts
from kg.errors import InputError
from kg.store import KgStore

try:
    from kgtest import ROOT, run_cli
except ModuleNotFoundError:  # tests/ imported as a package
    from tests.kgtest import ROOT, run_cli


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("charts")
    build([ROOT / "data"], out_dir=None, store_path=tmp / "store")
    return tmp / "store"


def facts_rows(capsys, store: Path) -> list[dict[str, str]]:
    result = run_cli(capsys, "facts", "--format", "csv", "--store", store)
    assert result.code == 0
    return list(csv.DictReader(io.StringIO(result.out)))


def values(spec: dict) -> list[dict]:
    return spec["data"]["values"]


def test_indicator_chart_shows_every_figure_with_its_source(built, capsys):
    expected = sorted((r["subject_id"], float(r["value"]), r["source"] or "no source named")
                      for r in facts_rows(capsys, built) if r["measure"] == "NVIDIA H100 GPUs held")
    with KgStore(built, read_only=True) as store:
        made = chart(store, "indicator", "H100")
    shown = sorted((v["subject_id"], v["value"], v["source_en"]) for v in values(made.spec))
    assert shown == expected
    # Korea's two conflicting figures are two bars, each labelled with its own source
    korea = sorted(v["label"] for v in values(made.spec) if v["subject_id"] == "KR")
    assert korea == ["≈10,000 GPUs · no source named", "≈2,000 GPUs · Yoo Young-sang"]
    assert len({(v["subject_id"], v["slot"]) for v in values(made.spec)}) == len(expected)
    assert made.resolution.key == "h100-gpus-held"


def test_country_and_ranking_charts_hold_every_rank(built, capsys):
    rows = facts_rows(capsys, built)
    with KgStore(built, read_only=True) as store:
        korea = chart_spec(store, "country", "한국", lang="ko")
        tortoise = chart_spec(store, "ranking", "Tortoise Global AI Index")
    expected = sorted(int(r["rank"]) for r in rows if r["kind"] == "rank" and r["subject_id"] == "KR")
    assert sorted(v["rank"] for v in values(korea)) == expected
    assert "38개 중 33위" in {v["figure_ko"] for v in values(korea)}
    assert korea["title"]["text"] == "대한민국: 순위 지표별 순위"
    # the table: one row per position, editions in order
    table = [(v["year_shown"], v["rank_shown"], v["subject"]) for v in values(tortoise)]
    assert table == [("2023", "13", "France"), ("2024", "5", "France")]


def test_names_resolve_like_saved_query_parameters(built, capsys, tmp_path):
    out = tmp_path / "kr.html"
    result = run_cli(capsys, "chart", "country", "kr", "-o", out, "--store", built)
    assert result.code == 0, result.err
    assert "country kr → KR (South Korea)" in result.err
    result = run_cli(capsys, "chart", "indicator", "H10O", "-o", tmp_path / "x.html", "--store", built)
    assert result.code == 2
    assert result.err.count("\n") == 1 and "closest matches" in result.err and "h100" in result.err.lower()
    assert not (tmp_path / "x.html").exists()


def test_html_page_is_self_contained_and_deterministic(built, capsys, tmp_path):
    for name in ("a.html", "b.html"):
        assert run_cli(capsys, "chart", "indicator", "h100-gpus-held", "-o", tmp_path / name,
                       "--store", built).code == 0
    page = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert page == (tmp_path / "b.html").read_text(encoding="utf-8")
    assert "connect-src 'none'" in page and "default-src 'none'" in page
    markup = re.sub(r"(?s)<script([^>]*)>.*?</script>", r"<script\1></script>", page)
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", markup)  # everything inline
    assert markup.count("<script") == 5  # vega, vega-lite, vega-embed, the spec, the call
    assert "sourceMappingURL" not in page
    spec = json.loads(re.search(r'<script type="application/json" id="chart-spec">(.*?)</script>', page).group(1))
    assert len(values(spec)) == 7


def test_static_images_in_both_languages(built, capsys, tmp_path):
    svg = tmp_path / "h100.svg"
    assert run_cli(capsys, "chart", "indicator", "엔비디아 H100 GPU 보유량", "-o", svg, "--lang", "ko",
                   "--store", built).code == 0
    text = svg.read_text(encoding="utf-8")
    assert text.startswith("<svg") and "대한민국" in text and "35만대" in text and "에어스트리트캐피털" in text
    png = tmp_path / "ranks.png"
    assert run_cli(capsys, "chart", "country", "South Korea", "-o", png, "--store", built).code == 0
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    pdf = tmp_path / "x.pdf"
    result = run_cli(capsys, "chart", "country", "KR", "-o", pdf, "--store", built)
    assert result.code == 2 and ".html, .svg or .png" in result.err and not pdf.exists()


def test_chart_of_something_without_figures_is_a_clear_error(built):
    with KgStore(built, read_only=True) as store, pytest.raises(InputError, match="no ranking positions of 'JP'"):
        chart(store, "country", "Japan")


def test_entity_chart_for_entity_pages(built):
    base = "https://w3id.org/newskg/id/"
    with KgStore(built, read_only=True) as store:
        korea = entity_chart(store, base + "entity/KR", lang="ko")
        tesla = entity_chart(store, base + "entity/tesla")
        fragment = embed_fragment(korea.spec, "chart-KR") if korea else ""
        page = chart_page(store, "ranking", "unido-cip")
    assert korea is not None and korea.kind == "country" and korea.rows == 4
    assert tesla is None  # a company has no chart of its own (its figures are in the indicator's)
    assert 'id="chart-KR"' in fragment and "vegaEmbed(" in fragment
    assert vendor_scripts() in page
