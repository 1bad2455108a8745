"""The Web Annotation view (W3C `oa:`): one annotation per fact, targeting the text it was read from.

Each annotation ``<fact>/evidence`` has the fact as its body and a ``oa:SpecificResource`` on the article with a
``oa:TextQuoteSelector`` and, when the evidence offsets are known, a ``oa:TextPositionSelector``. The quoted text
(``oa:exact``) is the figure as the article writes it when the fact records it, else the whole evidence sentence.
Prefix and suffix are the up to 32 characters around the quote in the article text when ``text_dir`` holds the
article (``<id>.txt``, checked against the recorded SHA-256 and offsets), else in the evidence sentence.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from . import canonical_turtle, optional_int, optional_text, text, view_query
from ..errors import InputError, Location
from ..export import prefixes_for
from ..store import KgStore
from ..vocab import OA, RDF, XSD

CONTEXT = 32   # characters of prefix and suffix, as annotation tools commonly keep


@dataclass(frozen=True)
class Quote:
    exact: str
    prefix: str
    suffix: str
    start: int | None   # offsets of ``exact`` in the article text, when known
    end: int | None


def quote(evidence: str, start: int | None, as_written: str | None, text: str | None) -> Quote:
    """Where the quoted text sits: in the article text when known, else in the evidence sentence."""
    at = evidence.find(as_written) if as_written else -1
    exact, offset = (as_written, at) if as_written and at >= 0 else (evidence, 0)
    if text is not None and start is not None:
        begin = start + offset
        end = begin + len(exact)
        return Quote(exact, text[max(0, begin - CONTEXT):begin], text[end:end + CONTEXT], begin, end)
    known = None if start is None else (start + offset, start + offset + len(exact))
    return Quote(exact, evidence[max(0, offset - CONTEXT):offset],
                 evidence[offset + len(exact):offset + len(exact) + CONTEXT], *(known or (None, None)))


def _article_text(text_dir: Path | None, article_id: str, sha: str | None) -> str | None:
    if text_dir is None:
        return None
    path = text_dir / f"{article_id}.txt"
    if not path.is_file():
        return None
    data = path.read_bytes()
    if sha is not None and hashlib.sha256(data).hexdigest() != sha:
        raise InputError(f"{path.as_posix()} does not match the article's recorded text SHA-256",
                         location=Location.of(path), hint="give --text-dir the text the fact sheet was made from")
    return data.decode("utf-8")


def _oa(term: str) -> NamedNode:
    return NamedNode(OA + term)


def annotations_turtle(store: KgStore, base: str, *, text_dir: Path | None = None) -> bytes:
    rows = view_query(store, "annotations").records()
    texts: dict[str, str | None] = {}
    triples: list[Triple] = []
    oa = _oa
    rdf_type = NamedNode(RDF + "type")
    for row in rows:
        article_id, fact_iri, evidence = text(row, "articleId"), text(row, "fact"), text(row, "evidence")
        if article_id not in texts:
            texts[article_id] = _article_text(text_dir, article_id, optional_text(row, "sha"))
        article_text = texts[article_id]
        start, end = optional_int(row, "start"), optional_int(row, "end")
        if article_text is not None and start is not None and article_text[start:end] != evidence:
            raise InputError(f"the evidence of {fact_iri} is not at {start}-{end} of {article_id}.txt",
                             hint="rebuild the store from the fact sheets checked against this text")
        q = quote(evidence, start, optional_text(row, "asWritten"), article_text)
        fact = NamedNode(fact_iri)
        ann = NamedNode(fact_iri + "/evidence")
        target = NamedNode(fact_iri + "/evidence/target")
        quote_node = NamedNode(fact_iri + "/evidence/quote")
        triples += [Triple(ann, rdf_type, oa("Annotation")), Triple(ann, oa("motivatedBy"), oa("describing")),
                    Triple(ann, oa("hasBody"), fact), Triple(ann, oa("hasTarget"), target),
                    Triple(target, rdf_type, oa("SpecificResource")),
                    Triple(target, oa("hasSource"), NamedNode(text(row, "article"))),
                    Triple(target, oa("hasSelector"), quote_node),
                    Triple(quote_node, rdf_type, oa("TextQuoteSelector")),
                    Triple(quote_node, oa("exact"), Literal(q.exact))]
        if q.prefix:
            triples.append(Triple(quote_node, oa("prefix"), Literal(q.prefix)))
        if q.suffix:
            triples.append(Triple(quote_node, oa("suffix"), Literal(q.suffix)))
        if q.start is not None:
            position = NamedNode(fact_iri + "/evidence/position")
            count = NamedNode(XSD + "nonNegativeInteger")
            triples += [Triple(target, oa("hasSelector"), position),
                        Triple(position, rdf_type, oa("TextPositionSelector")),
                        Triple(position, oa("start"), Literal(str(q.start), datatype=count)),
                        Triple(position, oa("end"), Literal(str(q.end), datatype=count))]
    return canonical_turtle(triples, prefixes_for(base) | {"oa": OA})
