"""Charts as files: a self-contained HTML page (vendored vega, vega-lite, vega-embed inlined), SVG or PNG.

Pages make no request: the libraries are inlined from ``kg/charts/vendor`` (package data, see its README), data
are inlined in the spec, and a Content-Security-Policy forbids any connection. Vega compiles its expressions
with ``Function``, so the policy allows ``'unsafe-eval'`` for scripts (nothing else: no fetch, no images from
elsewhere). Static images are drawn by ``vl-convert`` (Vega in a bundled Deno runtime, no browser), which
finds the system fonts; Korean labels need a CJK font (Debian ``fonts-noto-cjk``).
"""
from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import StoreError

VENDOR_DIR = Path(__file__).resolve().parent / "vendor"
VENDOR_FILES = ("vega-6.4.0.min.js", "vega-lite-6.5.0.min.js", "vega-embed-7.3.0.min.js")
CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
       "img-src data: blob:; connect-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'")
_SOURCE_MAP = re.compile(r"//# sourceMappingURL=\S*")
# vega-embed options: SVG renderer (marks are DOM elements a test or a reader can inspect), no action menu
# (its "open in editor" link would leave the page)
EMBED_OPTIONS = {"renderer": "svg", "actions": False}


def script_json(obj: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: deterministic, ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@lru_cache(maxsize=1)
def vendor_scripts() -> str:
    """``<script>`` elements with vega, vega-lite and vega-embed inlined: put them once in a page that embeds
    charts with :func:`embed_fragment`."""
    parts = []
    for name in VENDOR_FILES:
        path = VENDOR_DIR / name
        try:
            code = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"cannot read the chart library {path}: {exc.strerror or exc}",
                             hint="reinstall newskg (the file is package data)") from exc
        code = _SOURCE_MAP.sub("", code)
        if "</script" in code.lower() or "<!--" in code:
            raise StoreError(f"{path} cannot be inlined safely (contains '</script' or '<!--')")
        parts.append(f"<script>{code}</script>")
    return "\n".join(parts)


def embed_fragment(spec: dict[str, Any], element_id: str) -> str:
    """A ``<figure>`` that draws ``spec`` with vega-embed once the page has :func:`vendor_scripts`.

    The spec travels as JSON in a ``<script type="application/json">`` block; ``element_id`` must be unique in
    the page. The figure's ``data-state`` becomes ``ready`` when drawn, or ``error`` (with the message in
    ``data-error``)."""
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "-", element_id)
    return (f'<figure class="kg-chart" id="{safe_id}" data-state="loading"></figure>\n'
            f'<script type="application/json" id="{safe_id}-spec">{script_json(spec)}</script>\n'
            "<script>(function () {\n"
            f'  var el = document.getElementById("{safe_id}");\n'
            f'  var spec = JSON.parse(document.getElementById("{safe_id}-spec").textContent);\n'
            f"  vegaEmbed(el, spec, {json.dumps(EMBED_OPTIONS, sort_keys=True)}).then(function (result) {{\n"
            "    el.kgView = result.view; el.dataset.state = \"ready\";\n"
            "  }).catch(function (err) { el.dataset.state = \"error\"; el.dataset.error = String(err); });\n"
            "})();</script>")


def page(spec: dict[str, Any], *, title: str, lang: str) -> str:
    """One self-contained HTML page showing ``spec``."""
    return f"""<!DOCTYPE html>
<html lang="{html.escape(lang)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: "Noto Sans CJK KR", "Noto Sans KR", system-ui, sans-serif; margin: 1.5rem; color: #1d1d1f; }}
figure.kg-chart {{ margin: 0; }}
</style>
</head>
<body>
{vendor_scripts()}
{embed_fragment(spec, "chart")}
</body>
</html>
"""


def _vl_version(spec: dict[str, Any]) -> str:
    """vl-convert's name for the Vega-Lite version of ``spec`` ("6.1" for .../vega-lite/v6.1.0.json)."""
    match = re.search(r"/v(\d+)\.(\d+)", str(spec.get("$schema", "")))
    return f"{match.group(1)}.{match.group(2)}" if match else "5.20"


def static_image(spec: dict[str, Any], fmt: str, *, scale: float = 2.0) -> bytes:
    """``spec`` drawn as SVG (UTF-8 bytes) or PNG by vl-convert."""
    import vl_convert as vlc

    version = _vl_version(spec)
    supported = getattr(vlc, "get_vegalite_versions", lambda: [version])()
    if version not in supported:  # Altair's schema is newer than this vl-convert: use the newest it has
        version = sorted(supported, key=lambda v: tuple(int(p) for p in v.split(".")))[-1]
    try:
        if fmt == "svg":
            return str(vlc.vegalite_to_svg(spec, vl_version=version)).encode("utf-8")
        return bytes(vlc.vegalite_to_png(spec, vl_version=version, scale=scale))
    except (ValueError, RuntimeError) as exc:  # vl-convert reports a spec it cannot draw this way
        raise StoreError(f"cannot draw the chart as {fmt.upper()}: {str(exc).splitlines()[0][:200]}") from exc
