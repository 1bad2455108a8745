"""The ``kg`` command: parse options, call the library, render the result. Nothing else lives here."""
from __future__ import annotations

import sys

import click

from . import __version__
from .errors import EXIT_INPUT, KgError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def cli() -> None:
    """Build, check, query and show a knowledge graph of the facts reported in news articles."""


@cli.command("push")
@click.option("--endpoint", required=True, metavar="URL",
              help="SPARQL query endpoint of the server (Oxigraph .../query, Virtuoso .../sparql).")
@click.option("--graph-store", metavar="URL",
              help="Graph Store Protocol endpoint; derived from --endpoint for Oxigraph, Virtuoso and Fuseki.")
@click.option("--auth", metavar="USER:PASSWORD", help="Credentials for the server.")
@click.option("--auth-type", type=click.Choice(["basic", "digest"]), default="digest", show_default=True,
              help="HTTP authentication scheme (Virtuoso wants digest).")
@click.option("--store", "store_path", default=".kg/store", show_default=True, type=click.Path(),
              help="Local store to push.")
@click.option("--batch-size", default=20_000, show_default=True, type=click.IntRange(min=1),
              help="Triples per request; larger graphs are sent as one PUT and then POSTs.")
@click.option("--timeout", default=120.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds to wait for each answer.")
def push_command(endpoint, graph_store, auth, auth_type, store_path, batch_size, timeout) -> None:
    """Upload every named graph of the store to a SPARQL server, replacing the graphs there."""
    from .remote import Endpoint, parse_auth, push_store
    from .store import KgStore

    target = Endpoint(endpoint, graph_store, parse_auth(auth) if auth else None, auth_type, timeout)
    store = KgStore(store_path, read_only=True)
    summary = push_store(store.store, target, batch_size=batch_size,
                         progress=lambda g: click.echo(f"{g.triples:>9} triples  {g.graph}"))
    click.echo(f"pushed {summary.triples} triples in {len(summary.graphs)} graphs to {summary.graph_store}")


def main(argv: list[str] | None = None) -> int:
    """Console entry point: runs the command, turns library errors into a one-line message and exit code."""
    try:
        result = cli.main(args=argv, prog_name="kg", standalone_mode=False)
    except KgError as err:
        click.echo(f"kg: error: {err}", err=True)
        return err.exit_code
    except click.exceptions.Abort:
        click.echo("kg: aborted", err=True)
        return 130
    except click.ClickException as err:
        err.show()
        return EXIT_INPUT if err.exit_code == 2 else err.exit_code
    except click.exceptions.Exit as err:
        return err.exit_code
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
