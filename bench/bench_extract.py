"""Throughput of ``kg extract``: articles per second per core, on news-length Korean and English text.

    .venv/bin/python -m bench.bench_extract [--articles 200] [--jobs 2] [--seed-text PATH]

Writes a synthetic corpus of news-length articles (about 2,500 characters for Korean, 4,000 for English; the
sentences are built from templates with random holders and figures, plus the seed article when it is on the
machine) to a temporary folder, then measures
  1. one process, model already loaded: ``extract_many`` over the articles, as ``kg extract`` drafts a batch (the
     next article's Korean analysis running in kiwipiepy's threads while the rules read the current one; the
     per-core figure the issue asks for), per second of wall-clock time and per CPU-second
     (``time.process_time``, kiwipiepy's threads included: the figure to compare on a shared machine); the Korean
     analyser's cache of sentences it has seen is emptied after each article, so the seed article repeated in the
     corpus is analysed afresh every time (real batches seldom repeat whole articles). The analysis started
     ahead is not in that cache: it is the next article's own work, started inside the timed loop (the first
     article's too), and the number of sentence texts given to kiwipiepy is printed for this loop and for the
     next, to show that both do the same analysis; then ``extract_file`` one article after the other (no
     overlap); then ``extract_many`` again with the draft, its pending list and its proposals dumped to YAML
     text, as ``kg extract`` writes them;
  2. ``extract_paths`` over the folder with ``--jobs`` worker processes (model loaded once per process,
     start-up included), drafts written to disk.
Prints a small table and one JSON line. The target (issue 9) is >= 80 articles per second per process.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KO_HOLDERS = ["메타", "테슬라", "구글", "xAI", "아마존웹서비스", "마이크로소프트", "네이버", "오픈AI"]
KO_COUNTRIES = ["한국", "미국", "중국", "일본", "독일", "프랑스", "영국", "캐나다", "싱가포르", "인도"]
KO_SOURCES = ["영국 에어스트리트캐피털 보고서에", "한국산업연합포럼에", "경제협력개발기구(OECD) 자료에", "보스턴컨설팅그룹(BCG) 분석에"]
KO_FILLER = [
    "전 세계는 인공지능 경쟁을 벌이고 있으며 각국 정부는 산업 육성을 위한 정책을 잇달아 내놓고 있다.",
    "전문가들은 반도체와 데이터센터 투자 없이는 경쟁에서 뒤처질 수밖에 없다고 경고했다.",
    "업계 관계자는 “개별 기업 차원에서 따라가는 것이 매우 어려운 상황”이라며 정부의 지원을 촉구했다.",
    "한국은 그동안 반도체, 스마트폰, 자동차 등 전통 제조업을 중심으로 성장해 왔다.",
    "정부는 올해 하반기 중 관련 법안을 국회에 제출하고 예산을 확대할 계획이라고 밝혔다.",
]
EN_HOLDERS = ["Meta", "Tesla", "Google", "xAI", "Amazon Web Services", "Microsoft", "OpenAI"]
EN_COUNTRIES = ["Korea", "the US", "China", "Japan", "Germany", "France", "the UK", "Canada", "Singapore"]
EN_FILLER = [
    "Governments around the world are racing to build the computing capacity that modern AI models need.",
    "Analysts warned that countries without access to advanced chips risk falling behind in the decade ahead.",
    "The ministry said it would submit the bill to parliament later this year and expand the budget.",
    "Industry officials called for direct funding of AI research and tax breaks for data centre investment.",
    "Korea built its economy on semiconductors, smartphones and cars, but has been slow to move into AI.",
]


def ko_number(rng: random.Random) -> str:
    v = rng.choice([rng.randint(1, 99) * 1000, rng.randint(1, 40) * 10000 + rng.randint(0, 9) * 1000])
    man, rest = divmod(v, 10000)
    return f"{man}만{rest if rest else ''}" if man else f"{v:,}" if rng.random() < 0.5 else str(v)


def korean_article(rng: random.Random) -> str:
    lines = ["AI 경쟁 격화…한국의 현주소는", ""]
    for _ in range(4):
        holders = rng.sample(KO_HOLDERS, 4)
        src = rng.choice(KO_SOURCES)
        lines.append(f"{src} 따르면 H100 기준으로 " + ", ".join(f"{h}는 {ko_number(rng)}대" for h in holders)
                     + "의 GPU를 보유하고 있다. " + " ".join(rng.sample(KO_FILLER, 2)))
        c = rng.sample(KO_COUNTRIES, 4)
        lines.append(f"{c[0]}은 제조업경쟁력지수(CIP) 순위에서 {c[1]}, {c[2]}, {c[3]}에 이은 {rng.randint(4, 9)}위지만, "
                     f"시간당 노동생산성은 {rng.randint(20, 90)}.{rng.randint(1, 9)}달러로 38개국 가운데 "
                     f"{rng.randint(10, 38)}위다. " + rng.choice(KO_FILLER))
    return "\n".join(lines) + "\n"


def english_article(rng: random.Random) -> str:
    lines = ["The AI race: where Korea stands", ""]
    for _ in range(4):
        holders = rng.sample(EN_HOLDERS, 3)
        lines.append(f"According to Air Street Capital, {holders[0]} holds {rng.randint(2, 40) * 10000:,} H100 GPUs, "
                     f"{holders[1]} {rng.randint(2, 40) * 1000:,} and {holders[2]} about {rng.randint(2, 40) * 1000:,}. "
                     + " ".join(rng.sample(EN_FILLER, 2)))
        c = rng.sample(EN_COUNTRIES, 4)
        lines.append(f"{c[0]} ranked fourth behind {c[1]}, {c[2]} and {c[3]} in UNIDO's Competitive Industrial "
                     f"Performance index, but its labour productivity of {rng.randint(20, 90)}.{rng.randint(1, 9)} "
                     f"dollars per hour ranked {rng.randint(10, 38)}th of 38 OECD countries. "
                     + rng.choice(EN_FILLER))
    return "\n".join(lines) + "\n"


def write_corpus(folder: Path, n: int, seed_text: Path | None) -> list[Path]:
    rng = random.Random(20250130)
    paths = []
    for i in range(n):
        lang = "ko" if i % 2 == 0 else "en"
        text = korean_article(rng) if lang == "ko" else english_article(rng)
        if seed_text is not None and i % 10 == 0:
            text = seed_text.read_text(encoding="utf-8")
        path = folder / f"bench-{i:04d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    seed = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "seed-article.ko.txt"
    parser.add_argument("--seed-text", type=Path, default=seed,
                        help="the seed article (default: ../shared/seed/seed-article.ko.txt beside the repository)")
    args = parser.parse_args(argv)

    from kg.extract import RULES_STATUS, extract_file, extract_many, extract_paths
    from kg.extract.draft import dump_yaml
    from kg.extract.lang.ko.patterns import analysed_count, forget_analysed
    from kg.load import load_registries

    registry = load_registries([ROOT / "data" / "registries", ROOT / "eval" / "registries"])
    date = dt.date(2025, 1, 30)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        seed = args.seed_text if args.seed_text.is_file() else None
        paths = write_corpus(folder, args.articles, seed)
        chars = sum(len(p.read_text(encoding="utf-8")) for p in paths)
        t0 = time.perf_counter()
        extract_file(paths[0], registry, date=date)            # loads the Korean model
        extract_file(paths[1], registry, date=date)
        warm = time.perf_counter() - t0
        facts = 0
        forget_analysed()
        n0, t0, c0 = analysed_count(), time.perf_counter(), time.process_time()
        for _, draft in extract_many(paths, registry, date=date):
            forget_analysed()                                   # every article is text the analyser has not seen
            facts += len(draft.sheet["facts"])
        single, single_cpu, n_many = time.perf_counter() - t0, time.process_time() - c0, analysed_count() - n0
        n0, t0, c0 = analysed_count(), time.perf_counter(), time.process_time()
        for p in paths:
            forget_analysed()
            extract_file(p, registry, date=date)
        one_by_one, one_by_one_cpu, n_one = time.perf_counter() - t0, time.process_time() - c0, analysed_count() - n0
        yaml_chars = 0
        forget_analysed()
        t0, c0 = time.perf_counter(), time.process_time()
        for _, draft in extract_many(paths, registry, date=date):
            forget_analysed()
            yaml_chars += sum(len(t or "") for t in (draft.to_yaml(), draft.pending_yaml(), dump_yaml(draft.proposals)))
        with_yaml, with_yaml_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        extract_paths([folder], data_dir=ROOT / "data", out_dir=Path(tmp) / "drafts", date=date, jobs=args.jobs)
        parallel = time.perf_counter() - t0
    result = {
        "articles": len(paths), "mean_chars": round(chars / len(paths)), "facts": facts,
        "model_load_s": round(warm, 2),
        "single_process_articles_per_s": round(len(paths) / single, 1),
        "single_process_articles_per_cpu_s": round(len(paths) / single_cpu, 1),
        "one_by_one_articles_per_s": round(len(paths) / one_by_one, 1),
        "one_by_one_articles_per_cpu_s": round(len(paths) / one_by_one_cpu, 1),
        "sentences_analysed": n_many, "sentences_analysed_one_by_one": n_one,
        "single_process_with_yaml_articles_per_s": round(len(paths) / with_yaml, 1),
        "single_process_with_yaml_articles_per_cpu_s": round(len(paths) / with_yaml_cpu, 1),
        "parallel_jobs": args.jobs, "parallel_articles_per_s_incl_startup": round(len(paths) / parallel, 1),
        "compiled_rules": RULES_STATUS.in_use,
    }
    print(f"rules                 {RULES_STATUS.reason}")
    print(f"articles              {result['articles']} (mean {result['mean_chars']} chars, {facts} facts drafted)")
    print(f"model load + warm-up  {warm:.2f} s")
    print(f"one process           {result['single_process_articles_per_s']} articles/s, "
          f"{result['single_process_articles_per_cpu_s']} per CPU-second  (target >= 80 per process; "
          f"{n_many} sentence texts analysed)")
    print(f"  one by one          {result['one_by_one_articles_per_s']} articles/s, "
          f"{result['one_by_one_articles_per_cpu_s']} per CPU-second  (extract_file per article, no overlap; "
          f"{n_one} sentence texts analysed)")
    print(f"  and writing YAML    {result['single_process_with_yaml_articles_per_s']} articles/s, "
          f"{result['single_process_with_yaml_articles_per_cpu_s']} per CPU-second  (draft, pending and proposals "
          f"as kg extract writes them: {yaml_chars:,} characters)")
    print(f"{args.jobs} processes           {result['parallel_articles_per_s_incl_startup']} articles/s "
          "including process start-up and model load")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
