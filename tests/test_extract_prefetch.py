"""Drafting a batch with the next article's Korean analysis started ahead (``extract_many``: kiwipiepy analyses
it in its own threads while the rules read the current article) gives the drafts that ``extract_file`` gives one
article at a time, analyses each sentence once, and raises a bad file's error in its turn."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.extract import extract_file, extract_many, extract_paths, extract_text, prefetch
from kg.extract.draft import Draft, dump_yaml
from kg.extract.lang.ko.patterns import analysed_count, forget_analysed
from kg.extract.text import read_article
from kg.load import load_registries

ROOT = Path(__file__).resolve().parent.parent
REG = load_registries([ROOT / "data" / "registries", ROOT / "eval" / "registries"])
DATE = dt.date(2025, 1, 30)

# a Korean article with a ranking table (its rows are read with the header's ranking), then one without: the
# table rows of the article being read must not be those of the next article, prefetched meanwhile
KO_TABLE = ("AI 경쟁력 순위 발표\n\n"
            "2024 글로벌 AI 지수 (점수)\n1. 미국 100\n2. 중국 61.47\n3. 싱가포르 38.16\n4. 영국 31.2\n\n"
            "한국은 이 지수에서 6위를 기록했다고 영국 토터스인텔리전스가 밝혔다.\n")
KO_PLAIN = ("GPU 확보 경쟁\n\n에어스트리트캐피털 보고서에 따르면 메타는 35만대, 테슬라는 8만5000대의 H100을 보유하고 있다. "
            "한국은 38개국 가운데 33위다.\n")


def _batch(tmp_path: Path) -> list[Path]:
    (tmp_path / "a-table.txt").write_text(KO_TABLE, encoding="utf-8")
    (tmp_path / "b-plain.txt").write_text(KO_PLAIN, encoding="utf-8")
    evals = sorted(p for p in (ROOT / "eval" / "articles").iterdir() if p.suffix == ".txt")
    return [tmp_path / "a-table.txt", tmp_path / "b-plain.txt", *evals]


def _out(d: Draft) -> tuple[str | None, str | None, str, list[str]]:
    return d.to_yaml(), d.pending_yaml(), dump_yaml(d.proposals), d.warnings


def test_prefetched_batch_drafts_as_one_by_one(tmp_path: Path) -> None:
    paths = _batch(tmp_path)
    one_by_one = []
    for p in paths:
        forget_analysed()
        one_by_one.append(_out(extract_file(p, REG, date=DATE)))
    # the table is read (else the table rows below would prove nothing): its rows give ranks
    assert one_by_one[0][0] is not None and "rank: 3" in one_by_one[0][0]
    forget_analysed()
    drafted = []
    for article, d in extract_many(paths, REG, date=DATE):      # every article analysed afresh, as the benchmark
        forget_analysed()
        drafted.append((article.path, _out(d)))
    assert [p for p, _ in drafted] == paths
    assert [o for _, o in drafted] == one_by_one
    # with the cache kept across the batch, too
    assert [_out(d) for _, d in extract_many(paths, REG, date=DATE)] == one_by_one


def test_each_sentence_analysed_once_and_ahead(tmp_path: Path) -> None:
    paths = _batch(tmp_path)
    forget_analysed()
    n0 = analysed_count()
    for _ in extract_many(paths, REG, date=DATE):
        forget_analysed()
    ahead = analysed_count() - n0
    n0 = analysed_count()
    for p in paths:
        forget_analysed()
        extract_file(p, REG, date=DATE)
    assert ahead == analysed_count() - n0 > 0
    # prefetch starts the analysis; drafting the article then reads it rather than analysing again
    forget_analysed()
    article = read_article(paths[1], date=DATE)
    n0 = analysed_count()
    prefetch(article, REG)
    started = analysed_count() - n0
    assert started > 0
    extract_text(article, REG)
    assert analysed_count() - n0 == started


def test_bad_file_raises_in_its_turn(tmp_path: Path) -> None:
    good, _, *rest = _batch(tmp_path)
    bad = tmp_path / "c-bad.txt"
    bad.write_bytes(b"\xff\xfe not text")
    seen = []
    with pytest.raises(InputError) as err:
        for article, _d in extract_many([good, bad, rest[0]], REG, date=DATE):
            seen.append(article.path)
    assert seen == [good]
    assert "c-bad.txt" in str(err.value.location)


def test_parallel_runs_of_files_write_what_one_process_writes(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for p in _batch(tmp_path)[:5]:
        (src / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    one, two = tmp_path / "one", tmp_path / "two"
    extract_paths([src], data_dir=ROOT / "data", out_dir=one, date=DATE, jobs=1)
    extract_paths([src], data_dir=ROOT / "data", out_dir=two, date=DATE, jobs=2)
    files = sorted(p.relative_to(one) for p in one.rglob("*.yaml"))
    assert files and files == sorted(p.relative_to(two) for p in two.rglob("*.yaml"))
    assert all((one / f).read_bytes() == (two / f).read_bytes() for f in files)
