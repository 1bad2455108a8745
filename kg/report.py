"""What SHACL validation found, as data: ``ValidationResult`` (one problem) and ``ValidationReport`` (all of
one run), with the engines' names. Kept apart from kg.validate (rdflib, pySHACL) so that a build with nothing to
validate reports the results it kept without importing either."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from .errors import InputError

SEVERITIES = ("Violation", "Warning", "Info")
_SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}

ENGINES = ("fast", "pyshacl")
DEFAULT_ENGINE = "fast"


def check_engine(engine: str) -> str:
    """``engine`` if it names a SHACL engine, else an InputError listing the engines."""
    if engine not in ENGINES:
        raise InputError(f"unknown SHACL engine {engine!r}; use one of: {', '.join(ENGINES)}")
    return engine


@dataclass(frozen=True)
class ValidationResult:
    """One problem SHACL found, in terms an analyst can act on."""

    severity: str  # "Violation" | "Warning" | "Info"
    focus: str  # IRI of the node the problem is on
    focus_label: str  # its English label, else a short form of the IRI
    path: str | None  # the property concerned, as a prefixed name
    value: str | None  # the offending value, if any
    message: str  # the rule in plain English (the shape's sh:message)
    shape: str  # the shape that reported it, as a prefixed name (nkgsh:...)
    defined_at: str | None  # "data/articles/x.yaml:42": where the node is defined

    def sort_key(self) -> tuple[object, ...]:
        return (
            _SEVERITY_RANK.get(self.severity, len(SEVERITIES)),
            _location_key(self.defined_at),
            self.focus,
            self.shape,
            _optional_key(self.path),
            _optional_key(self.value),
            self.message,
            # the rest makes the order total, so equal keys never fall back on input order
            self.severity,
            self.focus_label,
            _optional_key(self.defined_at),
        )

    def to_line(self) -> str:
        where = f"{self.defined_at}: " if self.defined_at else ""
        line = f"{where}{self.severity}: {self.focus_label} ({self.focus}): {self.message}"
        if self.path is not None or self.value is not None:
            detail = self.path or "?"
            if self.value is not None:
                detail = f"{detail}={self.value}"
            line = f"{line} [{detail}]"
        return line


@dataclass
class ValidationReport:
    """All results of one validation run. ``conforms`` is true when there is no result of severity Violation."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_results(cls, results: Iterable[ValidationResult]) -> ValidationReport:
        ordered = sorted(set(results), key=ValidationResult.sort_key)
        counts = {name: 0 for name in SEVERITIES}
        for result in ordered:
            counts[result.severity] = counts.get(result.severity, 0) + 1
        return cls(conforms=counts["Violation"] == 0, results=ordered, counts=counts)

    @property
    def violations(self) -> int:
        return self.counts.get("Violation", 0)

    def summary(self) -> str:
        parts = ", ".join(_plural(self.counts.get(name, 0), name.lower()) for name in SEVERITIES)
        verdict = "conforms" if self.conforms else "does not conform"
        return f"SHACL validation: {verdict} ({parts})"

    def to_text(self) -> str:
        lines = [result.to_line() for result in self.results]
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        document = {
            "conforms": self.conforms,
            "counts": dict(self.counts),
            "results": [asdict(result) for result in self.results],
        }
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _location_key(defined_at: str | None) -> tuple[int, str, int]:
    """Sort "a.yaml:9" before "a.yaml:10"; unknown locations last."""
    if not defined_at:
        return (1, "", 0)
    head, _, tail = defined_at.rpartition(":")
    if head and tail.isdigit():
        return (0, head, int(tail))
    return (0, defined_at, 0)


def _optional_key(text: str | None) -> tuple[bool, str]:
    """Absent before present, so None and "" (which render differently) never tie."""
    return (text is not None, text or "")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
