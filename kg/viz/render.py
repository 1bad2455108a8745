"""Turn a projected network into one self-contained HTML page: pyvis with our own template.

The page carries its data as JSON in ``<script type="application/json">`` blocks (``<``, ``>`` and ``&``
escaped as ``\\u003c`` ...), builds every piece of text with ``textContent``, inlines vis-network (read from the
installed pyvis package at build time) and forbids every network request with a Content-Security-Policy.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyvis
from markupsafe import Markup
from pyvis.network import Network

from ..errors import StoreError
from .project import Attrs, Projection, layout

if TYPE_CHECKING:
    from .project import FactNetwork

TEMPLATE_DIR = Path(__file__).resolve().parent
TEMPLATE_NAME = "template.html.j2"
VIS_JS = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2" / "vis-network.min.js"

# Graphs up to this size are laid out by vis-network's physics in the browser (bounded stabilisation);
# larger ones get fixed positions computed here and start with physics off.
PHYSICS_MAX_NODES = 150
PHYSICS_MAX_EDGES = 400
STABILIZATION_ITERATIONS = 300
FONT_STACK = ('system-ui, -apple-system, "Segoe UI", "Noto Sans CJK KR", "Noto Sans KR", '
              '"Apple SD Gothic Neo", "Malgun Gothic", sans-serif')

# class -> shape, colour, English and Korean legend names (legend order)
CLASS_STYLES: dict[str, tuple[str, str, str, str]] = {
    "Country": ("dot", "#4e79a7", "Country", "국가"),
    "CountryGroup": ("dot", "#9ecae9", "Country group", "국가 그룹"),
    "Company": ("square", "#f28e2b", "Company", "기업"),
    "Organization": ("triangle", "#59a14f", "Organisation", "기관"),
    "Publisher": ("triangle", "#8cd17d", "Publisher", "언론사"),
    "Person": ("star", "#e15759", "Person", "인물"),
    "Event": ("triangleDown", "#b07aa1", "Event", "행사"),
    "Indicator": ("diamond", "#d4a20b", "Indicator", "지표"),
    "Ranking": ("hexagon", "#ff7f9a", "Ranking", "순위"),
    "RankingSeries": ("hexagon", "#ffb3c1", "Ranking series", "순위 시리즈"),
    "Group": ("hexagon", "#9c755f", "Group", "그룹"),
    "Classification": ("hexagon", "#c9a98f", "Classification", "분류"),
    "Article": ("square", "#bab0ac", "Article", "기사"),
    "Unit": ("dot", "#d4a6c8", "Unit", "단위"),
    "Other": ("dot", "#79706e", "Other", "기타"),
}
EDGE_STYLES = {  # kind -> colour, dashes
    "fact": ("#4a4a4a", False),
    "aggregate": ("#4a4a4a", False),
    "source": ("#8c8c8c", [6, 4]),
    "relation": ("#b5b5b5", [2, 4]),
    "query": ("#4a4a4a", False),
}
EDGE_KIND_NAMES = {
    "fact": ("fact (value, source)", "사실 (값, 출처)"),
    "aggregate": ("several facts", "여러 사실"),
    "source": ("source reports on", "출처 → 대상"),
    "relation": ("registry link", "등록 정보 연결"),
    "query": ("query result", "쿼리 결과"),
}


def script_json(obj: object) -> Markup:
    """JSON that is safe inside ``<script type="application/json">``: deterministic, ``<>&`` escaped."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return Markup(text)


def _vis_js() -> Markup:
    try:
        code = VIS_JS.read_text(encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot read vis-network from the pyvis package at {VIS_JS}: {exc}") from exc
    lowered = code.lower()
    if "</script" in lowered or "<!--" in lowered:  # would end or confuse the inline <script> element
        raise StoreError(f"{VIS_JS} cannot be inlined safely (contains '</script' or '<!--')")
    return Markup(code)


def _style(cls: str) -> tuple[str, str, str, str]:
    return CLASS_STYLES.get(cls, CLASS_STYLES["Other"])


Edge = tuple[str, str, str]   # source, target, key


def _smoothness(graph: FactNetwork) -> dict[Edge, dict[str, bool | str | float]]:
    """Curves for parallel edges so that two facts between the same nodes never overlap."""
    bundles: dict[frozenset[str], list[Edge]] = defaultdict(list)
    for u, v, k in sorted(graph.edges(keys=True)):
        bundles[frozenset((u, v))].append((u, v, k))
    smooth: dict[Edge, dict[str, bool | str | float]] = {}
    for members in bundles.values():
        if len(members) == 1:
            smooth[members[0]] = {"enabled": False}
            continue
        for i, (u, v, k) in enumerate(members):
            kind = "curvedCW" if (i % 2 == 0) == (u <= v) else "curvedCCW"
            smooth[(u, v, k)] = {"enabled": True, "type": kind, "roundness": round(0.15 + 0.15 * (i // 2), 2)}
    return smooth


def _note(proj: Projection) -> dict[str, str] | None:
    explore = {
        "en": (f"Large graph ({proj.graph.number_of_nodes():,} nodes, {proj.shown_facts:,} facts): search a name to "
               "start, double-click a node (or press 'Add neighbours') to grow the view, or show everything. "),
        "ko": (f"큰 그래프 (노드 {proj.graph.number_of_nodes():,}개, 사실 {proj.shown_facts:,}건): "
               "이름을 검색해 시작하고, 노드를 두 번 누르거나 '이웃 추가'를 눌러 넓혀 가세요. "
               "전체 보기도 가능합니다. "),
    } if proj.explore else {"en": "", "ko": ""}
    if not proj.truncated:
        return {k: v.strip() for k, v in explore.items()} if proj.explore else None
    n, f = proj.graph.number_of_nodes(), proj.shown_facts
    agg_en = "; parallel facts are merged into one edge" if proj.aggregated else ""
    agg_ko = ", 같은 노드 사이의 사실은 한 선으로 묶었습니다" if proj.aggregated else ""
    lead_en = "It holds" if proj.explore else "Large graph: showing"
    lead_ko = "" if proj.explore else "큰 그래프: "
    return {
        "en": explore["en"] + (f"{lead_en} the {n:,} best-connected of {proj.total_nodes:,} nodes and {f:,} of "
                               f"{proj.total_facts:,} facts{agg_en}. Narrow it with kg viz --article ID, "
                               f"--subject KEY or --max-nodes N."),
        "ko": explore["ko"] + (f"{lead_ko}노드 {proj.total_nodes:,}개 중 연결이 많은 {n:,}개와 사실 "
                               f"{proj.total_facts:,}건 중 {f:,}건만 표시합니다{agg_ko}. kg viz --article ID, "
                               f"--subject KEY, --max-nodes N 으로 범위를 좁히세요."),
    }


def render(proj: Projection, *, lang: str, title: dict[str, str], articles: dict[str, Attrs],
           explore: bool = False) -> str:
    """The HTML page for ``proj`` with labels in ``lang`` first; ``title`` by language.

    ``explore``: the page opens empty and grows from a search, a node's neighbours added on demand (for graphs
    too large to read at once); positions are then computed here and edge labels are kept, since only the part
    being explored is drawn."""
    graph = proj.graph
    n_nodes, n_edges = graph.number_of_nodes(), graph.number_of_edges()
    physics = not explore and n_nodes <= PHYSICS_MAX_NODES and n_edges <= PHYSICS_MAX_EDGES
    show_edge_labels = physics or explore
    positions = {} if physics else layout(graph)

    net = Network(height="100%", width="100%", directed=True, cdn_resources="local")
    meta_nodes: dict[str, Attrs] = {}
    meta_edges: dict[str, Attrs] = {}
    class_counts: defaultdict[str, int] = defaultdict(int)
    for node in sorted(graph.nodes):
        attrs = graph.nodes[node]
        shape, colour, *_ = _style(attrs["cls"])
        class_counts[attrs["cls"] if attrs["cls"] in CLASS_STYLES else "Other"] += 1
        degree = graph.degree(node)
        extra = {"x": positions[node][0], "y": positions[node][1]} if positions else {}
        size = round(min(45.0, 10 + 4 * math.sqrt(degree)), 1)  # capped: a hub must not hide its neighbours
        net.add_node(node, label=attrs["labels"][lang], shape=shape, size=size,
                     color={"background": colour, "border": "#ffffff",
                            "highlight": {"background": colour, "border": "#222222"},
                            "hover": {"background": colour, "border": "#222222"}},
                     **extra)
        meta_nodes[node] = {"cls": attrs["cls"] if attrs["cls"] in CLASS_STYLES else "Other",
                            "labels": attrs["labels"], "aliases": attrs["aliases"], "props": attrs["props"],
                            "degree": degree}
    smooth = _smoothness(graph)
    for i, (u, v, k, d) in enumerate(sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3])):
        eid = f"e{i}"
        colour, dashes = EDGE_STYLES[d["kind"]]
        width = 1.5 if d["kind"] in ("fact", "query") else 1.0
        if d["kind"] == "aggregate":
            width = round(min(5.0, 1.0 + math.log2(d["count"]) / 2), 2)
        # in a large graph edges are faint, so that nodes and the selected node's edges stand out
        options = {"id": eid, "color": {"color": colour, "highlight": "#c0392b", "hover": "#222222",
                                        "opacity": 1.0 if show_edge_labels else 0.35},
                   "width": width, "dashes": dashes, "smooth": smooth[(u, v, k)]}
        if show_edge_labels and d["labels"][lang]:
            options["label"] = d["labels"][lang]
        net.add_edge(u, v, **options)
        meta_edges[eid] = {"kind": d["kind"], "from": u, "to": v, "labels": d["labels"],
                           "articles": d["articles"], "facts": d["facts"], "count": d.get("count", max(1, len(d["facts"])))}

    used_articles = sorted({a for e in meta_edges.values() for a in e["articles"]})
    meta = {
        "lang": lang, "title": title, "physics": physics, "showEdgeLabels": show_edge_labels, "explore": explore,
        "stabilizationIterations": STABILIZATION_ITERATIONS,
        "classes": [{"cls": c, "shape": s[0], "color": s[1], "en": s[2], "ko": s[3], "count": class_counts[c]}
                    for c, s in CLASS_STYLES.items() if class_counts[c]],
        "edgeKinds": [{"kind": k, "color": EDGE_STYLES[k][0], "dashed": bool(EDGE_STYLES[k][1]),
                       "en": EDGE_KIND_NAMES[k][0], "ko": EDGE_KIND_NAMES[k][1]}
                      for k in EDGE_STYLES if any(e["kind"] == k for e in meta_edges.values())],
        "nodes": meta_nodes, "edges": meta_edges,
        "articles": {a: articles[a] for a in used_articles if a in articles},
        "counts": {"nodes": n_nodes, "edges": n_edges, "totalNodes": proj.total_nodes,
                   "totalFacts": proj.total_facts, "shownFacts": proj.shown_facts},
        "note": _note(proj),
    }
    options = _vis_options(physics, explore)

    net.set_template_dir(str(TEMPLATE_DIR) + "/", TEMPLATE_NAME)
    env = net.templateEnv
    env.autoescape = True
    env.filters["script_json"] = script_json
    env.globals.update(kg_meta=meta, kg_options=options, vis_js=_vis_js(), kg_lang=lang, kg_title=title,
                       kg_font=FONT_STACK)
    page: str = net.generate_html(name="graph.html")
    return page


def _vis_options(physics: bool, explore: bool = False) -> dict[str, Any]:
    font = {"face": FONT_STACK}
    return {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": physics},
        "physics": {
            "enabled": physics,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -90, "centralGravity": 0.012, "springLength": 170,
                                 "springConstant": 0.05, "damping": 0.5, "avoidOverlap": 0.5},
            "maxVelocity": 40, "minVelocity": 1.5, "timestep": 0.4,
            "stabilization": {"enabled": physics, "iterations": STABILIZATION_ITERATIONS, "updateInterval": 50,
                              "fit": True},
        },
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": not (physics or explore),
                        "hideEdgesOnZoom": not (physics or explore), "navigationButtons": False, "keyboard": False,
                        "multiselect": False},
        # (the page leaves out labels that would overlap: template.html.j2, declutter)
        "nodes": {"borderWidth": 1.5, "borderWidthSelected": 3,
                  "font": dict(font, size=14, color="#1d1d1f", strokeWidth=4, strokeColor="#ffffff")},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.55}}, "selectionWidth": 1.5,
                  "font": dict(font, size=11.5, color="#333333", strokeWidth=0, background="rgba(255,255,255,0.88)",
                               align="horizontal")},
    }
