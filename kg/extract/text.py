"""Reading an article: plain text and Markdown as they are, HTML through trafilatura (text and metadata).

Evidence offsets always refer to ``ArticleText.text``. For HTML that is trafilatura's extracted text, which the
extractor writes beside the draft (``<id>.txt``) so that ``kg build --text-dir`` can check the offsets.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Location
from .dates import publication_date

SUFFIXES = (".txt", ".md", ".html", ".htm")
# where an article's body ends and the site's boilerplate (copyright, related links) begins
_BODY_END = re.compile(r"^(?:Copyright|ⓒ|©|\[?저작권자|무단\s?전재|All rights reserved|Related (?:articles|stories))",
                       re.IGNORECASE | re.MULTILINE)
# Control characters (not tab or newline): the loader refuses them in fact sheets, so they become spaces here
# (one for one, so offsets into the text stay right).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class ArticleText:
    path: Path
    text: str
    title: str
    body_end: int               # facts are read from text[:body_end]; the rest is boilerplate
    language: str               # "ko" or "en"
    published: dt.date | None
    published_note: str | None
    publisher_name: str | None
    url: str | None
    from_html: bool


def detect_language(text: str) -> str:
    head = text[:4000]
    hangul, latin = letter_counts(head)
    return "ko" if hangul * 3 >= latin else "en"


# bytes deleted when counting: all but the ASCII letters; all but the high bytes of Hangul syllables below U+D700
_NOT_LATIN = bytes(b for b in range(256) if not (0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A))
_NOT_HANGUL_HIGH = bytes(b for b in range(256) if not 0xAC <= b <= 0xD6)


def letter_counts(text: str) -> tuple[int, int]:
    """How many Hangul syllables (가-힣) and ASCII letters ``text`` holds, counted on its bytes (the regex
    ``[가-힣]`` / ``[A-Za-z]`` one match at a time costs ten times more): a syllable is a UTF-16 code unit
    U+AC00..U+D7A3, whose high byte is AC..D6, or D7 with a low byte up to A3."""
    latin = len(text.encode("ascii", "ignore").translate(None, _NOT_LATIN))
    units = text.encode("utf-16-be", "surrogatepass")
    high = units[0::2]
    hangul = len(high.translate(None, _NOT_HANGUL_HIGH))
    i = high.find(0xD7)
    while i >= 0:
        if units[2 * i + 1] <= 0xA3:
            hangul += 1
        i = high.find(0xD7, i + 1)
    return hangul, latin


def _read(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read article: {exc.strerror or exc}", location=Location.of(path)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", location=Location.of(path),
                         hint="convert the file to UTF-8") from exc
    return _CONTROL.sub(" ", unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")))


def _html(path: Path, source: str) -> tuple[str, dict[str, Any]]:
    import trafilatura

    doc = trafilatura.bare_extraction(source, with_metadata=True, include_comments=False, include_tables=False)
    if doc is None:
        raise InputError("no article text found in the HTML", location=Location.of(path))
    data = doc if isinstance(doc, dict) else doc.as_dict()
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", data.get("text") or ""))
    if not text.strip():
        raise InputError("no article text found in the HTML", location=Location.of(path))
    return text, data


def read_article(path: Path, *, lang: str = "auto", date: dt.date | None = None) -> ArticleText:
    """Read ``path`` (.txt, .md, .html); ``lang``/``date`` given by the user win over what the file says."""
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(f"unsupported article file type {path.suffix!r}", location=Location.of(path),
                         hint="give .txt, .md or .html files")
    source = _read(path)
    meta: dict[str, Any] = {}
    from_html = path.suffix.lower() in (".html", ".htm")
    if from_html:
        text, meta = _html(path, source)
    else:
        text = source
    if not text.strip():
        raise InputError("the article is empty", location=Location.of(path))
    title = _CONTROL.sub(" ", meta.get("title") or "").strip() or next(
        (line.strip().lstrip("#").strip() for line in text.splitlines() if line.strip()), path.stem)
    m = _BODY_END.search(text)
    body_end = m.start() if m and m.start() > len(text) // 3 else len(text)
    language = detect_language(text) if lang == "auto" else lang
    published, note = date, None
    if published is None and meta.get("date"):
        try:
            published = dt.date.fromisoformat(str(meta["date"])[:10])
            note = "date taken from the HTML metadata"
        except ValueError:
            published = None
    if published is None:
        found = publication_date(text[:800])
        if found is not None:
            published, written = found
            note = f"date read from the text: {written!r}"
    return ArticleText(path=path, text=text, title=title, body_end=body_end, language=language,
                       published=published, published_note=note, publisher_name=meta.get("sitename"),
                       url=meta.get("url"), from_html=from_html)


def article_files(paths: list[Path]) -> list[Path]:
    """The article files named by ``paths`` (folders are searched, not recursively), in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError("no such file or folder", location=Location.of(path))
    return files
