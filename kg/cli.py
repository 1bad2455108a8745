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
