"""``kg extract``: draft fact sheets from Korean and English article text.

Library entry points (no printing, errors as ``kg.errors`` exceptions):

- :func:`extract_file` — one article file → a :class:`~kg.extract.draft.Draft` (``to_dict()``, ``to_yaml()``);
- :func:`extract_paths` — files and folders → drafts written to a folder, in parallel (one process per core, the
  language model and registries loaded once per process).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..atomic import write_text
from ..errors import InputError, Location
from ..model import Registry
from .draft import Draft, build_draft, slugify
from .engine import Engine
from .resolve import Gazetteer
from .text import ArticleText, article_files, read_article

__all__ = ["extract_file", "extract_text", "extract_paths", "ExtractResult", "Draft"]

_GAZETTEERS: dict[int, Gazetteer] = {}


def _gazetteer(registry: Registry) -> Gazetteer:
    gaz = _GAZETTEERS.get(id(registry))
    if gaz is None or gaz.registry is not registry:
        gaz = Gazetteer(registry)
        _GAZETTEERS.clear()
        _GAZETTEERS[id(registry)] = gaz
    return gaz


_ENGINES: dict[tuple[int, str], Engine] = {}


def _engine(registry: Registry, lang: str) -> Engine:
    """One engine per registry and language in a process (keyword tables and analyser built once)."""
    engine = _ENGINES.get((id(registry), lang))
    if engine is None or engine.registry is not registry:
        gaz = _gazetteer(registry)
        engine = Engine(registry, gaz, _rules(lang, gaz))
        if len(_ENGINES) > 8:
            _ENGINES.clear()
        _ENGINES[(id(registry), lang)] = engine
    return engine


def _rules(lang: str, gaz: Gazetteer):
    if lang == "ko":
        from .patterns_ko import KoreanRules

        return KoreanRules(gaz.korean_words())
    if lang == "en":
        from .patterns_en import EnglishRules

        return EnglishRules()
    raise InputError(f"unsupported language {lang!r}", hint="use ko or en")


def _publisher(article: ArticleText, gaz: Gazetteer, publisher: str | None) -> tuple[str | None, str | None]:
    """The publisher's key: given, else from the HTML site name, else the publisher named most in the text."""
    if publisher:
        return publisher, None
    if article.publisher_name:
        for m in gaz.find(article.publisher_name):
            if m.type == "publisher":
                return m.key, None
    counts: dict[str, int] = {}
    text = article.text
    for m in gaz.find(text):
        line_start = text.rfind("\n", 0, m.start) + 1
        line_end = text.find("\n", m.end)
        line = text[line_start:line_end if line_end >= 0 else len(text)]
        byline = len(line.strip()) < 60 and not line.rstrip().endswith((".", "다"))
        if m.type == "publisher" and (m.start >= article.body_end or byline):
            counts[m.key] = counts.get(m.key, 0) + (2 if m.start >= article.body_end else 1)
    if counts:
        return max(sorted(counts), key=lambda k: counts[k]), None
    return None, article.publisher_name


def extract_text(article: ArticleText, registry: Registry, *, article_id: str | None = None,
                 publisher: str | None = None) -> Draft:
    """Draft a fact sheet for an article already read (see :func:`kg.extract.text.read_article`)."""
    if article.published is None:
        raise InputError("the publication date is unknown", location=Location.of(article.path),
                         hint="pass --date YYYY-MM-DD (relative dates such as 지난해 are read against it)")
    engine = _engine(registry, article.language)
    gaz = engine.gaz
    candidates, mentions = engine.run(article.text, article.body_end, article.published.year)
    warnings: list[str] = []
    proposed: dict = {}
    pub_key, pub_name = _publisher(article, gaz, publisher)
    if pub_key is None:
        name = pub_name or "unknown publisher"
        pub_key = slugify(name, "unknown-publisher")
        proposed[pub_key] = {"type": "publisher", "label": {"en": name}, "note": "the publisher is not in the registries"}
        warnings.append(f"{article.path}: publisher {name!r} is not in the registries; proposed as {pub_key!r}")
    seen: list[str] = []
    for m in mentions:
        if m.key not in seen and m.type != "publisher":
            seen.append(m.key)
    if pub_key in registry.entities and pub_key not in seen:
        seen.append(pub_key)
    aid = article_id or slugify(article.path.stem, "article-" + hashlib.sha1(article.text.encode()).hexdigest()[:10])
    return build_draft(article_id=aid, title=article.title, publisher=pub_key, language=article.language,
                       published=article.published, published_note=article.published_note, url=article.url,
                       text=article.text, mentions=seen, candidates=candidates, proposed_entities=proposed,
                       warnings=warnings)


def extract_file(path: str | Path, registry: Registry, *, lang: str = "auto", date: dt.date | None = None,
                 article_id: str | None = None, publisher: str | None = None) -> Draft:
    """Read one article file and draft its fact sheet."""
    article = read_article(Path(path), lang=lang or "auto", date=date)
    return extract_text(article, registry, article_id=article_id, publisher=publisher)


@dataclass
class ExtractResult:
    source: Path
    draft_path: Path
    proposed_path: Path | None
    text_path: Path | None
    facts: int
    pending: int
    warnings: list[str]


def write_draft(draft: Draft, article: Path, out_dir: Path, *, from_html: bool) -> ExtractResult:
    draft_path = out_dir / f"{draft.article_id}.yaml"
    write_text(draft_path, draft.to_yaml())
    proposed_path = out_dir / f"{draft.article_id}.proposed.yaml"
    proposed = draft.proposed_yaml()
    if proposed:
        write_text(proposed_path, proposed)
    elif proposed_path.exists():
        proposed_path.unlink()
    text_path = None
    if from_html:
        text_path = out_dir / f"{draft.article_id}.txt"
        write_text(text_path, draft.text)
    return ExtractResult(article, draft_path, proposed_path if proposed else None, text_path,
                         len(draft.sheet["facts"]), len(draft.proposed.get("pending_facts", [])), draft.warnings)


# ------------------------------------------------------------------------------------------------ parallel
_WORKER: dict = {}


def _init_worker(registry_dirs: list[str]) -> None:
    from ..load import load_registries

    _WORKER["registry"] = load_registries([Path(d) for d in registry_dirs])


def _work(args: tuple) -> ExtractResult:
    path, out_dir, lang, date, publisher = args
    article = read_article(Path(path), lang=lang, date=date)
    draft = extract_text(article, _WORKER["registry"], publisher=publisher)
    return write_draft(draft, Path(path), Path(out_dir), from_html=article.from_html)


def extract_paths(paths: list[Path], *, data_dir: Path = Path("data"), out_dir: Path = Path("drafts"),
                  lang: str = "auto", date: dt.date | None = None, publisher: str | None = None,
                  jobs: int | None = None, on_done: Callable[[ExtractResult], None] | None = None
                  ) -> list[ExtractResult]:
    """Extract every article file under ``paths`` into ``out_dir``; several files run in parallel processes."""
    registry_dir = data_dir / "registries"
    if not registry_dir.is_dir():
        raise InputError("no registries folder", location=Location.of(registry_dir),
                         hint="give the data folder with --data (it holds registries/)")
    files = article_files(paths)
    if not files:
        raise InputError("no article files (.txt, .md, .html) found", location=Location.of(paths[0]))
    ids: dict[str, Path] = {}
    for f in files:
        aid = slugify(f.stem, "")
        if aid and aid in ids:
            raise InputError(f"two articles would get the id {aid!r} (also {ids[aid]})", location=Location.of(f),
                             hint="rename one of the files")
        ids[aid] = f
    tasks = [(str(f), str(out_dir), lang, date, publisher) for f in files]
    workers = min(jobs or os.cpu_count() or 1, len(files))
    results: list[ExtractResult] = []
    if workers <= 1:
        _init_worker([str(registry_dir)])
        for task in tasks:
            result = _work(task)
            results.append(result)
            if on_done:
                on_done(result)
        return results
    # spawn, not fork: a forked child inherits kiwipiepy's worker threads mid-state and can hang forever
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=([str(registry_dir)],),
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        for result in pool.map(_work, tasks, chunksize=max(1, len(tasks) // (workers * 8))):
            results.append(result)
            if on_done:
                on_done(result)
    return results
