"""Which outbound requests a SPARQL text would make, and whether ``kg serve`` lets it make them.

pyoxigraph fetches ``SERVICE <url>`` patterns (queries and updates) and ``LOAD <url>`` (updates) over HTTP itself
and has no switch to turn that off, so the endpoint looks for them before a worker sees the text. The scan is a
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
from dataclasses import dataclass
from urllib.parse import urlsplit

_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_VAR_CHARS = re.compile(r"[\w\u00B7]*", re.UNICODE)        # variable names and bare words (keywords)
_PREFIX_CHARS = re.compile(r"[\w\-.\u00B7]*", re.UNICODE)   # a prefix of a prefixed name
_LOCAL_CHARS = re.compile(r"(?:[\w\-.:\u00B7]|%[0-9A-Fa-f]{2}|\\.)*", re.UNICODE)


@dataclass(frozen=True)
class Token:
    kind: str    # "iri", "var", "pname", "word", "punct"
    text: str    # for "word": upper case; for "iri": the IRI without brackets


@dataclass(frozen=True)
class Outbound:
    """One operation that would make the server fetch something: ``SERVICE`` or ``LOAD`` and its target."""

    keyword: str           # "SERVICE" or "LOAD"
    target: str | None     # the absolute IRI, or None when it is a variable or cannot be resolved
    written: str           # the target as written in the text (for messages)


def tokens(text: str) -> list[Token]:
    """SPARQL tokens, enough to find keywords: strings and comments are dropped, the rest is kept in order."""
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            while i < n and text[i] not in "\r\n":
                i += 1
        elif c in "\"'":
            i = _skip_string(text, i)
            out.append(Token("punct", "STRING"))
        elif c == "<":
            m = _IRIREF.match(text, i)
            if m:
                out.append(Token("iri", m.group()[1:-1]))
                i = m.end()
            else:
                out.append(Token("punct", c))
                i += 1
        elif c in "?$":
            m = _VAR_CHARS.match(text, i + 1)
            out.append(Token("var", text[i:m.end()]))
            i = max(m.end(), i + 1)
        elif c == "_" and text.startswith("_:", i):
            m = _LOCAL_CHARS.match(text, i + 2)
            out.append(Token("pname", text[i:m.end()]))
            i = m.end()
        elif c == ":" or c.isalnum() or c == "_":
            j = _PREFIX_CHARS.match(text, i).end()
            while j > i and text[j - 1] == ".":  # a prefix does not end with '.'
                j -= 1
            if j < n and text[j] == ":":         # a prefixed name (the prefix may be empty)
                end = _LOCAL_CHARS.match(text, j + 1).end()
                while end > j + 1 and text[end - 1] == ".":  # nor does a local name
                    end -= 1
                out.append(Token("pname", text[i:end]))
                i = end
            else:
                j = _VAR_CHARS.match(text, i).end()
                out.append(Token("word", text[i:j].upper()))
                i = max(j, i + 1)
        else:
            out.append(Token("punct", c))
            i += 1
    return out


def _skip_string(text: str, i: int) -> int:
    quote = text[i]
    long = text.startswith(quote * 3, i)
    close = quote * 3 if long else quote
    j = i + (3 if long else 1)
    n = len(text)
    while j < n:
        if text[j] == "\\":
            j += 2
        elif text.startswith(close, j):
            return j + len(close)
        elif not long and text[j] in "\r\n":
            return j  # a short string cannot span lines: the parser will refuse it; keep scanning after it
        else:
            j += 1
    return n


def _decoded(text: str) -> str:
    def one(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"

    return _ESCAPE.sub(one, text)


def _prefixes_declared(toks: list[Token], predeclared: dict[str, str]) -> dict[str, str]:
    found = dict(predeclared)
    for k in range(len(toks) - 2):
        if toks[k] == Token("word", "PREFIX") and toks[k + 1].kind == "pname" and toks[k + 2].kind == "iri":
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
        if rest == "" and j < len(toks) and toks[j] == Token("word", "SILENT"):
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
    predeclared = dict(prefixes or {})
    found = _scan(text, update=update, predeclared=predeclared)
    decoded = _decoded(text)
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


def refusal(text: str, *, update: bool, federation: bool, allow_list, prefixes=None) -> str | None:
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


def check_allow_list(urls) -> tuple[str, ...]:
    """The ``--allow-service`` prefixes, each an absolute http(s) URL; ValueError names a bad one."""
    out = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--allow-service {url!r} is not an absolute http(s) URL")
        out.append(url)
    return tuple(out)


__all__ = ["Outbound", "Token", "allowed", "check_allow_list", "outbound", "refusal", "tokens"]
