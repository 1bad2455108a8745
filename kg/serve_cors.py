"""Cross-origin reads for ``kg serve --cors [ORIGIN]``: CORS preflight answers and response headers.

Off by default: then no response carries ``Access-Control-*`` headers and a preflight (``OPTIONS``) gets a plain
403 saying how to turn CORS on, so a page on another origin can neither read answers nor send a request that
needs a preflight. With ``--cors`` (any origin, ``*``) or ``--cors ORIGIN[,ORIGIN...]`` (those origins only), a
preflight from an allowed origin gets 204 with ``Access-Control-Allow-Origin``, ``-Methods``, ``-Headers`` and
``-Max-Age``, and every response to a request carrying an allowed ``Origin`` gets ``Access-Control-Allow-Origin``
(plus ``Vary: Origin`` and the ``X-KG-*`` headers exposed). Credentials are never allowed.

CORS only lets a foreign page *read* answers. Updates keep their own check (kg.serve ``foreign_origin``): an update
whose ``Origin`` is not this server is refused with 403 whatever ``--cors`` says.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import InputError

METHODS = "GET, POST, HEAD, OPTIONS"
# request headers a foreign page may send: what SPARQL clients use (YASGUI, SPARQLWrapper in Pyodide, fetch)
ALLOWED_HEADERS = ("accept", "content-type", "accept-language", "cache-control", "x-requested-with")
EXPOSED_HEADERS = "X-KG-Truncated, X-KG-Result-Limit, Content-Length, Content-Type"
MAX_AGE = 600  # seconds a browser may cache a preflight answer


def parse_origins(value: str | None) -> tuple[str, ...] | None:
    """``None`` (off), ``("*",)`` (any origin) or the allowed origins, each ``scheme://host[:port]``."""
    if value is None:
        return None
    value = value.strip()
    if value in ("", "*"):
        return ("*",)
    origins = []
    for written in value.split(","):
        item = written.strip().rstrip("/")
        parts = urlsplit(item)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query or parts.fragment:
            raise InputError(f"--cors {item!r} is not an origin",
                             hint="write scheme://host[:port], e.g. --cors http://localhost:8080, or --cors alone "
                                  "for any origin")
        origins.append(f"{parts.scheme}://{parts.netloc}".lower())
    return tuple(origins)


@dataclass(frozen=True)
class Cors:
    """The CORS policy of one server; ``origins`` None means off."""

    origins: tuple[str, ...] | None = None

    @property
    def enabled(self) -> bool:
        return self.origins is not None

    def allows(self, origin: str | None) -> bool:
        if self.origins is None or not origin:
            return False
        return "*" in self.origins or origin.strip().rstrip("/").lower() in self.origins

    def allow_origin_value(self, origin: str) -> str:
        return "*" if self.origins == ("*",) else origin.strip()

    def response_headers(self, origin: str | None) -> list[tuple[str, str]]:
        """Headers for an ordinary response to a request that carried ``origin`` (empty when not allowed)."""
        if not self.enabled:
            return []
        headers = [("Vary", "Origin")] if self.origins != ("*",) else []
        if origin and self.allows(origin):
            headers += [("Access-Control-Allow-Origin", self.allow_origin_value(origin)),
                        ("Access-Control-Expose-Headers", EXPOSED_HEADERS)]
        return headers

    def preflight(self, origin: str | None, method: str | None, request_headers: str | None,
                  private_network: bool = False) -> tuple[int, str, list[tuple[str, str]]]:
        """``(status, message, headers)`` answering an OPTIONS request."""
        allow = [("Allow", METHODS)]
        if not self.enabled:
            return 403, ("cross-origin requests are off: this server sends no CORS headers "
                         "(start 'kg serve --cors ORIGIN' to let pages on ORIGIN query it)"), allow
        if not origin:
            return 204, "", allow   # a plain OPTIONS, not a preflight: say what is allowed
        if not self.allows(origin):
            return 403, f"CORS: origin {origin.strip()!r} is not allowed (--cors names the allowed origins)", allow
        wanted = (method or "").strip().upper()
        if wanted and wanted not in ("GET", "POST", "HEAD"):
            return 403, f"CORS: method {wanted} is not allowed; use GET or POST", allow
        asked = [h.strip().lower() for h in (request_headers or "").split(",") if h.strip()]
        refused = [h for h in asked if h not in ALLOWED_HEADERS]
        if refused:
            return 403, f"CORS: request header {refused[0]!r} is not allowed", allow
        headers = allow + [
            ("Access-Control-Allow-Origin", self.allow_origin_value(origin)),
            ("Access-Control-Allow-Methods", METHODS),
            ("Access-Control-Allow-Headers", ", ".join(ALLOWED_HEADERS)),
            ("Access-Control-Max-Age", str(MAX_AGE)),
        ]
        if self.origins != ("*",):
            headers.append(("Vary", "Origin"))
        if private_network:
            headers.append(("Access-Control-Allow-Private-Network", "true"))
        return 204, "", headers


__all__ = ["ALLOWED_HEADERS", "MAX_AGE", "METHODS", "Cors", "parse_origins"]
