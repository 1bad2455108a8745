"""The ``kg`` command: parse options, call the library, render the result. Nothing else lives here."""
from __future__ import annotations

import re
import sys
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Never, TypeVar

import click

from . import __version__
from .errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_VIOLATIONS, KgError
from .settings import SETTINGS, flag

if TYPE_CHECKING:
    from tqdm import tqdm

    from .serve import SparqlServer

# a command function as the shared option decorators receive and return it
_Command = TypeVar("_Command", bound=Callable[..., Any])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def cli() -> None:
    """Build, check, query and show a knowledge graph of the facts reported in news articles."""


# -- shared options --------------------------------------------------------------------------------------
def _store_option(func: _Command) -> _Command:
    store = SETTINGS["store"]
    return click.option("--store", "store_path", default=store.default, show_default=True, type=click.Path(),
                        envvar=store.env, help=f"{store.help} (env {store.env})")(func)


def _base_option(func: _Command) -> _Command:
    base = SETTINGS["base"]
    return click.option("--base", default=base.default, show_default=True, envvar=base.env, metavar="IRI",
                        help=f"{base.help} (env {base.env})")(func)


def _auth(text: str | None) -> tuple[str, str] | None:
    """``--auth USER:PASSWORD`` as a pair (InputError when it is not of that form)."""
    if not text:
        return None
    from .remote import parse_auth

    return parse_auth(text)


class _Progress:
    """A tqdm bar per stage (load, validate, store, export) on a terminal, so no long stage passes in silence;
    silent when stderr is not a terminal (piped, CI, tests)."""

    UNITS: ClassVar[dict[str, str]] = {"load": "file", "validate": "batch", "store": "step", "export": "file"}

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars: dict[str, tqdm[Never]] = {}  # bars made without an iterable

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total < 1:
            return
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=total, desc=stage, unit=self.UNITS.get(stage, "step"), leave=False,
                                          file=sys.stderr)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()


# -- build, validate, export -----------------------------------------------------------------------------
def _shacl_engine_option(func: _Command) -> _Command:
    engine = SETTINGS["shacl_engine"]
    return click.option("--shacl-engine", type=click.Choice(["fast", "pyshacl"]), default=engine.default,
                        show_default=True, envvar=engine.env, help=f"{engine.help} (env {engine.env})")(func)


@cli.command("build")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", default="out", show_default=True, type=click.Path(path_type=Path),
              help="Folder the outputs are written to.")
@_store_option
@_base_option
@click.option("--text-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder with <article-id>.txt texts; evidence offsets are then checked against them.")
@click.option("--no-html", is_flag=True, help="Do not write out/graph.html.")
@click.option("--reviewed-only", is_flag=True,
              help="Leave out fact sheets marked draft: true (kg extract drafts not yet reviewed).")
@click.option("--timings", is_flag=True,
              help="Also print the wall time of each phase (read, load, validate, store, count, export).")
@_shacl_engine_option
def build_command(paths: tuple[Path, ...], out_dir: Path, store_path: str, base: str, text_dir: Path | None,
                  no_html: bool, reviewed_only: bool, timings: bool, shacl_engine: str) -> int:
    """Load registries and fact sheets (default: data/), store, validate and write the outputs.

    Exit status: 0 the graph conforms, 1 SHACL violations, 2 bad input, 3 store or output error.
    """
    from .api import build

    summary = build(list(paths) or [Path("data")], out_dir=out_dir, store=store_path, base=base,
                    text_dir=text_dir, progress=_Progress(sys.stderr.isatty()), html=not no_html,
                    reviewed_only=reviewed_only, shacl_engine=shacl_engine)
    for note in summary.notes:
        click.echo(f"kg: note: {note}", err=True)
    if summary.report is not None and summary.report.results:
        click.echo(summary.report.to_text().rstrip("\n"), err=True)
    reuse = f", {len(summary.unchanged)} unchanged" if summary.unchanged else ""
    dropped = f", {len(summary.removed)} removed" if summary.removed else ""
    click.echo(f"articles: {summary.articles} ({len(summary.changed)} rebuilt{reuse}{dropped})")
    click.echo(f"entities: {summary.entities}  facts: {summary.facts}  triples: {summary.triples}")
    click.echo(f"violations: {summary.violations}  warnings: {summary.warnings}")
    if summary.draft_facts or summary.draft_articles:
        click.echo(f"warning: {summary.draft_facts} facts come from {summary.draft_articles} draft fact sheets "
                   "(draft: true, not reviewed); review them, or build with --reviewed-only to leave them out")
    if summary.left_out:
        click.echo(f"left out {len(summary.left_out)} draft fact sheets (--reviewed-only): "
                   + " ".join(summary.left_out[:5]) + (" …" if len(summary.left_out) > 5 else ""))
    if summary.entities_without_wikidata:
        click.echo(f"warning: {summary.entities_without_wikidata} of {summary.entities} entities have no Wikidata id "
                   "(add wikidata: Q… to their registry entries)")
    if summary.outputs:
        click.echo("wrote: " + " ".join(p.as_posix() for p in summary.outputs))
    if timings:
        phases = [f"{name} {seconds:.2f} s" for name, seconds in summary.timings.items()]
        click.echo(f"timings: {', '.join(phases)}, total {sum(summary.timings.values()):.2f} s")
    return EXIT_OK if summary.conforms else EXIT_VIOLATIONS


@cli.command("validate")
@_store_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_shacl_engine_option
def validate_command(store_path: str, fmt: str, shacl_engine: str) -> int:
    """Re-run SHACL validation on everything the store holds. Exit 1 when there are violations."""
    from .api import validate

    report = validate(store=store_path, shacl_engine=shacl_engine)
    click.echo(report.to_json() if fmt == "json" else report.to_text(), nl=False)
    return EXIT_OK if report.conforms else EXIT_VIOLATIONS


@cli.command("export")
@click.option("--format", "fmt",
              type=click.Choice(["turtle", "trig", "jsonld", "nt", "nquads",
                                 "datacube", "schemaorg", "annotations", "quickstatements"]),
              default="turtle", show_default=True,
              help="turtle and nt hold the union of all graphs; datacube (RDF Data Cube, Turtle), schemaorg "
                   "(schema.org Observation JSON-LD), annotations (Web Annotation, Turtle) and quickstatements "
                   "(Wikidata QuickStatements v1) are standard views of the facts (docs/model.md).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File to write (atomically); standard output when omitted.")
@click.option("--text-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="annotations: folder with <article-id>.txt texts; quote prefixes and suffixes are then taken "
                   "from the article text rather than from the evidence sentence.")
@_store_option
@_base_option
def export_command(fmt: str, output: Path | None, text_dir: Path | None, store_path: str, base: str) -> None:
    """Write the stored graph as Turtle, TriG, JSON-LD, N-Triples or N-Quads, or one of its standard views."""
    from .api import export

    if text_dir is not None and fmt != "annotations":
        raise click.UsageError("--text-dir only applies to --format annotations")
    data = export(fmt, store=store_path, base=base, output=output, text_dir=text_dir)
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)


# -- facts and queries -----------------------------------------------------------------------------------
@cli.command("facts")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "tsv"]), default="table",
              show_default=True)
@click.option("--article", default=None, metavar="ID", help="Only the facts of this article.")
@click.option("--extended", is_flag=True,
              help="Add the columns qualifier, value_high, inferred, draft, proposed after the usual 13.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File to write (atomically) instead of standard output; with --format csv, its CSVW metadata "
                   "is written beside it as FILE-metadata.json.")
@click.option("--limit", type=click.IntRange(min=0), default=None, metavar="N",
              help="Only the first N rows (after --offset), in the same order: a first page.")
@click.option("--offset", type=click.IntRange(min=0), default=0, metavar="N", help="Skip the first N rows.")
@_store_option
def facts_command(fmt: str, article: str | None, extended: bool, output: Path | None, limit: int | None, offset: int,
                  store_path: str) -> None:
    """One row per fact, read from the stored graph by SPARQL (queries/facts.rq)."""
    from .api import facts_table
    from .atomic import write_text
    from .render import render_rows
    from .views.csvw import write_csv_with_metadata

    columns, rows = facts_table(article, store=store_path, extended=extended, limit=limit, offset=offset)
    text = render_rows(columns, rows, fmt)
    if output is None:
        click.echo(text, nl=False)
    elif fmt == "csv":
        meta = write_csv_with_metadata(output, columns, text)
        click.echo(f"wrote: {output.as_posix()} {meta.as_posix()}", err=True)
    else:
        write_text(output, text)


@cli.command("articles")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "tsv"]), default="table",
              show_default=True)
@_store_option
def articles_command(fmt: str, store_path: str) -> None:
    """List the articles in the store: id, title, date, publisher, facts, draft or reviewed (queries/articles.rq)."""
    from .api import articles_table
    from .render import render_rows

    columns, rows = articles_table(store=store_path)
    click.echo(render_rows(columns, rows, fmt), nl=False)


@cli.command("queries")
def queries_command() -> None:
    """List the saved queries with their descriptions and parameters."""
    from .query import saved_queries

    for name, query in saved_queries().items():
        click.echo(f"{name}: {query.title}")
        if query.description:
            click.echo(f"    {query.description}")
        for p in query.params:
            default = " (optional)" if p.optional else f" = {p.default}" if p.default is not None else ""
            click.echo(f"    --param {p.name}=<{p.type}>{default}  {p.doc}")


@cli.command("query")
@click.argument("name_or_file", required=False)
@click.option("-e", "--execute", "text", metavar="SPARQL", help="Run this query text instead of a saved one.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a parameter of a saved query (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "tsv"]), default="table",
              show_default=True, help="For SELECT; CONSTRUCT/DESCRIBE results are always Turtle.")
@click.option("--endpoint", metavar="URL", default=None,
              help="Run on a remote SPARQL 1.1 endpoint instead of the local store.")
@click.option("--auth", metavar="USER:PASSWORD", default=None, help="Credentials for --endpoint.")
@click.option("--auth-type", type=click.Choice(["basic", "digest"]), default="digest", show_default=True)
@click.option("--limit", type=click.IntRange(min=0), default=None, metavar="N",
              help="Only the first N rows (after --offset), in the same order: a first page.")
@click.option("--offset", type=click.IntRange(min=0), default=0, metavar="N", help="Skip the first N rows.")
@_store_option
def query_command(name_or_file: str | None, text: str | None, params: tuple[str, ...], fmt: str, endpoint: str | None,
                  auth: str | None, auth_type: str, limit: int | None, offset: int, store_path: str) -> None:
    """Run a saved query (by name or .rq file) or, with -e, ad-hoc SPARQL text."""
    from .api import run
    from .errors import InputError
    from .query import parse_param_args
    from .results import render_result

    if (name_or_file is None) == (text is None):
        raise InputError("give a saved query name or file, or -e 'SPARQL text' (not both)")
    given = parse_param_args(params)
    if text is not None and given:
        raise InputError("--param works with saved queries only", hint="write the value into the -e text")
    result = run(name_or_file, text, given, store=store_path, endpoint=endpoint, auth=_auth(auth),
                 auth_type=auth_type, limit=limit, offset=offset)
    for resolution in result.resolved:
        if resolution.changed:
            click.echo(f"kg: note: {resolution}", err=True)
    click.echo(render_result(result, fmt), nl=False)


@cli.command("push")
@click.option("--endpoint", required=True, metavar="URL",
              help="SPARQL query endpoint of the server (Oxigraph .../query, Virtuoso .../sparql).")
@click.option("--graph-store", metavar="URL",
              help="Graph Store Protocol endpoint; derived from --endpoint for Oxigraph, Virtuoso and Fuseki.")
@click.option("--auth", metavar="USER:PASSWORD", help="Credentials for the server.")
@click.option("--auth-type", type=click.Choice(["basic", "digest"]), default="digest", show_default=True,
              help="HTTP authentication scheme (Virtuoso wants digest).")
@_store_option
@click.option("--batch-size", default=20_000, show_default=True, type=click.IntRange(min=1),
              help="Triples per request; larger graphs are sent as one PUT and then POSTs.")
@click.option("--prune", is_flag=True,
              help="Also delete the server's graphs (under BASE graph/) that the local store no longer has.")
@click.option("--timeout", default=float(SETTINGS["remote_timeout"].default), show_default=True,
              type=click.FloatRange(min=0, min_open=True), envvar=SETTINGS["remote_timeout"].env,
              help=f"Seconds to wait for each answer (env {SETTINGS['remote_timeout'].env}).")
def push_command(endpoint: str, graph_store: str | None, auth: str | None, auth_type: str, store_path: str,
                 batch_size: int, prune: bool, timeout: float) -> None:
    """Upload every named graph of the store, and the ontology graph, to a SPARQL server, replacing them there."""
    from .api import push

    summary = push(endpoint, graph_store=graph_store, auth=_auth(auth), auth_type=auth_type,
                   timeout=timeout, store=store_path, batch_size=batch_size, prune=prune,
                   progress=lambda g: click.echo(f"{g.triples:>9} triples  {g.graph}"))
    for graph in summary.removed:
        click.echo(f"  removed  {graph}")
    click.echo(f"pushed {summary.triples} triples in {len(summary.graphs)} graphs to {summary.graph_store}"
               + (f"; removed {len(summary.removed)} graphs" if prune else ""))


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback exposes the graph to the network.")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535), help="TCP port (0: any free one).")
@_store_option
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds a query may run before it is stopped (503).")
@click.option("--max-results", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Rows (or triples) per result; longer results are cut and flagged by X-KG-Truncated.")
@click.option("--max-request", "max_request", default=1_000_000, show_default=True, type=click.IntRange(min=1024),
              help="Largest request (body or URL) in bytes; larger ones get 413.")
@click.option("--workers", default=None, type=click.IntRange(min=1),
              help="Query worker processes (default: CPUs, between 2 and 4).")
@click.option("--allow-updates", is_flag=True,
              help="Accept SPARQL updates from this origin (refused with 403 otherwise).")
@click.option("--federation", is_flag=True,
              help="Let SERVICE (and LOAD) reach the endpoints given with --allow-service; refused otherwise.")
@click.option("--allow-service", "allow_service", multiple=True, metavar="URL",
              help="URL prefix of an endpoint SERVICE may reach (repeatable; needs --federation).")
@click.option("--per-client", default=4, show_default=True, type=click.IntRange(min=1),
              help="Queries one client address may have running or waiting (429 beyond).")
@click.option("--max-waiting", default=16, show_default=True, type=click.IntRange(min=1),
              help="Queries waiting for a worker, all clients together (503 beyond).")
@click.option("--short-time", default=2.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds a query may hold the worker kept for short queries.")
@click.option("--worker-memory", default=1024, show_default=True, type=click.IntRange(min=0),
              help="Data memory per worker process in MiB (0: no cap).")
@click.option("--max-connections", default=64, show_default=True, type=click.IntRange(min=1),
              help="Open connections, all clients together (503 beyond).")
@click.option("--request-time", default=20.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds a client has to send a whole request.")
@click.option("--cache", "cache_mb", default=64, show_default=True, type=click.IntRange(min=0),
              help="MiB of answers kept for repeated queries while the store's version stays live (0: none).")
@click.option("--out", "out_dir", default="out", show_default=True, type=click.Path(path_type=Path),
              help="Folder holding graph.html, served at /graph.")
@_base_option
@click.option("--cors", "cors", is_flag=False, flag_value="*", default=None, metavar="[ORIGIN]",
              help="Let pages on ORIGIN (comma-separated list; alone: any origin) read the answers: CORS preflight "
                   "and headers. Off by default; updates stay same-origin only.")
@click.option("--quiet", is_flag=True, help="No access log on stderr.")
def serve_command(host: str, port: int, store_path: str, timeout: float, max_results: int, max_request: int,
                  workers: int | None, allow_updates: bool, federation: bool, allow_service: tuple[str, ...],
                  per_client: int, max_waiting: int, short_time: float, worker_memory: int, max_connections: int,
                  request_time: float, cache_mb: int, out_dir: Path, base: str, cors: str | None,
                  quiet: bool) -> None:
    """Serve the stored graph over the SPARQL 1.1 Protocol, with a query workbench at / and entity pages at /id/.

    Read-only unless --allow-updates; no outbound request (SERVICE, LOAD) unless --federation. Stop with Ctrl-C.
    """
    from .serve import ServeConfig, serve

    config = ServeConfig(store_path=Path(store_path), host=host, port=port, timeout=timeout,
                         max_results=max_results, max_request_bytes=max_request, allow_updates=allow_updates,
                         federation=federation, allow_service=tuple(allow_service), per_client=per_client,
                         max_waiting=max_waiting, short_time=short_time, worker_memory_mb=worker_memory,
                         max_connections=max_connections, max_client_connections=max(1, max_connections // 4),
                         request_time=request_time, cache_mb=cache_mb, base=base, cors=cors,
                         out_dir=out_dir, log=None if quiet else (lambda line: click.echo(line, err=True)))
    if workers:
        config.workers = workers

    def ready(server: SparqlServer) -> None:
        click.echo(f"serving {store_path} at {server.url} (SPARQL endpoint {server.url}sparql); Ctrl-C stops",
                   err=True)

    try:
        serve(config, ready=ready)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


@cli.command("eval-extract")
@click.option("--corpus", "corpus_dir", default=None, type=click.Path(path_type=Path, file_okay=False),
              help="Evaluate the whole chain (extract, build, facts) on this folder of <id>.txt texts with "
                   "<id>.gold.yaml gold files (the format of ../shared/corpus), instead of the fact-sheet sets.")
@click.option("--article", "only", multiple=True, metavar="ID",
              help="With --corpus: only this article (repeatable).")
@click.option("--keep", "keep_dir", default=None, type=click.Path(path_type=Path, file_okay=False),
              help="With --corpus: keep each article's drafts and store in KEEP/<id>/ (X/ and store/).")
@click.option("--gold", "gold_dir", default="eval/gold", show_default=True,
              type=click.Path(path_type=Path, file_okay=False), help="Folder of gold fact sheets (<id>.yaml).")
@click.option("--articles", "articles_dir", default="eval/articles", show_default=True,
              type=click.Path(path_type=Path, file_okay=False), help="Folder of article texts (<id>.html/.txt).")
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(path_type=Path, file_okay=False),
              help="Data folder whose registries/ the extractor resolves names against (with --corpus, also built "
                   "with each draft).")
@click.option("--seed-text", default="../shared/seed/seed-article.ko.txt", show_default=True,
              type=click.Path(path_type=Path, dir_okay=False), help="Text of the seed article (rules tuned on it).")
@click.option("--seed-gold", default="data/articles/mk-2025-korea-ai-competitiveness.yaml", show_default=True,
              type=click.Path(path_type=Path, dir_okay=False), help="Gold fact sheet of the seed article.")
@click.option("--eval-registries", default="eval/registries", show_default=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Registry entries only the evaluation articles need (read besides DATA/registries; never "
                   "part of the knowledge graph, since the evaluation articles and their people are made up).")
@click.option("--no-seed", is_flag=True, help="Score the held-out articles only.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("-v", "--verbose", is_flag=True,
              help="List the misses and false positives (with --corpus: unmatched rows) of every article.")
@click.option("--min-recall", type=click.FloatRange(0, 1), default=None, metavar="R",
              help="Exit 1 when the overall (micro) recall is below R.")
@click.option("--min-precision", type=click.FloatRange(0, 1), default=None, metavar="P",
              help="Exit 1 when the overall (micro) precision is below P.")
@click.pass_context
def eval_extract_command(ctx: click.Context, corpus_dir: Path | None, only: tuple[str, ...], keep_dir: Path | None,
                         gold_dir: Path, articles_dir: Path, data_dir: Path, eval_registries: Path, seed_text: Path,
                         seed_gold: Path, no_seed: bool, fmt: str, verbose: bool, min_recall: float | None,
                         min_precision: float | None) -> int:
    """Measure `kg extract` against gold facts and report precision and recall per article and overall.

    Without --corpus: drafts of the evaluation sets (eval/, eval-test/, eval-final/) compared with gold fact
    sheets. With --corpus DIR: the chain a user runs (extract with the gold date, build DATA with the draft, read
    the facts table) on every text of DIR, scored like the corpus's reference scorer, per article, overall, per
    kind and per language.

    Exit status: 0, or 1 when --min-recall / --min-precision is not met; 2 bad input.
    """
    from .errors import InputError
    from .evaluate import threshold_failures

    if corpus_dir is not None:
        from click.core import ParameterSource

        for name in ("gold_dir", "articles_dir", "seed_text", "seed_gold", "eval_registries", "no_seed"):
            if ctx.get_parameter_source(name) != ParameterSource.DEFAULT:
                raise InputError(f"--{name.removesuffix('_dir').replace('_', '-')} does not apply with --corpus")
        from .eval_corpus import corpus_json, render_corpus_table, run_corpus_evaluation

        bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(desc="eval-extract", unit="article", file=sys.stderr, leave=False)

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.total = total
                bar.update(1)

        corpus = run_corpus_evaluation(corpus_dir, data_dir=data_dir, only=only, keep_dir=keep_dir,
                                       progress=progress)
        if bar is not None:
            bar.close()
        click.echo(corpus_json(corpus) if fmt == "json" else render_corpus_table(corpus, verbose=verbose), nl=False)
        total = corpus.total()
        recall, precision = total.recall, total.precision
    else:
        if only or keep_dir is not None:
            raise InputError("--article and --keep work with --corpus only")
        from .evaluate import render_table, run_evaluation, to_json

        result = run_evaluation(gold_dir, articles_dir, data_dir=data_dir, extra_registries=eval_registries,
                                seed_text=None if no_seed else seed_text, seed_gold=None if no_seed else seed_gold)
        click.echo(to_json(result) if fmt == "json" else render_table(result, verbose=verbose), nl=False)
        recall, precision = result.total().recall, result.total().precision
    failures = threshold_failures(recall, precision, min_recall=min_recall, min_precision=min_precision)
    for failure in failures:
        click.echo(f"kg: {failure}", err=True)
    return EXIT_VIOLATIONS if failures else EXIT_OK   # exit 1 also means "a threshold was not met"


@cli.command("viz")
@click.option("-o", "--out", "out_path", default="out/graph.html", show_default=True,
              type=click.Path(path_type=Path, dir_okay=False), help="HTML file to write (one self-contained page).")
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True,
              help="Language of the labels when the page opens (the page can switch).")
@click.option("--article", "article", default=None, metavar="ID", help="Only the facts of this article.")
@click.option("--subject", "subject", default=None, metavar="ISO_OR_KEY",
              help="Only the facts about this entity (registry key or ISO 3166 code).")
@click.option("--query", "query_file", default=None, type=click.Path(path_type=Path, dir_okay=False),
              help="Draw the result of this SPARQL CONSTRUCT or SELECT query instead (see docs/viz.md).")
@click.option("--max-nodes", default=None, type=click.IntRange(min=1),
              help="Larger graphs keep their best-connected nodes, with a note on the page "
                   "(default 250, or 1000 in explore mode).")
@click.option("--explore/--no-explore", default=None,
              help="Open empty and grow the view from a search, adding a node's neighbours on demand "
                   "(default: only for graphs too large to draw at once).")
@_store_option
def viz_command(out_path: Path, lang: str, article: str | None, subject: str | None, query_file: Path | None,
                max_nodes: int | None, explore: bool | None, store_path: str) -> None:
    """Write an interactive network view of the stored graph that works offline (no request leaves the page)."""
    from .api import viz

    summary = viz(out_path, store=store_path, lang=lang, article=article, subject=subject, query=query_file,
                  max_nodes=max_nodes, explore=explore)
    note = (f" (cut down from {summary.total_nodes:,} nodes and {summary.total_facts:,} facts)"
            if summary.truncated else "")
    mode = " (explore mode: search a name to start)" if summary.explore else ""
    click.echo(f"wrote {out_path}: {summary.nodes:,} nodes, {summary.edges:,} edges{note}{mode}", err=True)


@cli.command("chart")
@click.argument("kind", type=click.Choice(["indicator", "country", "ranking"]))
@click.argument("name")
@click.option("-o", "--out", "out_path", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="File to write: .html (one self-contained page), .svg or .png.")
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True,
              help="Language of every label in the chart.")
@click.option("--format", "fmt", type=click.Choice(["html", "svg", "png"]), default=None,
              help="Output format when the file name does not say it.")
@_store_option
def chart_command(kind: str, name: str, out_path: Path, lang: str, fmt: str | None, store_path: str) -> None:
    """Draw a chart of the stored facts: an indicator's figures by subject (every conflicting figure with its
    source), a country's positions across rankings and editions, or a ranking's table.

    NAME is any registry key, name or alias (H100, 한국, kr, unido-cip), as for saved-query parameters.
    """
    from .api import chart

    summary = chart(kind, name, out_path, store=store_path, lang=lang, fmt=fmt)
    if summary.resolution.changed:
        click.echo(f"kg: note: {summary.resolution}".replace(f"{summary.resolution.param}=", f"{kind} "), err=True)
    click.echo(f"wrote {out_path}: {kind} chart of {summary.resolution.key}, {summary.rows} facts", err=True)


class _ArticleLanguage(click.Choice[str]):
    """``auto`` or a code of the registry of languages (``kg.extract.languages.LANGUAGES``), read only when the
    extract command's options are parsed or shown, so other commands do not load the extractor."""

    def __init__(self) -> None:
        super().__init__(["auto"])

    @property
    def choices(self) -> tuple[str, ...]:
        from .extract.languages import LANGUAGES

        return ("auto", *LANGUAGES)

    @choices.setter
    def choices(self, value: object) -> None:
        pass


@cli.command("extract")
@click.argument("paths", nargs=-1, required=True, metavar="PATH_OR_URL...")
@click.option("--lang", type=_ArticleLanguage(), default="auto", show_default=True,
              help="Language of the articles (auto: decided per file from its script).")
@click.option("--date", "date", default=None, metavar="YYYY-MM-DD", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Publication date, when the file does not carry one; relative years are read against it.")
@click.option("-o", "--out", "out_dir", default="drafts", show_default=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Output folder: articles/, registries/ (proposals), pending/.")
@click.option("--data", "data_dir", default="data", show_default=True,
              type=click.Path(path_type=Path, file_okay=False), help="Data folder whose registries/ names resolve.")
@click.option("--publisher", default=None, metavar="KEY", help="Registry key of the publisher, if not detected.")
@click.option("-j", "--jobs", default=None, type=click.IntRange(min=1), help="Worker processes (default: cores).")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds to wait for each URL.")
@click.option("--allow-local-urls", "allow_local", is_flag=True,
              help="Fetch from loopback and private addresses too (refused by default, also after a redirect).")
def extract_command(paths: tuple[str, ...], lang: str, date: datetime | None, out_dir: Path, data_dir: Path,
                    publisher: str | None, jobs: int | None, timeout: float, allow_local: bool) -> None:
    """Draft fact sheets from article text (.txt, .md, .html; files or folders; or http(s) URLs, fetched with
    trafilatura) for an analyst to review.

    Writes OUT/articles/<id>.yaml (drafts), OUT/registries/*.yaml (proposed registry entries, merged with what
    is there) and OUT/pending/<id>.yaml (figures that are not facts, with the reason); `kg build data OUT`
    reads them as they are. A fetched page is kept as OUT/sources/<id>.html and its text as OUT/texts/<id>.txt
    (for `kg build --text-dir OUT/texts`). Exit 4 when a URL cannot be fetched.
    """
    from .fetch import extract_sources

    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(desc="extract", unit="article", file=sys.stderr, leave=False)

    def advance(_path: Path) -> None:
        if bar is not None:
            bar.update(1)
    results = extract_sources(list(paths), data_dir=data_dir, out_dir=out_dir, lang=lang,
                              date=date.date() if date else None, publisher=publisher, jobs=jobs, timeout=timeout,
                              allow_local=allow_local,
                              on_done=advance if bar is not None else None)
    if bar is not None:
        bar.close()
    for r in results:
        for warning in r.warnings:
            click.echo(f"kg: warning: {warning}", err=True)
        extra = f", {r.pending} pending in {r.pending_path}" if r.pending_path else ""
        proposed = f", {r.proposed} registry entries proposed" if r.proposed else ""
        click.echo(f"{r.draft_path}: {r.facts} facts{proposed}{extra}")
    if any(r.proposed for r in results):
        click.echo(f"proposed registry entries: {out_dir / 'registries'} (marked proposed: true)")


@cli.command("compile")
@click.option("--status", is_flag=True, help="Only say whether `kg extract` runs the compiled rules, and why.")
def compile_command(status: bool) -> None:
    """Compile the extraction rules to C with mypyc, for a faster `kg extract` (same drafts).

    Needs mypyc (pip install 'newskg[native]'), a C compiler and the Python headers; takes a few minutes. The
    compiled rules are kept per Python environment ($NEWSKG_NATIVE_DIR, default <prefix>/share/newskg/native) and
    used only while the sources they were compiled from are unchanged; NEWSKG_NATIVE=0 turns them off.
    Exit 2 when mypyc is missing, 3 when compiling fails or the folder cannot be written.
    """
    from . import native

    if status:
        click.echo(native.STATUS.reason)
        return
    click.echo(f"compiled rules: {native.build()}")


def main(argv: list[str] | None = None) -> int:
    """Console entry point: runs the command, turns library errors into a one-line message and exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    for position, arg in enumerate(args, start=1):
        bad = _SURROGATE.search(arg)
        if bad:  # undecodable bytes in argv (Python's surrogateescape): no name, value or path can hold them
            what = (f"undecodable byte 0x{ord(bad.group()) - 0xDC00:02x}" if ord(bad.group()) >= 0xDC80
                    else "a lone surrogate")
            click.echo(f"kg: error: argument {position} is not valid UTF-8 ({what}); give names, values and paths "
                       "as UTF-8", err=True)
            return EXIT_INPUT
    try:
        result = cli.main(args=args, prog_name="kg", standalone_mode=False)
    except KgError as err:
        click.echo(f"kg: error: {_one_line(str(err))}", err=True)
        return err.exit_code
    except click.exceptions.Abort:
        click.echo("kg: aborted", err=True)
        return 130
    except click.ClickException as err:
        err.show()
        return EXIT_INPUT if err.exit_code == 2 else err.exit_code
    except click.exceptions.Exit as err:
        return err.exit_code
    except Exception as err:  # noqa: BLE001 - the last resort: a bug must not look like a result
        if flag("debug"):
            traceback.print_exc()
        where = _innermost_frame(err)
        click.echo(f"kg: internal error: {type(err).__name__}: {_one_line(str(err))[:300]}{where}; this is a bug "
                   "in kg, please report it with the command that caused it (KG_DEBUG=1 shows the traceback)",
                   err=True)
        return EXIT_INTERNAL
    return result if isinstance(result, int) else EXIT_OK


_SURROGATE = re.compile("[\ud800-\udfff]")


def _one_line(text: str) -> str:
    """A message on one line that any stream can print: line breaks in it (from a value or a library) become
    spaces, and lone surrogates (a file name with undecodable bytes) are written as \\udcff."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


def _innermost_frame(err: BaseException) -> str:
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return ""
    frame = frames[-1]
    return f" (at {Path(frame.filename).name}:{frame.lineno})"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
