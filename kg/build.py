"""``kg build``: load, check, map, store, validate and export, re-doing only what changed.

Order matters for the guarantees we make:
1. every input is loaded and checked before anything is written (bad input leaves store and outputs as they were);
2. only the changed graphs (with the registry graph they refer to) are validated; earlier results of unchanged
   articles are reused from the build state;
3. the store is written as one transaction (``kg.store``): a new version, copied from the live one, gets the
   changed graphs (articles no longer in the input are dropped) and the new build state, and becomes live in one
   atomic step; a build killed before that step leaves the previous build live, with the state that matches it;
4. outputs are written atomically from the new version, so they always show what the store holds; temporary
   files an interrupted build left in the output folder are removed first.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph
from pyoxigraph import NamedNode

from . import __version__, settings
from .assets import ontology_path, shapes_path
from .atomic import remove_stale_temps, write_bytes, write_text
from .errors import InputError, Location, StoreError
from .export import Pieces, Snapshot, export
from .load import discover, load_article, load_registries
from .mapping import Iris, article_editions, article_quads, editions_quads, registry_quads
from .store import DEFAULT_STORE, STATE_VERSION, KgStore, is_usable_state, read_live_state
from .validate import (DEFAULT_ENGINE, ValidationReport, ValidationResult, check_engine, graph_from_oxigraph,
                       validate, validate_quads)
from .vocab import DEFAULT_BASE, sparql_prologue

Progress = Callable[[str, int, int], None]   # (stage, done, total)
OUTPUT_FORMATS = {"turtle": "kg.ttl", "trig": "kg.trig", "jsonld": "kg.jsonld"}
OUTPUT_FILES = [*OUTPUT_FORMATS.values(), "validation.txt", "validation.json", "graph.html"]
REGISTRY_KEY = "registry"


@dataclass
class BuildSummary:
    articles: int = 0
    entities: int = 0
    entities_without_wikidata: int = 0   # of ``entities``: those with no owl:sameAs to a Wikidata item
    facts: int = 0
    triples: int = 0
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    registry_changed: bool = False
    outputs: list[Path] = field(default_factory=list)
    report: ValidationReport | None = None
    notes: list[str] = field(default_factory=list)   # e.g. a store of the earlier layout was rebuilt
    draft_articles: int = 0    # articles in the store whose fact sheet is an unreviewed draft (draft: true)
    draft_facts: int = 0       # facts those articles hold
    left_out: list[str] = field(default_factory=list)  # draft sheets not built (--reviewed-only)

    @property
    def violations(self) -> int:
        return sum(1 for r in self.report.results if r.severity == "Violation") if self.report else 0

    @property
    def warnings(self) -> int:
        return sum(1 for r in self.report.results if r.severity != "Violation") if self.report else 0

    @property
    def conforms(self) -> bool:
        return self.violations == 0


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _graph_of(quads_by_graph: dict[str, list[pyoxigraph.Quad]]) -> dict[str, str]:
    """Subject IRI -> state key of the graph that defines it; article graphs win over the registry graph."""
    owner: dict[str, str] = {}
    for key, quads in quads_by_graph.items():  # the registry comes first
        for quad in quads:
            owner[getattr(quad.subject, "value", str(quad.subject))] = key
    return owner


def build(paths: list[Path] | None = None, *, out_dir: Path | None = Path("out"),
          store_path: Path = DEFAULT_STORE, base: str = DEFAULT_BASE, text_dir: Path | None = None,
          progress: Progress | None = None, html: bool = True, reviewed_only: bool = False,
          shacl_engine: str | None = None) -> BuildSummary:
    """Build the graph; ``reviewed_only`` leaves out fact sheets marked ``draft: true`` (they are removed from
    the store if an earlier build stored them). ``progress(stage, done, total)`` is called through every long
    stage: load, validate, store, export (one step per output file). ``shacl_engine`` is ``fast`` or ``pyshacl``
    (default: the setting, env KG_SHACL_ENGINE)."""
    paths = [Path(p) for p in (paths or [Path("data")])]
    shacl_engine = check_engine(settings.value("shacl_engine", shacl_engine))
    iris = Iris(base)  # checks the base IRI before anything is read
    tick = progress or (lambda stage, done, total: None)

    # 1. load and check everything; nothing is written before this completes
    registry_dirs, files = discover(paths)
    registry = load_registries(registry_dirs)
    reg_quads = registry_quads(registry, iris)
    assets = ontology_path().read_bytes() + shapes_path().read_bytes()
    reg_hash = _digest(pyoxigraph.serialize([q.triple for q in reg_quads], format=pyoxigraph.RdfFormat.N_TRIPLES),
                       base.encode(), assets, __version__.encode())

    base_version, state = read_live_state(store_path)
    check_store_base(state, base, store_path)
    # a state of another format says nothing reliable about the store: then everything is mapped again into an
    # empty new version
    usable = is_usable_state(state)
    old_graphs: dict[str, dict] = state["graphs"] if usable else {}
    summary = BuildSummary(registry_changed=old_graphs.get(REGISTRY_KEY, {}).get("hash") != reg_hash)

    new_quads: dict[str, list[pyoxigraph.Quad]] = {}
    editions: dict[str, list] = {}    # article id -> [[series key, year or None], ...]
    hashes: dict[str, str] = {REGISTRY_KEY: reg_hash}
    paths_by_id: dict[str, Path] = {}
    drafts: dict[str, bool] = {}      # article id -> its sheet is a draft (kept in the build state)
    tick("load", 0, len(files))
    for number, path in enumerate(files, start=1):
        tick("load", number, len(files))
        article_id = path.stem
        if article_id in paths_by_id:
            raise InputError(f"article id {article_id!r} is also used by {paths_by_id[article_id]}",
                             location=Location.of(path), hint="article ids must be unique")
        paths_by_id[article_id] = path
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read file: {exc.strerror or exc}", location=Location.of(path)) from exc
        text_part = b""
        if text_dir is not None and (text_dir / f"{article_id}.txt").is_file():
            text_part = (text_dir / f"{article_id}.txt").read_bytes()
        digest = _digest(content, reg_hash.encode(), text_part)
        old = old_graphs.get(article_id, {})
        unchanged = old.get("hash") == digest and not summary.registry_changed
        article = None
        if not unchanged or (reviewed_only and not isinstance(old.get("draft"), bool)):
            article = load_article(path, registry, text_dir=text_dir)
        drafts[article_id] = bool(article.meta.draft) if article is not None else bool(old.get("draft"))
        if reviewed_only and drafts[article_id]:
            summary.left_out.append(article_id)
            continue
        hashes[article_id] = digest
        if unchanged:
            summary.unchanged.append(article_id)
            editions[article_id] = old_graphs[article_id].get("editions", [])
            continue
        assert article is not None
        new_quads[article_id] = article_quads(article, registry, iris)
        editions[article_id] = sorted([list(e) for e in article_editions(article, registry)], key=str)
        summary.changed.append(article_id)
    summary.removed = sorted(k for k in old_graphs if k != REGISTRY_KEY and k not in hashes)

    # the ranking editions graph is shared by all articles: rebuilt from every article's editions
    all_editions = {(key, year) for used in editions.values() for key, year in used}
    unknown = sorted(ref for ref, _ in all_editions
                     if (ref.partition(":")[2] not in (registry.rankings if ref.startswith("ranking:")
                                                       else registry.classifications)))
    if unknown:  # only kept editions can name a series the registry lacks: a damaged state
        raise StoreError(f"the build state of {store_path} names ranking series the registries lack: "
                         f"{', '.join(unknown[:3])}", hint=f"delete the store folder {store_path} and run "
                         "'kg build' again")
    shared_quads = reg_quads + editions_quads(all_editions, registry, iris)
    anything_changed = bool(new_quads or summary.registry_changed or summary.removed)

    # 2. validate what changed, together with the registry and editions it refers to
    fresh: dict[str, list[dict]] = {}
    if anything_changed:
        fresh = _validate_in_batches(shared_quads, new_quads, tick, shacl_engine)

    # 3. store (opened only now: bad input above never touches it)
    def graph_name(key: str) -> str:
        return iris.registry_graph().value if key == REGISTRY_KEY else iris.article_graph(key).value

    graphs_state = _graphs_state(old_graphs, hashes, editions, fresh)
    for key, is_draft in drafts.items():
        if key in graphs_state:
            graphs_state[key]["draft"] = is_draft
    summary.report = _report(graphs_state, store_path)

    with KgStore(store_path, fresh=not usable) as store:
        if store.base_version != base_version:
            raise StoreError(f"the store at {store_path} changed while this build was loading its input "
                             "(another build finished meanwhile)", hint="run 'kg build' again")
        # The state says these are stored; if the store lost them (deleted by hand), map them again.
        for article_id in summary.unchanged:
            if not store.store.contains_named_graph(NamedNode(graph_name(article_id))):
                article = load_article(paths_by_id[article_id], registry, text_dir=text_dir)
                new_quads[article_id] = article_quads(article, registry, iris)
        replace = {graph_name(k): q for k, q in new_quads.items()}
        if summary.registry_changed or not store.store.contains_named_graph(iris.registry_graph()):
            replace[graph_name(REGISTRY_KEY)] = reg_quads
        if anything_changed or not store.store.contains_named_graph(iris.rankings_graph()):
            replace[iris.rankings_graph().value] = shared_quads[len(reg_quads):]
        tick("store", 0, 1)
        store.replace_graphs(replace, remove=[graph_name(k) for k in summary.removed])
        store.write_state({"version": STATE_VERSION, "base": base, "graphs": graphs_state})
        store.commit()   # the new version is live from here on
        tick("store", 1, 1)
        summary.notes = list(store.notes)
        keys = {graph_name(k): digest for k, digest in hashes.items()}
        return _finish(store, summary, hashes, base, out_dir, html, tick, keys)


def check_store_base(state: dict, base: str, store_path: Path) -> None:
    """InputError (exit 2) when the store was built with another base IRI than ``base``.

    A store holds the graphs of one base: building the same data under a second base would leave two copies of
    every fact (one per base) that nothing relates, and each command would see whichever base it was given."""
    recorded = state.get("base")
    if isinstance(recorded, str) and recorded != base:
        raise InputError(f"the store at {store_path} was built with base IRI {recorded}, not {base}",
                         location=Location("--base"),
                         hint=f"build with --base {recorded}, or use another --store, or remove {store_path} first")


def _graphs_state(old_graphs, hashes, editions, fresh) -> dict:
    graphs_state = {}
    for key, digest in hashes.items():
        results = fresh[key] if key in fresh else old_graphs.get(key, {}).get("results", [])
        graphs_state[key] = {"hash": digest, "results": results}
        if key != REGISTRY_KEY:
            graphs_state[key]["editions"] = editions[key]
    return graphs_state


def _report(graphs_state: dict, store_path: Path) -> ValidationReport:
    """The validation report of the whole graph: fresh results for what changed, kept ones for the rest."""
    try:
        report = ValidationReport.from_results(ValidationResult(**r) for key in sorted(graphs_state)
                                               for r in graphs_state[key]["results"])
        report.to_text()
    except (TypeError, ValueError, AttributeError, KeyError) as exc:  # results kept from a damaged state
        raise StoreError(f"the build state of {store_path} holds a malformed validation result ({exc})",
                         hint=f"delete the store folder {store_path} and run 'kg build' again") from None
    return report


def _finish(store, summary, hashes, base, out_dir, html, tick, keys: dict[str, str] | None = None) -> BuildSummary:
    summary.articles = len(hashes) - 1
    _count(store, summary)

    # 4. outputs (the writer lock is still held: no other build writes them meanwhile)
    if out_dir is not None:
        remove_stale_temps(Path(out_dir), OUTPUT_FILES)
        summary.outputs = write_outputs(store, summary.report, Path(out_dir), base, html=html, progress=tick,
                                        keys=keys)
    return summary


VALIDATION_BATCH_TRIPLES = 20_000


def _validate_in_batches(reg_quads, new_quads, tick, engine: str = DEFAULT_ENGINE) -> dict[str, list[dict]]:
    """Validate the changed article graphs with the registry graph; results are keyed by the graph that defines
    their focus node.

    The fast engine (the default) loads them all into one in-memory Oxigraph store and runs the compiled shapes
    once. pySHACL gets batches of about ``VALIDATION_BATCH_TRIPLES`` triples, each with the registry graph;
    pySHACL's cost grows faster than the data (every shape is checked against every node of the graph it is
    given), so a thousand articles in one graph take far longer than the same articles in batches. No shape
    relates two articles, so batching changes nothing in the results.
    """
    batches: list[list[str]] = [[]]
    size = 0
    for key in sorted(new_quads):
        if batches[-1] and size + len(new_quads[key]) > VALIDATION_BATCH_TRIPLES:
            batches.append([])
            size = 0
        batches[-1].append(key)
        size += len(new_quads[key])
    fresh: dict[str, list[dict]] = {REGISTRY_KEY: [], **{key: [] for key in new_quads}}
    registry_results: set = set()
    if engine == "fast":
        tick("validate", 0, 1)
        graph_key = {quads[0].graph_name.value: key for key, quads in new_quads.items()
                     if quads and isinstance(quads[0].graph_name, NamedNode)}
        focus_graphs: dict[str, list[str]] = {}
        report = validate_quads((q for quads in [reg_quads, *(new_quads[key] for key in sorted(new_quads))]
                                 for q in quads), graphs=focus_graphs)
        tick("validate", 1, 1)
        for result in report.results:
            # the graph that defines the focus node: an article graph wins over the registry graph
            keys = [graph_key[name] for name in focus_graphs.get(result.focus, []) if name in graph_key]
            key = max(keys) if keys else REGISTRY_KEY
            if key == REGISTRY_KEY:
                registry_results.add(result)
            else:
                fresh[key].append(asdict(result))
        fresh[REGISTRY_KEY] = [asdict(r) for r in sorted(registry_results, key=ValidationResult.sort_key)]
        return fresh
    owner = _graph_of({REGISTRY_KEY: reg_quads, **new_quads})

    def payload(batch: list[str]) -> bytes:
        quads = [q for quads in [reg_quads, *(new_quads[key] for key in batch)] for q in quads]
        return pyoxigraph.serialize([q.triple for q in quads], format=pyoxigraph.RdfFormat.N_TRIPLES)

    jobs = _validation_jobs(len(batches))
    tick("validate", 0, len(batches))
    if jobs > 1:
        # spawn: a forked child would inherit the parent's threads (store, tqdm) mid-state
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
        reports = pool.map(_validate_ntriples, (payload(batch) for batch in batches))
    else:
        pool = None
        reports = (_validate_ntriples(payload(batch)) for batch in batches)
    try:
        for number, results in enumerate(reports, start=1):
            tick("validate", number, len(batches))
            for result in results:
                key = owner.get(result["focus"], REGISTRY_KEY)
                if key == REGISTRY_KEY:
                    registry_results.add(ValidationResult(**result))  # in every batch: keep its results once
                else:
                    fresh[key].append(result)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    fresh[REGISTRY_KEY] = [asdict(r) for r in sorted(registry_results, key=ValidationResult.sort_key)]
    return fresh


def _validation_jobs(batches: int) -> int:
    """Worker processes for validation: KG_JOBS if set, else one per core, never more than there are batches.

    Starting a worker costs a second or two (imports), so a single batch is always validated in-process."""
    if batches < 2:
        return 1
    wanted = settings.count("jobs") or (os.cpu_count() or 1)
    return max(1, min(wanted, batches))


def _validate_ntriples(data: bytes) -> list[dict]:
    """Validate one batch given as N-Triples (picklable both ways, so it can run in a worker process)."""
    triples = pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return [asdict(result) for result in validate(graph_from_oxigraph(triples)).results]


_COUNTS = sparql_prologue("nkg", "schema", "owl") + """SELECT (COUNT(DISTINCT ?fact) AS ?facts) (COUNT(DISTINCT ?entity) AS ?entities)
       (COUNT(DISTINCT ?unlinked) AS ?without_wikidata) WHERE {
  { ?fact nkg:reportedIn ?a } UNION { ?x nkg:subject|nkg:attributedTo|schema:mentions ?entity }
  UNION { ?x nkg:subject|nkg:attributedTo|schema:mentions ?unlinked .
          FILTER NOT EXISTS { ?unlinked owl:sameAs ?item .
                              FILTER(STRSTARTS(STR(?item), "http://www.wikidata.org/entity/Q")) } }
}"""


_DRAFT_COUNTS = sparql_prologue("nkg") + """SELECT (COUNT(DISTINCT ?article) AS ?articles) (COUNT(DISTINCT ?fact) AS ?facts) WHERE {
  ?article a nkg:Article ; nkg:draft true . OPTIONAL { ?fact nkg:reportedIn ?article }
}"""


def _count(store: KgStore, summary: BuildSummary) -> None:
    drafts = next(iter(store.store.query(_DRAFT_COUNTS, use_default_graph_as_union=True)))
    summary.draft_articles = int(drafts["articles"].value)
    summary.draft_facts = int(drafts["facts"].value)
    row = next(iter(store.store.query(_COUNTS, use_default_graph_as_union=True)))
    summary.facts = int(row["facts"].value)
    summary.entities = int(row["entities"].value)
    summary.entities_without_wikidata = int(row["without_wikidata"].value)
    summary.triples = len(store.store)


def write_outputs(store: KgStore, report: ValidationReport, out_dir: Path, base: str, *,
                  html: bool = True, progress: Progress | None = None,
                  keys: dict[str, str] | None = None) -> list[Path]:
    """Write the outputs. With ``keys`` (graph IRI -> hash of what the graph was built from), the exports are
    assembled from per-graph pieces cached beside the store (kg.export.Pieces): only changed graphs are read
    and canonicalised again; the files are the same bytes as a full export."""
    tick = progress or (lambda stage, done, total: None)
    steps = len(OUTPUT_FORMATS) + 1 + (1 if html else 0)
    tick("export", 0, steps)
    written = []
    if keys is None:
        snapshot = Snapshot(store)
        for number, (fmt, name) in enumerate(OUTPUT_FORMATS.items(), start=1):
            export(store, fmt, base, out_dir / name, snapshot=snapshot)
            written.append(out_dir / name)
            tick("export", number, steps)
    else:
        pieces = Pieces(store, base, keys)
        for number, (fmt, name) in enumerate(OUTPUT_FORMATS.items(), start=1):
            pieces.write(fmt, out_dir / name)
            written.append(out_dir / name)
            tick("export", number, steps)
    write_text(out_dir / "validation.txt", report.to_text())
    write_text(out_dir / "validation.json", report.to_json())
    # the ontology beside the data, so the published files explain themselves (the shapes need it not)
    write_bytes(out_dir / "ontology.ttl", ontology_path().read_bytes())
    written += [out_dir / "validation.txt", out_dir / "validation.json", out_dir / "ontology.ttl"]
    tick("export", len(OUTPUT_FORMATS) + 1, steps)
    if html:
        try:
            from .viz import write_html
        except ImportError:  # the view is optional while it is being built
            write_html = None
        if write_html is not None:
            write_html(store, out_dir / "graph.html")
            written.append(out_dir / "graph.html")
        tick("export", steps, steps)
    return written


def validate_store(store: KgStore, shacl_engine: str | None = None) -> ValidationReport:
    """Re-run validation on everything the store holds (``kg validate``) with ``shacl_engine`` (default: the
    setting ``shacl_engine``, env KG_SHACL_ENGINE)."""
    shacl_engine = check_engine(settings.value("shacl_engine", shacl_engine))
    registry: list[pyoxigraph.Quad] = []
    articles: dict[str, list[pyoxigraph.Quad]] = {}
    iris = Iris(store.base or DEFAULT_BASE)
    for name in store.graph_names():
        quads = list(store.store.quads_for_pattern(None, None, None, NamedNode(name)))
        kind = iris.graph_kind(name)
        if kind is not None and kind[0] in ("registry", "rankings"):
            registry.extend(quads)
        else:
            articles[name] = quads
    fresh = _validate_in_batches(registry, articles, lambda stage, done, total: None, shacl_engine)
    return ValidationReport.from_results(ValidationResult(**r) for results in fresh.values() for r in results)
