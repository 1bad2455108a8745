"""Entity and fact pages of ``kg serve``: every IRI under the base dereferences (Linked Data, 303 convention).

    GET /id/REST        the thing named BASE + REST (a country, a company, a fact, an article ...): 404 when the store
                        says nothing about it, else **303 See Other** to a document about it, chosen by ``Accept``:
                        HTML -> /page/REST, Turtle -> /data/REST?format=ttl, JSON-LD -> /data/REST?format=jsonld,
                        N-Triples -> /data/REST?format=nt (``Vary: Accept``). Browsers and ``*/*`` get HTML.
    GET /page/REST      the HTML page (``?lang=en|ko`` for labels): its facts with sources and evidence, every
                        statement about it, what refers to it, a link to its neighbourhood in the network view and a
                        slot for charts (``CHART_SECTIONS``)
    GET /data/REST      its description as RDF (``format=ttl|jsonld|nt`` or ``Accept``): the triples with it as subject
                        (and blank nodes under them) and the triples that point at it

The 303 answer is the convention for IRIs that name things rather than documents (W3C "Cool URIs for the Semantic
Web", section 4.3): the thing (South Korea) and the page describing it keep distinct IRIs. All queries run in the
endpoint's worker pool under its limits; the IRI is validated and written as an IRI term, never spliced as text.
"""
from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from .model import display_name
from .serve_pool import Reply
from .vocab import RDF_TYPE

if TYPE_CHECKING:  # pragma: no cover
    from .terms import Term
    from .serve import SparqlServer

Row = dict[str, dict[str, str]]   # a SPARQL JSON result row: variable -> term
RDF_FORMATS = {  # format= value -> (kg serve's format name, media type)
    "ttl": ("turtle", "text/turtle"), "turtle": ("turtle", "text/turtle"),
    "jsonld": ("jsonld", "application/ld+json"), "nt": ("ntriples", "application/n-triples"),
}
_MEDIA = [("text/html", "html"), ("application/xhtml+xml", "html"), ("text/turtle", "ttl"),
          ("application/ld+json", "jsonld"), ("application/n-triples", "nt"), ("application/json", "jsonld")]
LANGS = ("en", "ko")


@dataclass
class EntityInfo:
    """What a chart provider is given to decide whether it has something to draw for this page."""

    iri: str
    label: str
    types: list[str] = field(default_factory=list)
    lang: str = "en"
    store_path: Path | None = None   # the served store, for a provider that reads it (KgStore(..., read_only=True))


# Chart hook: callables that return an HTML fragment (trusted markup, e.g. a <figure> with an <img>, or a
# vega-embed fragment with its inline scripts) for an entity, or "" when they have nothing to show. kg/charts
# registers its providers here (``CHART_SECTIONS.append(fn)``); the fragments go into <section id="charts">.
# A page without charts allows no inline script; a page with charts allows what vega-embed needs (CHART_SCRIPT_SRC).
CHART_SECTIONS: list[Callable[[EntityInfo], str]] = []
CHART_SCRIPT_SRC = "'self' 'unsafe-inline' 'unsafe-eval'"
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; script-src {script}; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'")


def vega_chart(info: EntityInfo) -> str:
    """The built-in provider: the chart kg.charts draws for an indicator, country or ranking (``entity_chart``),
    with vega-embed inlined; "" when the store is unknown or there is nothing to draw."""
    from .charts import embed_fragment, entity_chart, vendor_scripts   # altair is imported on a page's first chart

    if info.store_path is None:
        return ""
    from .store import KgStore

    with KgStore(info.store_path, read_only=True) as store:
        made = entity_chart(store, info.iri, lang=info.lang)
    if made is None:
        return ""
    return str(vendor_scripts()) + "\n" + str(embed_fragment(made.spec, "entity-chart"))


CHART_SECTIONS.append(vega_chart)


def negotiate(accept: str | None) -> str:
    """"html", "ttl", "jsonld" or "nt" for an Accept header (q-values honoured; */* and none: html)."""
    if not accept:
        return "html"
    best, best_q, best_order = "html", -1.0, 99
    for order, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        q = 1.0
        for p in pieces[1:]:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        for rank, (name, kind) in enumerate(_MEDIA):
            if media in (name, name.split("/")[0] + "/*", "*/*"):
                chosen = kind if media == name else "html"
                if q > best_q or (q == best_q and rank + order * 10 < best_order):
                    best, best_q, best_order = chosen, q, rank + order * 10
                break
    return best if best_q > 0 else "html"


def iri_for(base: str, rest: str) -> str | None:
    """The IRI BASE + REST for a request path tail (percent-escapes decoded), or None when it is no valid IRI."""
    from pyoxigraph import NamedNode

    if not rest or any(c in rest for c in "<>\"{}|\\^` \n\r\t"):
        return None
    iri = base + unquote(rest)
    try:
        NamedNode(iri)
    except ValueError:
        return None
    return iri


class EntityPages:
    """The /id/, /page/ and /data/ routes of one server."""

    def __init__(self, server: SparqlServer, base: str, store_path: Path | None = None):
        self.server = server
        self.base = base
        self.store_path = store_path

    # -- helpers -----------------------------------------------------------------------------------------
    def _run(self, name: str, iri: str, fmt: str, client: str, lang: str | None = None) -> Reply:
        """Run ``kg/serve_queries/<name>.rq`` through the server's workers with ``?entity`` bound to ``iri``
        (and ``?lang`` to ``lang``), bound as terms the way saved queries are (kg.query.split_bindings)."""
        from pyoxigraph import Literal, NamedNode

        from .query import split_bindings

        params: dict[str, Term] = {"entity": NamedNode(iri)}
        if lang is not None:
            params["lang"] = Literal(lang)
        text, substitutions = split_bindings(query_text(name), params)
        return self.server.query(text, accept=None, fmt=fmt, substitutions=substitutions, client=client)

    def _select(self, name: str, iri: str, lang: str, client: str) -> list[Row] | Reply:
        reply = self._run(name, iri, "json", client, lang)
        if reply.status != 200:
            return reply
        return list(json.loads(reply.body)["results"]["bindings"])

    def _exists(self, iri: str, client: str) -> bool | Reply:
        reply = self._run("entity-exists", iri, "json", client)
        if reply.status != 200:
            return reply
        return bool(json.loads(reply.body).get("boolean"))

    def _resolve(self, rest: str, client: str) -> str | Reply:
        iri = iri_for(self.base, rest)
        if iri is None:
            return Reply.text(404, f"/{rest} does not name a valid IRI under {self.base}")
        found = self._exists(iri, client)
        if isinstance(found, Reply):
            return found
        if not found:
            return Reply.text(404, f"the store says nothing about {iri}")
        return iri

    # -- routes ------------------------------------------------------------------------------------------
    def thing(self, rest: str, accept: str | None, client: str) -> Reply:
        iri = self._resolve(rest, client)
        if isinstance(iri, Reply):
            return iri
        kind = negotiate(accept)
        tail = quote(rest, safe="/:@-._~!$&'()*+,;=")
        location = f"/page/{tail}" if kind == "html" else f"/data/{tail}?format={kind}"
        return Reply(303, "text/plain; charset=utf-8", f"See {location}\n".encode(),
                     {"Location": location, "Vary": "Accept"})

    def data(self, rest: str, fmt: str | None, accept: str | None, client: str) -> Reply:
        iri = self._resolve(rest, client)
        if isinstance(iri, Reply):
            return iri
        kind = (fmt or "").lower() or negotiate(accept)
        if kind == "html":
            kind = "ttl"
        if kind not in RDF_FORMATS:
            return Reply.text(400, f"unknown format {fmt!r}; use ttl, jsonld or nt")
        reply = self._run("entity-data", iri, RDF_FORMATS[kind][0], client)
        if reply.status == 200:
            reply.headers.setdefault("Content-Location", f"/data/{quote(rest, safe='/')}?format={kind}")
        return reply

    def page(self, rest: str, lang: str | None, client: str) -> Reply:
        iri = self._resolve(rest, client)
        if isinstance(iri, Reply):
            return iri
        lang = lang if lang in LANGS else "en"
        statements = self._select("entity-statements", iri, lang, client)
        if isinstance(statements, Reply):
            return statements
        incoming = self._select("entity-incoming", iri, lang, client)
        if isinstance(incoming, Reply):
            return incoming
        facts = self._select("entity-facts", iri, lang, client)
        if isinstance(facts, Reply):
            return facts
        body, charted = self._render(iri, rest, lang, statements, incoming, facts)
        script = CHART_SCRIPT_SRC if charted else "'self'"
        return Reply(200, "text/html; charset=utf-8", body.encode("utf-8"), {
            "Content-Security-Policy": PAGE_CSP.format(script=script), "Content-Language": lang})

    # -- HTML ----------------------------------------------------------------------------------------------
    def _short(self, iri: str) -> str:
        for prefix, namespace in sorted(self.server.prefixes.items(), key=lambda kv: -len(kv[1])):
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return iri

    def _href(self, iri: str) -> str:
        if iri.startswith(self.base):
            return "/page/" + quote(iri[len(self.base):], safe="/:@-._~!$&'()*+,;=")
        return iri

    def _link(self, iri: str, label: str | None = None) -> str:
        e = html.escape
        text = label or self._short(iri)
        return f'<a href="{e(self._href(iri), quote=True)}" title="{e(iri, quote=True)}">{e(text)}</a>'

    def _term(self, term: dict[str, str], label: dict[str, str] | None, lang: str) -> str:
        e = html.escape
        if term["type"] == "uri":
            return self._link(term["value"], label["value"] if label else None)
        if term["type"] == "bnode":
            return "<i>(blank node)</i>"
        tag = term.get("xml:lang")
        text = f'<span class="lit">{e(term["value"])}</span>'
        if tag and tag.split("-")[0].lower() != lang:
            text += f'<sup class="lang">{e(tag)}</sup>'
        return text

    def _render(self, iri: str, rest: str, lang: str, statements: list[Row], incoming: list[Row],
                facts: list[Row]) -> tuple[str, bool]:
        """The page, and whether a chart provider put something in it."""
        e = html.escape
        labels = {s["o"].get("xml:lang", ""): s["o"]["value"] for s in statements
                  if s["p"]["value"] == "http://www.w3.org/2000/01/rdf-schema#label"}
        title = display_name(labels, lang) or self._short(iri)   # a romanisation (ko-Latn) only when alone
        types = [s["o"]["value"] for s in statements if s["p"]["value"] == RDF_TYPE]
        info = EntityInfo(iri=iri, label=title, types=types, lang=lang, store_path=self.store_path)
        charts = "".join(provider(info) for provider in CHART_SECTIONS)
        tail = quote(rest, safe="/:@-._~!$&'()*+,;=")
        other = "ko" if lang == "en" else "en"
        parts = [
            "<!DOCTYPE html>", f'<html lang="{lang}"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{e(title)} — newskg</title>", f"<style>{_CSS}</style>",
            f'<link rel="alternate" type="text/turtle" href="/data/{e(tail)}?format=ttl">',
            f'<link rel="alternate" type="application/ld+json" href="/data/{e(tail)}?format=jsonld">',
            "</head><body>",
            ('<nav><a href="/">query workbench</a> · '
             f'<a id="network-link" href="/graph?focus={e(quote(iri, safe=""))}">neighbourhood in the network view</a>'
             f' · <a href="/data/{e(tail)}?format=ttl">Turtle</a> · <a href="/data/{e(tail)}?format=jsonld">JSON-LD</a>'
             f' · <a href="/page/{e(tail)}?lang={other}">{"한국어" if other == "ko" else "English"}</a></nav>'),
            f'<h1 id="entity-label">{e(title)}</h1>',
            f'<p class="iri"><code>{e(iri)}</code>'
            + (" — " + ", ".join(self._link(t) for t in types) if types else "") + "</p>",
        ]
        if facts:
            parts.append(f'<section id="facts"><h2>Facts ({len(facts)})</h2><table><thead><tr>'
                         "<th>fact</th><th>value</th><th>period</th><th>source</th><th>evidence</th><th>article</th>"
                         "</tr></thead><tbody>")
            for f in facts:
                get = _getter(f)
                figure = (get("rank") and f"#{get('rank')}") or " ".join(x for x in (get("value"), get("unit")) if x)
                source = e(get("source")) + (f' <span class="att">({e(get("attribution"))})</span>'
                                             if get("attribution") else "")
                parts.append(
                    f"<tr><td>{self._link(get('fact'), get('label'))}</td><td class=num>{e(figure)}</td>"
                    f"<td>{e(get('period'))}</td><td>{source}</td>"
                    f"<td><q>{e(get('evidence'))}</q></td>"
                    f"<td>{self._link(get('articleNode'), get('article'))}</td></tr>")
            parts.append("</tbody></table></section>")
        parts.append('<section id="charts" data-kg-charts="entity" data-iri="' + e(iri, quote=True) + '">'
                     + charts + "</section>")
        parts.append(f'<section id="statements"><h2>Statements ({len(statements)})</h2><table><tbody>')
        for s in sorted(statements, key=lambda s: (s["p"]["value"] != RDF_TYPE, self._short(s["p"]["value"]),
                                                   s["o"]["value"])):
            parts.append(f"<tr><th>{self._link(s['p']['value'])}</th>"
                         f"<td>{self._term(s['o'], s.get('olabel'), lang)}</td></tr>")
        parts.append("</tbody></table></section>")
        if incoming:
            parts.append(f'<section id="incoming"><h2>Referred to by ({len(incoming)}'
                         f'{"+" if len(incoming) >= 200 else ""})</h2><table><tbody>')
            for s in incoming:
                parts.append(f"<tr><td>{self._term(s['s'], s.get('slabel'), lang)}</td>"
                             f"<th>{self._link(s['p']['value'])}</th></tr>")
            parts.append("</tbody></table></section>")
        parts.append("</body></html>\n")
        return "\n".join(parts), bool(charts)


def _getter(row: Row) -> Callable[[str], str]:
    """The plain value of a result row's variable ("" when unbound)."""
    return lambda name: row[name]["value"] if name in row else ""


# The pages' queries, one .rq file each (kg/serve_queries/, packaged with the module; not saved queries).
QUERIES = Path(__file__).with_name("serve_queries")


@cache
def query_text(name: str) -> str:
    """The text of ``kg/serve_queries/<name>.rq`` (read once per process)."""
    return (QUERIES / f"{name}.rq").read_text(encoding="utf-8")


_CSS = """body{font:15px/1.45 system-ui,sans-serif;margin:1rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b}
nav{font-size:13px;color:#555}h1{font-size:1.5rem;margin:.6rem 0 .2rem}h2{font-size:1.1rem;margin:1.2rem 0 .4rem}
p.iri{color:#555;font-size:13px;margin:0 0 .8rem}table{border-collapse:collapse;font-size:13px;width:100%}
th,td{border:1px solid #ddd;padding:.25rem .45rem;text-align:left;vertical-align:top}th{background:#f5f5f5;font-weight:600}
td.num{text-align:right;white-space:nowrap}sup.lang{color:#888;font-size:10px;margin-left:.2em}
q{color:#333}.att{color:#777;font-size:12px}section#charts:empty{display:none}"""


__all__ = ["CHART_SECTIONS", "EntityInfo", "EntityPages", "iri_for", "negotiate"]
