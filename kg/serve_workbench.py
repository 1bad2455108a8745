"""The query workbench of ``kg serve``: the page at ``/``, its static assets and the saved-query helpers it calls.

The page (kg/serve_page.html with kg/serve_workbench.js) embeds YASGUI, vendored as a built file under
kg/_vendor/yasgui/ (refreshed by tools/vendor_yasgui.py); nothing is fetched from the network at run time.

Routes served here (dispatched from kg.serve):
    GET /assets/NAME                  yasgui.min.js, yasgui.min.css, workbench.js, workbench.css, yasgui-LICENSE
    GET /workbench.json               the prefixes the endpoint predeclares (for prefix completion) and the base
                                      IRI of the data (IRIs under it open their page on this server)
    GET /saved-text/NAME?PARAM=VALUE  a saved query's text with its parameters bound as a VALUES block, friendly
                                      names resolved (Korea → KR): {"text": ..., "resolved": [...]}, or 400
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import KgError
from .serve_pool import Reply

if TYPE_CHECKING:  # pragma: no cover
    from .query import SavedQuery

_HERE = Path(__file__).resolve().parent
PAGE = _HERE / "serve_page.html"
VENDOR = _HERE / "_vendor" / "yasgui"

# the only files /assets/ serves: name -> (path, media type)
ASSETS: dict[str, tuple[Path, str]] = {
    "yasgui.min.js": (VENDOR / "yasgui.min.js", "text/javascript; charset=utf-8"),
    "yasgui.min.css": (VENDOR / "yasgui.min.css", "text/css; charset=utf-8"),
    "yasgui-LICENSE": (VENDOR / "LICENSE", "text/plain; charset=utf-8"),
    "workbench.js": (_HERE / "serve_workbench.js", "text/javascript; charset=utf-8"),
    "workbench.css": (_HERE / "serve_workbench.css", "text/css; charset=utf-8"),
}

# Scripts and styles from this server only (no inline script); YASGUI sets style attributes and draws its icons
# as inline SVG, hence 'unsafe-inline' for styles and data: images; fetches go to this server only.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'")


def page_reply() -> Reply:
    return Reply(200, "text/html; charset=utf-8", PAGE.read_bytes(), {"Content-Security-Policy": PAGE_CSP})


def asset_reply(name: str) -> Reply:
    entry = ASSETS.get(name)
    if entry is None or not entry[0].is_file():
        return Reply.text(404, f"no asset named {name!r}")
    path, media = entry
    return Reply(200, media, path.read_bytes())


def info_reply(prefixes: dict[str, str], base: str) -> Reply:
    body = json.dumps({"base": base, "prefixes": dict(sorted(prefixes.items()))}, ensure_ascii=False,
                      indent=1).encode("utf-8")
    return Reply(200, "application/json", body)


def saved_text_reply(query: SavedQuery | None, name: str, params: dict[str, str],
                     names: Callable[[str], list[dict[str, object]]]) -> Reply:
    """The text a saved query runs with ``params``: every bound parameter as a VALUES block at the start of the
    outermost WHERE group (as for remote endpoints), after friendly names were resolved with ``names``."""
    from pyoxigraph import BlankNode, Literal, NamedNode

    from . import query as kgquery
    from .sparql_text import bind_values

    if query is None:
        return Reply.text(404, f"no saved query named {name!r}; GET /queries.json lists them")
    try:
        given, resolved = kgquery.resolve_saved_params(query, params, names)
        bound = kgquery.bind_params(query, given)
    except KgError as exc:
        hint = getattr(exc, "hint", None)
        return Reply.text(400, str(exc) + (f" ({hint})" if hint else ""))
    terms = {name: term for name, term in bound.items() if isinstance(term, (NamedNode, BlankNode, Literal))}
    body = {"name": query.name, "text": bind_values(query.text, terms),
            "resolved": [str(r) for r in resolved if getattr(r, "changed", True)]}
    return Reply(200, "application/json", json.dumps(body, ensure_ascii=False).encode("utf-8"))


__all__ = ["ASSETS", "PAGE", "PAGE_CSP", "asset_reply", "info_reply", "page_reply", "saved_text_reply"]
