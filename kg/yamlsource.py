"""Reading YAML while keeping the file, line and column of every value.

PyYAML's composer gives a node tree with marks; we walk it ourselves instead of constructing Python objects, so
every complaint can point at the exact place in the file. Only the subset of YAML a fact sheet needs is accepted:
mappings with string keys, sequences, and plain or quoted scalars (no anchors across documents, no custom tags).

Hostile or broken files end in an ``InputError`` at file:line:column, never in a crash: files above
``MAX_FILE_BYTES``, nesting deeper than ``MAX_DEPTH``, values longer than ``MAX_SCALAR_CHARS``, control characters
(raw or escaped), lone surrogates (escaped, e.g. ``"\\ud800"``) and tags other than YAML's plain ones
(``!foo``, ``!!binary``, ``!!python/...``) are refused while the file is composed.

Speed: when PyYAML has its libyaml extension (0.2.5+), a file is composed by libyaml's C composer (same line and
column marks, 2-3 times faster than PyYAML's pure-Python composer). The composer asks PyYAML's resolver for
every node's tag: for a text with no tag and no alias written in it, the checks on each value are made there (or
once on the whole text, when it has no backslash: no escape can then put a refused character in a value) and
plain scalars' tags are remembered (``_CheckingLoader``), and only the collections are walked afterwards (depth,
and PyYAML's style of plain scalars); any other text's node tree is walked once for all the checks above. Anything that path cannot decide exactly as the Python one is composed again by the Python composer,
which gives the error with its exact place, or the same tree: a YAML error, an alias, a tag outside the allow-list
(or one the resolver gives a plain ``<<`` or ``=``), a value or a depth over the limits, a tab anywhere (libyaml
accepts tabs where PyYAML refuses them), a byte-order mark after the start (libyaml counts it as a column, PyYAML
does not), an empty value (the two mark it differently). So every error comes from the Python path, and a file
both accept gives an identical tree. The one difference left: libyaml accepts a few spellings of valid YAML that
PyYAML's scanner refuses (``[a,? b]``, a ``?`` straight after a comma in a flow list); without libyaml they are
syntax errors.
"""
from __future__ import annotations

import datetime as dt
import functools
import os
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import yaml

from .errors import InputError, Location

if TYPE_CHECKING:
    import yaml._yaml   # libyaml's binding: present only where PyYAML was built with it

    # where an event or node starts: PyYAML's marks, or libyaml's (the C composer)
    Mark: TypeAlias = yaml.error.Mark | yaml._yaml.Mark

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_STR_TAG = "tag:yaml.org,2002:str"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"

_DECIMAL_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")

# Limits that keep absurd input from exhausting memory or the stack (docs/security.md, "Input hardening").
MAX_FILE_BYTES = 8 * 1024 * 1024   # a fact sheet is a few KB; a registry of 50,000 entities about 5 MB
MAX_DEPTH = 64                   # a fact sheet needs 6 levels
MAX_SCALAR_CHARS = 100_000       # one value (a title, an evidence sentence); the store's limit is 16 MB per term
MAX_INTEGER_DIGITS = 18          # ranks, sizes, offsets: 64-bit integers in the store
MAX_DECIMAL_NUMBER_CHARS = 60    # the written form of a value, before it is even parsed
# xsd:decimal as the store computes with it (Oxigraph: 128-bit, 18 fractional digits): values outside this
# range could be stored but not compared, summed or sorted, so they are refused (magnitude below 10^20).
MAX_DECIMAL_PLACES = 18
# Tags a fact sheet may spell out; everything else (!foo, !!binary, !!set, !!python/...) is refused.
ALLOWED_TAGS = frozenset(f"tag:yaml.org,2002:{name}"
                         for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map"))
# What YAML itself forbids in a file (as PyYAML's reader does), and what we forbid inside values.
_NOT_IN_FILE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]")
_SURROGATES = re.compile("[\uD800-\uDFFF]")
_NOT_IN_VALUE = re.compile("[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uD800-\uDFFF\uFFFE\uFFFF]")


_DECIMAL_RANGE_HINT = (f"values must lie within ±10^20 with at most {MAX_DECIMAL_PLACES} decimal places (what the "
                       "store computes with exactly); use a larger unit for larger figures")


def decimal_problem(value: Decimal) -> str | None:
    """Why ``value`` cannot be a fact sheet number (outside ±10^20 or more than 18 decimal places), or None.

    Looks at exponent and digits only: Decimal arithmetic on 1e1000000 would overflow."""
    if not value.is_finite():
        return "is not a number"
    if value and value.adjusted() >= 20:
        return "is out of range"
    if value and _strip_zeros(value) > MAX_DECIMAL_PLACES:
        return f"has more than {MAX_DECIMAL_PLACES} decimal places"
    return None


def _strip_zeros(value: Decimal) -> int:
    """Decimal places of ``value`` once trailing zeros are dropped (without Decimal arithmetic)."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):   # 'n', 'N', 'F': NaN and infinity have no decimal places
        return 0
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing))


def shown(value: str, limit: int = 60) -> str:
    """``repr(value)``, cut to about ``limit`` characters so that a message about a huge value stays short."""
    return repr(value) if len(value) <= limit else repr(value[:limit]) + f"... ({len(value):,} characters)"


def _char_name(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate U+{code:04X} (not valid Unicode)"
    return f"the control character U+{code:04X}"


def line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


class _Refused(Exception):
    """Raised inside the composer; turned into an InputError at the mark."""

    def __init__(self, message: str, mark: Mark | None, hint: str | None = None):
        super().__init__(message)
        self.message, self.mark, self.hint = message, mark, hint


def _show_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


class _Loader(yaml.SafeLoader):
    """PyYAML's safe composer with a nesting limit, a tag allow-list and checks on every scalar."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
        if self._depth >= MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark,
                           "fact sheets and registries need only a few levels")
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and tag not in ALLOWED_TAGS:
            raise _Refused(f"unknown YAML tag {_show_tag(tag)!r}", event.start_mark,
                           "remove the tag: fact sheets hold plain text, numbers, lists and mappings")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_scalar_node(self, anchor: dict[Any, yaml.Node]) -> yaml.ScalarNode:
        node = super().compose_scalar_node(anchor)
        value = node.value
        if len(value) > MAX_SCALAR_CHARS:
            raise _Refused(f"this value is {len(value):,} characters long; values are limited to "
                           f"{MAX_SCALAR_CHARS:,}", node.start_mark, "shorten it")
        bad = _NOT_IN_VALUE.search(value)
        if bad:
            raise _Refused(f"this value contains {_char_name(bad.group())}", node.start_mark, "remove it")
        return node


def _libyaml_usable() -> bool:
    """libyaml is there and refuses nesting beyond 1,000 levels (0.2.5+), so its recursive composer is safe."""
    if not getattr(yaml, "__with_libyaml__", False):
        return False
    try:
        from yaml import _yaml
        return tuple(_yaml.get_version()) >= (0, 2, 5)
    except (ImportError, AttributeError):  # pragma: no cover - a PyYAML built without the extension
        return False


# Whether ``Source`` composes with libyaml first; tests set it to False to force the pure-Python path.
USE_LIBYAML = _libyaml_usable()


class _Undecided(Exception):
    """Raised inside libyaml's composer (by ``_CheckingLoader.resolve``): the Python composer must decide."""


_SEQ_TAG, _MAP_TAG = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_PLAIN_TAGS: dict[str, str] = {}   # a short plain scalar -> the tag PyYAML's resolver gives it (an allowed one)
_MAX_PLAIN_TAGS = 1 << 16
_resolve = yaml.resolver.BaseResolver.resolve


if getattr(yaml, "__with_libyaml__", False):   # PyYAML built with libyaml (else _compose_fast is not used)
    class _CheckingLoader(yaml.CSafeLoader):
        """libyaml's C composer, which calls ``resolve`` for every node it makes: the checks of ``_Loader`` on a
        scalar's value happen there (``_Undecided`` when one fails), and a plain scalar's tag is PyYAML's resolver's,
        remembered for the short values that repeat (keys, kinds, codes, numbers). The safe loader has no path
        resolvers, so the composer's calls to descend into and ascend from a node have nothing to do."""

        def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
            if kind is yaml.ScalarNode:
                if len(value) > MAX_SCALAR_CHARS or _NOT_IN_VALUE.search(value):
                    raise _Undecided
                if not implicit[0]:   # quoted (or tagged with a bare '!'): a string, as PyYAML's resolver says
                    return _STR_TAG
                tag = _PLAIN_TAGS.get(value)
                if tag is None:
                    if not value:   # an empty node: libyaml and PyYAML put its mark in different places
                        raise _Undecided
                    # PyYAML's resolver (untyped in types-PyYAML)
                    tag = str(_resolve(self, kind, value, implicit))  # type: ignore[no-untyped-call]
                    if tag not in ALLOWED_TAGS:   # a plain '<<' or '=' (merge and value keys)
                        raise _Undecided
                    if len(value) <= 64 and len(_PLAIN_TAGS) < _MAX_PLAIN_TAGS:
                        _PLAIN_TAGS[value] = tag
                return tag
            return _SEQ_TAG if kind is yaml.SequenceNode else _MAP_TAG

        def descend_resolver(self, current_node: yaml.Node | None, current_index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass

    class _CleanTextLoader(_CheckingLoader):
        """``_CheckingLoader`` for a text with no backslash and nothing ``_NOT_IN_VALUE`` refuses, no longer than
        a value may be: a scalar can then hold only the text's characters and the line breaks and spaces that
        folding makes (escapes need a backslash), so its value needs no check (a tenth of a sheet's load)."""

        def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
            if kind is yaml.ScalarNode:
                if not implicit[0]:
                    return _STR_TAG
                tag = _PLAIN_TAGS.get(value)
                if tag is None:
                    return super().resolve(kind, value, implicit)
                return tag
            return _SEQ_TAG if kind is yaml.SequenceNode else _MAP_TAG


def _compose_fast(text: str) -> yaml.Node | Literal[False] | None:
    """The node tree libyaml's C composer makes of ``text``, or False when the Python composer must decide
    (any YAML error, an alias, or anything the checks in ``_Loader`` would refuse)."""
    # libyaml counts a byte-order mark inside the text as a column, PyYAML does not; libyaml accepts tabs in
    # places where PyYAML refuses them ("found character '\t' that cannot start any token")
    if text.find("\ufeff", 1) >= 0 or "\t" in text:
        return False
    if "!" not in text and "*" not in text:
        # no tag is written and no node is an alias: the checks on values and tags were made as the nodes were
        # composed (_CheckingLoader); what is left is the depth and the plain scalars' style
        return _compose_checked(text)
    loader = yaml.CSafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError:
        return False
    finally:
        loader.dispose()
    if root is None:
        return None
    seen: set[int] = set()
    stack = [(root, 0)]
    allowed, scalar_type, limit, bad_char = ALLOWED_TAGS, yaml.ScalarNode, MAX_SCALAR_CHARS, _NOT_IN_VALUE.search
    while stack:
        node, depth = stack.pop()
        if depth >= MAX_DEPTH or node.tag not in allowed or id(node) in seen:
            return False
        seen.add(id(node))
        if type(node) is scalar_type:
            value = node.value
            if len(value) > limit or bad_char(value):
                return False
            if not node.style:  # libyaml marks a plain scalar with '', PyYAML (and the checks here) with None
                if not value:  # an empty node: libyaml and PyYAML put its mark in different places
                    return False
                node.style = None
        elif type(node) is yaml.SequenceNode:
            stack.extend((child, depth + 1) for child in reversed(node.value))
        else:
            for key, value in reversed(node.value):
                stack.append((value, depth + 1))
                stack.append((key, depth + 1))
    return root


def _compose_checked(text: str) -> yaml.Node | Literal[False] | None:
    """``_compose_fast`` for a text without tags or aliases (every tag is the resolver's: ``_CheckingLoader``)."""
    clean = len(text) <= MAX_SCALAR_CHARS and "\\" not in text and not _NOT_IN_VALUE.search(text)
    loader = _CleanTextLoader(text) if clean else _CheckingLoader(text)
    try:
        root = loader.get_single_node()
    except (yaml.YAMLError, _Undecided):
        return False
    finally:
        loader.dispose()
    if root is None:
        return None
    scalar = yaml.ScalarNode
    if type(root) is scalar:
        if not root.style:   # libyaml marks a plain scalar with '', PyYAML with None
            root.style = None
        return root
    # the collections only, each with its depth: a scalar is finished where its parent is looked at
    stack: list[tuple[yaml.Node, int]] = [(root, 0)]
    deepest = MAX_DEPTH - 1   # a collection this deep cannot have children
    while stack:
        node, depth = stack.pop()
        if depth >= deepest and node.value:
            return False
        children = node.value if type(node) is yaml.SequenceNode else [n for pair in node.value for n in pair]
        for child in children:
            if type(child) is scalar:
                if not child.style:
                    child.style = None
            else:
                stack.append((child, depth + 1))
    return root


def compose(text: str, *, fast: bool | None = None) -> yaml.Node | None:
    """The checked node tree of ``text`` (None for an empty document); ``_Refused`` or a PyYAML error otherwise.

    ``fast`` (default ``USE_LIBYAML``) tries libyaml's C composer first; the result is the same either way."""
    if USE_LIBYAML if fast is None else fast:
        root = _compose_fast(text)
        if root is not False:
            return root
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


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


def _resolved(path: Path) -> str:
    """``str(Path(path).resolve())`` with the folder resolved once (a path resolution looks at every part of the
    path, a dozen ``lstat`` calls per fact sheet); a symbolic link is resolved in full."""
    text = os.fspath(path)
    if os.path.islink(text):
        return str(Path(path).resolve())
    folder, name = os.path.split(text)
    if not name or name in (".", ".."):
        return str(Path(path).resolve())
    return os.path.join(_resolved_folder(folder, os.getcwd()), name)


@functools.lru_cache(maxsize=256)
def _resolved_folder(folder: str, cwd: str) -> str:
    return str(Path(cwd, folder).resolve())


class Source:
    """One YAML file: its path (as shown to users) and its parsed node tree."""

    def __init__(self, path: Path, text: str | None = None):
        self.path = path
        self.data_path: str | None = None   # how the graph names the file (kg.load.data_path), once asked
        if _SURROGATES.search(_resolved(path)):  # undecodable bytes in the name (surrogateescape)
            raise InputError("the file name is not valid UTF-8", location=Location.of(path),
                             hint="rename it (its path is recorded in the graph as text)")
        self.data: bytes | None = None   # the file's bytes, when they were read here (``text`` as UTF-8)
        if text is None:
            self.data = read_file_bytes(path, MAX_FILE_BYTES, "fact sheets and registries")
            text = decode_utf8(self.data, path)
        self.text = text
        bad = _NOT_IN_FILE.search(text)
        if bad:
            line, column = line_column(text, bad.start())
            raise InputError(f"{_char_name(bad.group())} is not allowed in YAML",
                             location=Location.of(path, line, column), hint="remove it")
        try:
            root = compose(text)
        except _Refused as exc:
            raise InputError(exc.message, location=self._loc(exc.mark), hint=exc.hint) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = (exc.problem or exc.context or "syntax error").strip()
            raise InputError(f"YAML syntax error: {problem}",
                             location=self._loc(mark) if mark else Location.of(path),
                             hint="fix the YAML syntax (indentation, quotes, colons)") from exc
        except yaml.YAMLError as exc:
            raise InputError("YAML error: " + " ".join(str(exc).split()), location=Location.of(path)) from exc
        if root is None:
            raise InputError("file is empty", location=Location.of(path, 1, 1))
        self.root = Node(self, root)

    def _loc(self, mark: Mark | None) -> Location:
        if mark is None:
            return Location.of(self.path)
        return Location.of(self.path, mark.line + 1, mark.column + 1)

    def plain(self) -> Any:
        """The file's values as plain Python objects: what ``yaml.safe_load`` makes of the same text (dicts, lists,
        str, int, float, bool, None, dates), from the tree checked here. For readers that take a fact sheet or
        registry as data rather than through the typed accessors (scoring drafts, merging proposals)."""
        return yaml.constructor.SafeConstructor().construct_document(self.root.node)


def read_plain(path: Path, text: str | None = None) -> Any:
    """The values of the YAML file ``path`` (or of ``text``, named ``path`` in errors) as plain Python objects,
    read by ``Source``: the same limits, and every problem an ``InputError`` at file:line:column."""
    return Source(Path(path), text).plain()


def read_text_file(path: Path, limit: int, what: str) -> str:
    """The UTF-8 text of ``path``; InputError (with the line and column of a bad byte) when it cannot be read,
    is larger than ``limit`` bytes, or is not UTF-8."""
    return decode_utf8(read_file_bytes(path, limit, what), path)


def read_file_bytes(path: Path, limit: int, what: str) -> bytes:
    """The bytes of ``path``; InputError when it cannot be read or is larger than ``limit`` bytes."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"file is {size:,} bytes; {what} are limited to {limit:,}",
                             location=Location.of(path), hint="split it or shorten it")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", location=Location.of(path)) from None
    return data


def decode_utf8(data: bytes, path: Path) -> str:
    """``data`` decoded as UTF-8; InputError at the line and column of the first bad byte otherwise."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[:exc.start].decode("utf-8", "replace")
        line, column = line_column(before, len(before))
        raise InputError(f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                         location=Location.of(path, line, column), hint="save it as UTF-8") from None


class Node:
    """A YAML node with its place in the file and typed accessors that fail with file:line:column."""

    __slots__ = ("node", "source")   # a sheet makes a few hundred

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
    def mapping(self, what: str) -> Mapping:
        if not isinstance(self.node, yaml.MappingNode):
            raise self.fail(f"{what} must be a mapping (key: value lines), found {self._kind()}")
        return Mapping(self, what)

    def sequence(self, what: str) -> list[Node]:
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
        return shown(self.node.value)

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
            raise self.fail(f"{what} must be text, found {shown(node.value)}", hint="quote it")
        value: str = node.value
        return value

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
        raise self.fail(f"{what} must be true or false, found {shown(node.value)}")

    def decimal(self, what: str) -> Decimal:
        node = self._scalar(what)
        raw = node.value.strip().replace("_", "") if node.tag in (_INT_TAG, _FLOAT_TAG, _STR_TAG) else None
        value = None
        if raw is not None and len(raw) <= MAX_DECIMAL_NUMBER_CHARS and _DECIMAL_RE.match(raw):
            try:
                value = Decimal(raw)
            except InvalidOperation:  # pragma: no cover - the regex admits only valid literals
                value = None
        elif raw is not None and _DECIMAL_RE.match(raw):
            raise self.fail(f"{what} is written with {len(raw):,} characters, too many for a number",
                            hint=_DECIMAL_RANGE_HINT)
        if value is not None and value.is_finite():
            problem = decimal_problem(value)
            if problem:
                raise self.fail(f"{what} {node.value.strip()} {problem}", hint=_DECIMAL_RANGE_HINT)
            return value
        raise self.fail(f"{what} must be a number, found {shown(node.value)}",
                        hint="write a plain number such as 35000 or 44.4 (no units, no 만/억, no thousands separators)")

    def integer(self, what: str, *, minimum: int | None = None) -> int:
        node = self._scalar(what)
        digits = node.value.replace("_", "")
        if node.tag != _INT_TAG or not re.fullmatch(r"[+-]?\d+", digits):
            raise self.fail(f"{what} must be a whole number, found {shown(node.value)}")
        if len(digits.lstrip("+-").lstrip("0")) > MAX_INTEGER_DIGITS:
            raise self.fail(f"{what} is out of range: whole numbers have at most {MAX_INTEGER_DIGITS} digits")
        value = int(digits)
        if minimum is not None and value < minimum:
            raise self.fail(f"{what} must be at least {minimum}, found {value}",
                            hint="ranks and counts of ranked items start at 1" if minimum == 1 else None)
        return value

    def date(self, what: str) -> dt.date:
        node = self._scalar(what)
        match = _PERIOD_RE.match(node.value.strip())
        if not match or not match.group(3):
            raise self.fail(f"{what} must be a date YYYY-MM-DD, found {shown(node.value)}")
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
                            f"found {shown(node.value)}")
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

    __slots__ = ("_items", "node", "what")

    def __init__(self, node: Node, what: str):
        self.node = node
        self.what = what
        # name -> (key's YAML node, value): a key's Node is made only when it is asked for (mostly, to fail)
        self._items: dict[str, tuple[yaml.Node, Node]] = {}
        source = node.source
        for key_node, value_node in node.node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise Node(source, key_node).fail(f"keys in {what} must be plain names")
            name = str(key_node.value)
            if name in self._items:
                first = self._items[name][0].start_mark.line + 1
                raise Node(source, key_node).fail(f"duplicate key {name!r} in {what} (first at line {first})",
                                                  hint="remove or rename one of them")
            self._items[name] = (key_node, Node(source, value_node))

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def keys(self) -> list[str]:
        return list(self._items)

    def items(self) -> Iterator[tuple[str, Node, Node]]:
        source = self.node.source
        for name, (key, value) in self._items.items():
            yield name, Node(source, key), value

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
                raise self.key_node(key).fail(f"{self.what}: {key!r} has no value")
            raise self.node.fail(f"{self.what} is missing the required key {key!r}")
        return value

    def key_node(self, key: str) -> Node:
        return Node(self.node.source, self._items[key][0])

    def check_keys(self, allowed: set[str] | frozenset[str]) -> None:
        for name in self._items:
            if name not in allowed:
                close = sorted(allowed)
                raise self.key_node(name).fail(f"unknown key {name!r} in {self.what}",
                                               hint=f"allowed keys are: {', '.join(close)}")
