"""Which outbound requests a SPARQL text would make, and whether ``kg serve`` lets it make them.

pyoxigraph fetches ``SERVICE <url>`` patterns (queries and updates) and ``LOAD <url>`` (updates) over HTTP itself
and has no switch to turn that off, so the endpoint looks for them before pyoxigraph sees the text (queries: in
the worker, first thing; updates: in the server). The scan is a
small SPARQL tokenizer, not a substring search: strings, comments, IRIs, variables and prefixed names are skipped,
so ``"SERVICE"`` in a literal or ``<http://x/service>`` in an IRI is not mistaken for the keyword, and ``service``
written in any case, glued to the next token (``SERVICE<http://...>``) or after ``SILENT`` is found. SPARQL allows
``\\uXXXX`` escapes anywhere in a query; the text is scanned both as written and with those escapes decoded, so
either reading that contains the keyword is refused (a reading pyoxigraph might not share errs on refusing).

The scan is the first of two fences: the worker processes also cannot open network sockets at all
(``kg.serve_sandbox``), unless federation is on.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LC = r"(?:[\w\-:\u00B7]|%[0-9A-Fa-f]{2}|\\.)"  # a character of a local name (a '.' only between two of them)
_TQ, _TA = '"' * 3, "'" * 3
# One alternative per token kind, tried in this order at each position, as SPARQL's lexer does: strings,
# comments and IRIs first, so that nothing they contain is read as a keyword.
_TOKEN = re.compile("|".join([
    r"(?P<skip>\s+|#[^\r\n]*)",
    "(?P<string>" + "|".join([
        _TQ + r'(?:[^"\\]|\\.|"(?!""))*(?:' + _TQ + r"|\Z)",     # """long"""
        _TA + r"(?:[^'\\]|\\.|'(?!''))*(?:" + _TA + r"|\Z)",     # '''long'''
        r'"(?:[^"\\\r\n]|\\.)*"?',                                  # "short" (unterminated: up to the line end)
        r"'(?:[^'\\\r\n]|\\.)*'?"]) + ")",
    r'(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)',
    r"(?P<var>[?$][\w\u00B7]*)",
    r"(?P<pname>_:[\w\-.\u00B7]*|(?:[^\W\d_](?:[\w\-.\u00B7]*[\w\-\u00B7])?)?:"
    + f"(?:{_LC}(?:(?:{_LC}|\\.)*{_LC})?)?)",
    r"(?P<word>[\w\u00B7]+)",
    r"""(?P<punct>[^\s\w"'<?$#:\\]+|.)""",
]), re.DOTALL)


class Token(NamedTuple):
    kind: str    # "iri", "var", "pname", "word", "string", "punct"
    text: str    # for "word": upper case; for "iri": the IRI without brackets


@dataclass(frozen=True)
class Outbound:
    """One operation that would make the server fetch something: ``SERVICE`` or ``LOAD`` and its target."""

    keyword: str           # "SERVICE" or "LOAD"
    target: str | None     # the absolute IRI, or None when it is a variable or cannot be resolved
    written: str           # the target as written in the text (for messages)


def tokens(text: str) -> list[Token]:
    """SPARQL tokens, enough to find keywords: whitespace and comments dropped, the rest kept in order."""
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or ""
        if kind == "skip":
            continue
        value = m.group()
        if kind == "word":
            value = value.upper()
        elif kind == "iri":
            value = value[1:-1]
        out.append(Token(kind, value))
    return out


def _decoded(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"

    return _ESCAPE.sub(one, text)


def _prefixes_declared(toks: list[Token], predeclared: dict[str, str]) -> dict[str, str]:
    found = dict(predeclared)
    for k in range(len(toks) - 2):
        if toks[k] == ("word", "PREFIX") and toks[k + 1].kind == "pname" and toks[k + 2].kind == "iri":
            name = toks[k + 1].text
            if name.endswith(":"):
                found[name[:-1]] = toks[k + 2].text
    return found


def _resolve(tok: Token, prefixes: dict[str, str]) -> str | None:
    if tok.kind == "iri":
        return tok.text
    if tok.kind == "pname" and not tok.text.startswith("_:"):
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes and "\\" not in local and "%" not in local:
            return prefixes[prefix] + local
    return None


def _scan(text: str, *, update: bool, predeclared: dict[str, str]) -> list[Outbound]:
    toks = tokens(text)
    prefixes = _prefixes_declared(toks, predeclared)
    found = []
    keywords = ("SERVICE", "LOAD") if update else ("SERVICE",)
    for k, tok in enumerate(toks):
        if tok.kind != "word":
            continue
        # pyoxigraph's parser needs no space after a keyword (``SERVICESILENT<...>`` is SERVICE SILENT <...>),
        # and no bare word of SPARQL contains these two: any word that holds one is taken for the keyword
        keyword = next((kw for kw in keywords if kw in tok.text), None)
        if keyword is None:
            continue
        rest = tok.text[tok.text.index(keyword) + len(keyword):]
        j = k + 1
        if rest == "" and j < len(toks) and toks[j] == ("word", "SILENT"):
            j += 1
        if rest in ("", "SILENT") and j < len(toks):
            target = toks[j]
            found.append(Outbound(keyword, _resolve(target, prefixes), _written(target)))
        else:
            found.append(Outbound(keyword, None, tok.text.lower()))
    return found


def _written(tok: Token) -> str:
    return f"<{tok.text}>" if tok.kind == "iri" else tok.text


def outbound(text: str, *, update: bool = False, prefixes: dict[str, str] | None = None) -> list[Outbound]:
    """Every ``SERVICE`` (and, in updates, ``LOAD``) in ``text``, as written and with ``\\u`` escapes decoded."""
    decoded = _decoded(text) if "\\" in text else text
    folded = text.casefold() + " " + decoded.casefold()
    if "service" not in folded and (not update or "load" not in folded):
        return []  # no keyword can be spelt without its letters: the common case costs a search, no tokens
    predeclared = dict(prefixes or {})
    found = _scan(text, update=update, predeclared=predeclared)
    if decoded != text:
        found += [o for o in _scan(decoded, update=update, predeclared=predeclared) if o not in found]
    return found


def allowed(target: str | None, allow_list: tuple[str, ...] | list[str]) -> bool:
    """Whether ``target`` is an absolute http(s) IRI under one of the allowed prefixes (at a path boundary)."""
    if not target:
        return False
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    for prefix in allow_list:
        if target == prefix:
            return True
        if target.startswith(prefix) and (prefix.endswith("/") or target[len(prefix)] in "/?#"):
            return True
    return False


def refusal(text: str, *, update: bool, federation: bool, allow_list: tuple[str, ...] | list[str],
            prefixes: dict[str, str] | None = None) -> str | None:
    """Why ``text`` may not run here (one line), or None when it makes no outbound request it may not make."""
    for op in outbound(text, update=update, prefixes=prefixes):
        if federation and allowed(op.target, allow_list):
            continue
        what = f"{op.keyword} {op.written or '(nothing)'}".strip()
        if not federation:
            return (f"{what}: this endpoint makes no outbound requests, so {op.keyword} is refused "
                    "(start 'kg serve --federation --allow-service URL' to allow chosen endpoints)")
        if op.target is None:
            return f"{what}: the target must be written as an absolute <IRI> under an allowed endpoint"
        return f"{what}: {op.target} is not under any endpoint allowed with --allow-service"
    return None


def check_allow_list(urls: Iterable[str]) -> tuple[str, ...]:
    """The ``--allow-service`` prefixes, each an absolute http(s) URL; ValueError names a bad one."""
    out = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--allow-service {url!r} is not an absolute http(s) URL")
        out.append(url)
    return tuple(out)


__all__ = ["Outbound", "Token", "allowed", "check_allow_list", "outbound", "refusal", "tokens"]
