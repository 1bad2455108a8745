"""The one exception hierarchy of the package.

Every error says what is wrong and where (``file:line:column`` or the offending term) and carries the
exit code the CLI turns it into. Library code raises these; only ``kg.cli`` turns them into exit codes.

Exit codes (documented in the README):
    0  success, the graph conforms
    1  the graph was built but SHACL found violations
    2  bad input: a fact sheet, registry, parameter, query or option is wrong
    3  the store or an output file could not be read or written
    4  a remote SPARQL server failed or refused
   70  internal error: an unexpected exception (a bug in kg; the CLI prints one line, KG_DEBUG=1 the traceback)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_INPUT = 2
EXIT_STORE = 3
EXIT_REMOTE = 4
EXIT_INTERNAL = 70   # EX_SOFTWARE in sysexits.h: distinct from 1 (violations) and from every documented cause


@dataclass(frozen=True)
class Location:
    """A place in a file: 1-based line and column, either of which may be unknown."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    @classmethod
    def of(cls, path: str | Path, line: int | None = None, column: int | None = None) -> Location:
        return cls(display_path(path), line, column)


def display_path(path: str | Path) -> str:
    """A path as users see it: relative to the working directory when it lies below it."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.as_posix()


class KgError(Exception):
    """Base class. ``str(err)`` is the one-line message shown to the user."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, *, location: Location | None = None, hint: str | None = None):
        self.message = message
        self.location = location
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        text = self.message
        if self.hint:
            text = f"{text}; {self.hint}"
        if self.location is not None:
            text = f"{self.location}: {text}"
        return text


class InputError(KgError):
    """A fact sheet, registry, option, parameter or query is wrong (exit 2)."""

    exit_code = EXIT_INPUT


class QueryError(InputError):
    """A SPARQL query is malformed or a parameter is missing or malformed (exit 2)."""



class StoreError(KgError):
    """The store or an output could not be read or written (exit 3)."""

    exit_code = EXIT_STORE


class RemoteError(KgError):
    """A remote SPARQL server failed, refused or could not be reached (exit 4)."""

    exit_code = EXIT_REMOTE
