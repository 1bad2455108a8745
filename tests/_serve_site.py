"""Shared by the workbench, entity-page and CORS tests: a store built from the repository's data/ (the real
pipeline, one real article and the registries) and plain HTTP that does not follow redirects."""
from __future__ import annotations

import http.client
import urllib.parse
from pathlib import Path

from kg.build import build

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
KR = "https://w3id.org/newskg/id/entity/KR"


def build_data_store(root: Path) -> Path:
    store = root / "store"
    summary = build([ROOT / "data"], out_dir=None, store_path=store, html=False)
    assert summary.violations == 0
    return store


def fetch(server, method: str, path: str, *, params: dict | None = None, body: bytes | None = None,
          headers: dict | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed; header names lower-cased (repeated headers joined by ', ')."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        url = path + ("?" + urllib.parse.urlencode(params) if params else "")
        conn.request(method, url, body=body, headers=headers or {})
        response = conn.getresponse()
        merged: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        return response.status, merged, response.read()
    finally:
        conn.close()
