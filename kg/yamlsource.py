"""Reading YAML while keeping the file, line and column of every value.

PyYAML's composer gives a node tree with marks; we walk it ourselves instead of constructing Python objects, so
every complaint can point at the exact place in the file. Only the subset of YAML a fact sheet needs is accepted:
mappings with string keys, sequences, and plain or quoted scalars (no anchors across documents, no custom tags).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator

import yaml

from .errors import InputError, Location

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_STR_TAG = "tag:yaml.org,2002:str"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

_DECIMAL_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_PERIOD_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class Period:
    """A year, a year-month or a date that a fact refers to."""

    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def precision(self) -> str:
        return "year" if self.month is None else "month" if self.day is None else "day"


class Source:
    """One YAML file: its path (as shown to users) and its parsed node tree."""

    def __init__(self, path: Path, text: str | None = None):
        self.path = path
        try:
            self.text = text if text is not None else path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("file is not valid UTF-8", location=Location.of(path),
                             hint="save it as UTF-8") from exc
        except OSError as exc:
            raise InputError(f"cannot read file: {exc.strerror or exc}", location=Location.of(path)) from exc
        try:
            root = yaml.compose(self.text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = (exc.problem or exc.context or "syntax error").strip()
            raise InputError(f"YAML syntax error: {problem}",
                             location=self._loc(mark) if mark else Location.of(path),
                             hint="fix the YAML syntax (indentation, quotes, colons)") from exc
        except yaml.YAMLError as exc:
            raise InputError(f"YAML error: {exc}", location=Location.of(path)) from exc
        if root is None:
            raise InputError("file is empty", location=Location.of(path, 1, 1))
        self.root = Node(self, root)

    def _loc(self, mark) -> Location:
        return Location.of(self.path, mark.line + 1, mark.column + 1)


class Node:
    """A YAML node with its place in the file and typed accessors that fail with file:line:column."""

    def __init__(self, source: Source, node: yaml.Node):
        self.source = source
        self.node = node

    @property
    def location(self) -> Location:
        return self.source._loc(self.node.start_mark)

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    def fail(self, message: str, hint: str | None = None) -> InputError:
        return InputError(message, location=self.location, hint=hint)

    # --- shapes -----------------------------------------------------------------------------------------
    def mapping(self, what: str) -> "Mapping":
        if not isinstance(self.node, yaml.MappingNode):
            raise self.fail(f"{what} must be a mapping (key: value lines), found {self._kind()}")
        return Mapping(self, what)

    def sequence(self, what: str) -> list["Node"]:
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.fail(f"{what} must be a list, found {self._kind()}")
        return [Node(self.source, child) for child in self.node.value]

    def _kind(self) -> str:
        if isinstance(self.node, yaml.MappingNode):
            return "a mapping"
        if isinstance(self.node, yaml.SequenceNode):
            return "a list"
        if self.node.tag == _NULL_TAG:
            return "nothing"
        return f"{self.node.value!r}"

    def _scalar(self, what: str) -> yaml.ScalarNode:
        if not isinstance(self.node, yaml.ScalarNode):
            raise self.fail(f"{what} must be a single value, found {self._kind()}")
        return self.node

    # --- scalars ----------------------------------------------------------------------------------------
    def string(self, what: str) -> str:
        node = self._scalar(what)
        if node.tag == _NULL_TAG or (node.style is None and node.value == ""):
            raise self.fail(f"{what} is empty", hint="give a value")
        if node.tag in (_BOOL_TAG,) and node.style is None:
            raise self.fail(f"{what} must be text, found {node.value!r}", hint="quote it")
        return node.value

    def text_or_number(self, what: str) -> str:
        """A scalar read as text even when YAML would see a number or date (as_written, ids of numbers)."""
        node = self._scalar(what)
        if node.tag == _NULL_TAG:
            raise self.fail(f"{what} is empty", hint="give a value")
        return str(node.value)

    def boolean(self, what: str) -> bool:
        node = self._scalar(what)
        if node.tag == _BOOL_TAG and node.style is None:
            return node.value.lower() in ("true", "yes", "on")
        raise self.fail(f"{what} must be true or false, found {node.value!r}")

    def decimal(self, what: str) -> Decimal:
        node = self._scalar(what)
        raw = node.value.strip().replace("_", "") if node.tag in (_INT_TAG, _FLOAT_TAG, _STR_TAG) else None
        if raw is not None and _DECIMAL_RE.match(raw):
            try:
                value = Decimal(raw)
            except InvalidOperation:  # pragma: no cover - the regex admits only valid literals
                value = None
            if value is not None and value.is_finite():
                return value
        raise self.fail(f"{what} must be a number, found {node.value!r}",
                        hint="write a plain number such as 35000 or 44.4 (no units, no 만/억, no thousands separators)")

    def integer(self, what: str, *, minimum: int | None = None) -> int:
        node = self._scalar(what)
        if node.tag != _INT_TAG or not re.fullmatch(r"[+-]?\d+", node.value.replace("_", "")):
            raise self.fail(f"{what} must be a whole number, found {node.value!r}")
        value = int(node.value.replace("_", ""))
        if minimum is not None and value < minimum:
            raise self.fail(f"{what} must be at least {minimum}, found {value}",
                            hint="ranks and counts of ranked items start at 1" if minimum == 1 else None)
        return value

    def date(self, what: str) -> dt.date:
        node = self._scalar(what)
        match = _PERIOD_RE.match(node.value.strip())
        if not match or not match.group(3):
            raise self.fail(f"{what} must be a date YYYY-MM-DD, found {node.value!r}")
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError as exc:
            raise self.fail(f"{what} {node.value!r} is not a real calendar date ({exc})",
                            hint="check the month and day") from exc

    def period(self, what: str) -> Period:
        node = self._scalar(what)
        match = _PERIOD_RE.match(node.value.strip())
        if not match:
            raise self.fail(f"{what} must be a year (2024), year-month (2024-10) or date (2024-10-07), "
                            f"found {node.value!r}")
        year = int(match.group(1))
        month = int(match.group(2)) if match.group(2) else None
        day = int(match.group(3)) if match.group(3) else None
        try:
            dt.date(year, month or 1, day or 1)
        except ValueError as exc:
            raise self.fail(f"{what} {node.value!r} is not a real calendar date ({exc})",
                            hint="check the month and day") from exc
        return Period(year, month, day)


class Mapping:
    """A YAML mapping: duplicate keys are rejected, unknown keys are reported with their place."""

    def __init__(self, node: Node, what: str):
        self.node = node
        self.what = what
        self._items: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.node.value:
            key = Node(node.source, key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                raise key.fail(f"keys in {what} must be plain names")
            name = str(key_node.value)
            if name in self._items:
                first = self._items[name][0].line
                raise key.fail(f"duplicate key {name!r} in {what} (first at line {first})",
                               hint="remove or rename one of them")
            self._items[name] = (key, Node(node.source, value_node))

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def keys(self) -> list[str]:
        return list(self._items)

    def items(self) -> Iterator[tuple[str, Node, Node]]:
        for name, (key, value) in self._items.items():
            yield name, key, value

    def get(self, key: str) -> Node | None:
        item = self._items.get(key)
        if item is None:
            return None
        value = item[1]
        if isinstance(value.node, yaml.ScalarNode) and value.node.tag == _NULL_TAG and value.node.style is None:
            return None
        return value

    def require(self, key: str) -> Node:
        value = self.get(key)
        if value is None:
            if key in self._items:
                raise self._items[key][0].fail(f"{self.what}: {key!r} has no value")
            raise self.node.fail(f"{self.what} is missing the required key {key!r}")
        return value

    def key_node(self, key: str) -> Node:
        return self._items[key][0]

    def check_keys(self, allowed: set[str] | frozenset[str]) -> None:
        for name, key, _ in self.items():
            if name not in allowed:
                close = sorted(allowed)
                raise key.fail(f"unknown key {name!r} in {self.what}",
                               hint=f"allowed keys are: {', '.join(close)}")
