"""From article to graph: kg extract URL (a local HTTP server, never the internet), kg build's draft count and
--reviewed-only, and progress through every long stage of a build."""
from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from kg.build import build

try:
    from kgtest import DATA, run_cli, snapshot
except ModuleNotFoundError:  # tests/ imported as a package
    from tests.kgtest import DATA, run_cli, snapshot

# A made-up page (not a corpus article): two figures the registries know, attributed to a known source.
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Tesla's GPU stock</title>
<meta property="article:published_time" content="2025-02-03"></head>
<body><nav>Home | World | Tech</nav><article><h1>Tesla's GPU stock</h1>
<p>Tesla holds 35,000 NVIDIA H100 GPUs, according to Air Street Capital.</p>
<p>Meta holds 350,000 NVIDIA H100 GPUs, according to Air Street Capital. The figures were published in the
State of AI report, which compares the largest buyers of accelerators across the industry.</p>
</article><footer>Copyright 2025</footer></body></html>
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "news").mkdir()
    (root / "news" / "tesla-gpus.html").write_text(PAGE, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_extract_url_keeps_page_and_text_and_builds(site, tmp_path, capsys):
    url = f"{site}/news/tesla-gpus.html"
    out = tmp_path / "X"
    result = run_cli(capsys, "extract", url, "-o", out, "--data", DATA, "--allow-local-urls")
    assert result.code == 0, result.err
    assert (out / "sources" / "tesla-gpus.html").read_text(encoding="utf-8") == PAGE  # the page as fetched
    sheet = yaml.safe_load((out / "articles" / "tesla-gpus.yaml").read_text(encoding="utf-8"))
    assert sheet["article"]["url"] == url and sheet["article"]["draft"] is True
    text = (out / "texts" / "tesla-gpus.txt").read_text(encoding="utf-8")
    values = sorted(f["value"] for f in sheet["facts"])
    assert values == [35000, 350000]
    for fact in sheet["facts"]:  # the kept text is what the evidence offsets point into
        ev = fact["evidence"]
        assert text[ev["start"]:ev["end"]] == ev["text"]
    # the drafts build as they are, with the kept texts checking the offsets, and the build says they are drafts
    store = tmp_path / "store"
    result = run_cli(capsys, "build", DATA, out, "--text-dir", out / "texts", "--store", store, "-o",
                     tmp_path / "out", "--no-html")
    assert result.code == 0, result.err
    assert "warning: 2 facts come from 1 draft fact sheets" in result.out
    assert "facts: 31" in result.out
    # --reviewed-only leaves the draft out, and takes it out of a store that held it
    result = run_cli(capsys, "build", DATA, out, "--store", store, "-o", tmp_path / "out", "--no-html",
                     "--reviewed-only")
    assert result.code == 0, result.err
    assert "facts: 29" in result.out and "1 removed" in result.out
    assert "left out 1 draft fact sheets (--reviewed-only): tesla-gpus" in result.out
    assert "draft fact sheets (draft: true" not in result.out
    listed = run_cli(capsys, "articles", "--format", "csv", "--store", store)
    assert "tesla-gpus" not in listed.out and "mk-2025-korea-ai-competitiveness" in listed.out


def test_a_url_that_fails_leaves_nothing(site, tmp_path, capsys):
    out = tmp_path / "X"
    missing = run_cli(capsys, "extract", f"{site}/news/tesla-gpus.html", f"{site}/news/gone.html", "-o", out,
                      "--data", DATA, "--allow-local-urls")
    assert missing.code == 4 and "HTTP status 404" in missing.err and missing.err.count("\n") == 1
    assert snapshot(out) == {}  # the first URL was fetched, but nothing is written when one fails
    # loopback is refused unless asked for (trafilatura's protection against requests to internal addresses)
    refused = run_cli(capsys, "extract", f"{site}/news/tesla-gpus.html", "-o", out, "--data", DATA)
    assert refused.code == 4 and "--allow-local-urls" in refused.err
    assert snapshot(out) == {}


def test_a_url_argument_is_not_taken_for_a_path(tmp_path, capsys):
    result = run_cli(capsys, "extract", "ftp://example.invalid/a.html", "-o", tmp_path / "X", "--data", DATA)
    assert result.code == 2 and "no such file or folder" in result.err  # not a URL kg fetches: a path


def test_every_long_stage_reports_progress(tmp_path):
    calls: list[tuple[str, int, int]] = []
    build([DATA], out_dir=tmp_path / "out", store_path=tmp_path / "store",
          progress=lambda stage, done, total: calls.append((stage, done, total)))
    stages = [c[0] for c in calls]
    assert list(dict.fromkeys(stages)) == ["load", "validate", "store", "export"]
    for stage in ("load", "validate", "store", "export"):
        mine = [(d, t) for s, d, t in calls if s == stage]
        assert mine[0][0] == 0 and mine[-1][0] == mine[-1][1] >= 1, (stage, mine)
    # export steps through every output file: 3 RDF formats, the reports, graph.html
    assert [d for s, d, _ in calls if s == "export"] == [0, 1, 2, 3, 4, 5]
