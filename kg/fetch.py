"""``kg extract URL``: fetch an article page with trafilatura, keep it, and draft its fact sheet.

The page is saved as it came (``OUT/sources/<id>.html``) and its extracted text beside the draft
(``OUT/texts/<id>.txt``, as for any HTML input), so evidence offsets can be checked later with
``kg build --text-dir OUT/texts`` and the figures re-read against what was fetched. The draft records the URL
(``article.url``) when the page does not name its own canonical URL. This is the only code in kg that makes
a request, and only for a URL the user gave on the command line.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from collections.abc import Callable
from urllib.parse import urlsplit

from .atomic import write_bytes
from .errors import InputError, Location, RemoteError
from .extract import ExtractResult, extract_text, write_batch
from .extract.draft import slugify
from .extract.text import article_files, read_article

MAX_BYTES = 20_000_000
URL_SCHEMES = ("http", "https")


def is_url(arg: str) -> bool:
    """Whether a command-line argument is an http(s) URL rather than a path."""
    return re.match(r"(?i)https?://", arg) is not None


def page_id(url: str) -> str:
    """An article id from the URL: its last path segment (without suffix), else host and path, slugified."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    stem = re.sub(r"\.(s?html?|php|aspx?)$", "", segments[-1], flags=re.IGNORECASE) if segments else ""
    return slugify(stem, "") or slugify(f"{parts.hostname or ''} {' '.join(segments)}", "article")


def fetch(url: str, *, timeout: float = 30.0, allow_local: bool = False) -> tuple[bytes, str]:
    """The page at ``url`` (bytes) and the URL it was finally read from; RemoteError when it cannot be read.

    trafilatura refuses loopback and private addresses (also after a redirect) unless ``allow_local``."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in URL_SCHEMES or not parts.hostname:
        raise InputError(f"not an http(s) URL: {url!r}")
    from trafilatura.downloads import fetch_response
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "DOWNLOAD_TIMEOUT", str(int(max(1, timeout))))
    config.set("DEFAULT", "MAX_FILE_SIZE", str(MAX_BYTES))
    config.set("DEFAULT", "SSRF_PROTECTION", "off" if allow_local else "on")
    response = fetch_response(url, decode=False, config=config)
    if response is None:
        local = "" if allow_local else "; a loopback or private address needs --allow-local-urls"
        raise RemoteError(f"cannot fetch {url}: no page (unreachable, refused, timed out, an HTTP error, or larger "
                          f"than {MAX_BYTES:,} bytes{local})")
    status = int(getattr(response, "status", 0) or 0)
    if status != 200:
        raise RemoteError(f"cannot fetch {url}: HTTP status {status}")
    data = response.data or b""
    if not data.strip():
        raise RemoteError(f"cannot fetch {url}: the page is empty")
    return bytes(data), str(getattr(response, "url", None) or url)


def fetch_pages(urls: list[str], out_dir: Path, *, timeout: float = 30.0, allow_local: bool = False,
                taken: set[str] | None = None) -> list[tuple[str, Path]]:
    """Fetch every URL and save it as ``out_dir/sources/<id>.html``: (URL, saved file) pairs. ``taken`` holds
    article ids other inputs of the batch already use."""
    taken = set(taken or ())
    planned = []
    for url in urls:
        article_id = page_id(url)
        if article_id in taken:
            raise InputError(f"two articles would get the id {article_id!r} ({url})",
                             hint="extract them in separate runs with different -o folders")
        taken.add(article_id)
        planned.append((url, article_id))
    fetched = [(url, article_id, fetch(url, timeout=timeout, allow_local=allow_local)[0])
               for url, article_id in planned]
    pages = []
    for url, article_id, data in fetched:  # written only when every URL could be read
        path = out_dir / "sources" / f"{article_id}.html"
        write_bytes(path, data)
        pages.append((url, path))
    return pages


def draft_pages(pages: list[tuple[str, Path]], *, data_dir: Path, out_dir: Path, lang: str = "auto",
                date: dt.date | None = None, publisher: str | None = None) -> list[ExtractResult]:
    """Draft saved pages into ``out_dir`` like ``kg extract`` drafts an HTML file; the URL goes into the draft
    when the page does not give its own."""
    from .load import load_registries

    registry_dir = data_dir / "registries"
    if not registry_dir.is_dir():
        raise InputError("no registries folder", location=Location.of(registry_dir),
                         hint="give the data folder with --data (it holds registries/)")
    dirs = [registry_dir]
    if (out_dir / "registries").is_dir() and (out_dir / "registries").resolve() != registry_dir.resolve():
        dirs.append(out_dir / "registries")
    registry = load_registries(dirs)
    drafts = []
    for url, path in pages:
        article = read_article(path, lang=lang, date=date)
        if not article.url:
            article.url = url
        draft = extract_text(article, registry, article_id=path.stem, publisher=publisher)
        drafts.append((draft, path, True))
    return write_batch(drafts, out_dir)


def extract_sources(sources: list[str], *, data_dir: Path, out_dir: Path, lang: str = "auto",
                    date: dt.date | None = None, publisher: str | None = None, jobs: int | None = None,
                    timeout: float = 30.0, allow_local: bool = False,
                    on_done: Callable[[Path], None] | None = None) -> list[ExtractResult]:
    """``kg extract`` for files, folders and URLs together: URLs are fetched first (one that fails stops the
    batch before anything is drafted), then files are drafted, then the fetched pages."""
    from .extract import extract_paths

    urls = [s for s in sources if is_url(s)]
    paths = [Path(s) for s in sources if not is_url(s)]
    file_ids = {slugify(f.stem, "") for f in article_files(paths)} if paths else set()
    pages = fetch_pages(urls, out_dir, timeout=timeout, allow_local=allow_local, taken=file_ids) if urls else []
    results: list[ExtractResult] = []
    if paths:
        results += extract_paths(paths, data_dir=data_dir, out_dir=out_dir, lang=lang, date=date,
                                 publisher=publisher, jobs=jobs, on_done=on_done)
    if pages:
        results += draft_pages(pages, data_dir=data_dir, out_dir=out_dir, lang=lang, date=date, publisher=publisher)
        if on_done is not None:
            for _url, path in pages:
                on_done(path)
    return results
