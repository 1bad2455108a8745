"""Property-based fuzzing of everything `kg build` reads: no input may end in a traceback (issue 8, finding 7).

Each example mutates one of the real files in data/ (the first article's fact sheet, a registry, or the article's
text given with --text-dir) — random bytes inserted, deleted or replaced, hostile tokens spliced in (NUL, lone
surrogates, huge numbers, deep nesting, unknown tags, anchors), or a value of the parsed document replaced by a
random YAML structure — and runs `kg build` on it through the CLI in-process. Whatever the input, the exit code must be 0 or 1 (built; 1 = SHACL
violations) or 2 (bad input) with exactly one error line that points at the file and line (`path:line[:column]:
message`), and never a traceback or the internal-error exit code.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kgtest import DATA, SEED_TEXT, run_cli
from sharedfiles import needs

SHEET = "mk-2025-korea-ai-competitiveness.yaml"
REGISTRIES = sorted(p.name for p in (DATA / "registries").glob("*.yaml"))
# exit 2 must be one line naming the file and line (and column where known)
ERROR_LINE = re.compile(r"^kg: error: \S*?\.(yaml|txt):\d+(:\d+)?: \S.*$")

HOSTILE = [
    b"\x00", b"\x07", b"\x1b[31m", b"\x7f", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\xe2\x80\xae",
    b'"\\ud800"', b'"\\udfff x"', b'"\\x00"', b'"\\e"', b"'", b'"', b"\t", b"\r", b"\n", b"\n  - ", b"\n    ",
    b": ", b"- ", b"---\n", b"...\n", b"? ", b"%YAML 1.1\n", b"#", b"&a ", b"*a", b"<<: *a\n", b"&a [*a]",
    b"!foo ", b"!!binary ", b"!!set ", b"!!python/object/apply:os.system ", b"!!str ", b"!!int ", b"!!float ",
    b"!!timestamp ", b"!!null ", b"! ", b"1e1000000", b"-1e-1000000", b"9" * 5000, b"0x1F", b"0o17", b".inf",
    b".nan", b"1_000", b"+12", b"-0", b"2025-13-45", b"0000-00-00", b"99999-01-01", b"~", b"null", b"yes",
    b"true", b"[" * 300, b"{" * 300, b"[" * 20000 + b"]" * 20000, b"{a: " * 500, "한국".encode(), "韓".encode(),
    "\U0001F600".encode(), "e\u0301".encode(), b"\xc2\x85", "\u2028".encode(), "\ufeff".encode(),
]


def mutate_bytes(data: bytes, ops) -> bytes:
    for kind, where, length, payload in ops:
        at = int(where * len(data))
        if kind == "insert":
            data = data[:at] + payload + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + length:]
        else:
            data = data[:at] + payload + data[at + length:]
    return data


_payload = st.one_of(st.sampled_from(HOSTILE), st.binary(min_size=1, max_size=12))
byte_ops = st.lists(st.tuples(st.sampled_from(["insert", "delete", "replace"]), st.floats(0, 1),
                              st.integers(1, 40), _payload), min_size=1, max_size=4)

# Random YAML values: odd text (any code point PyYAML can write, surrogates included), huge and tiny numbers,
# dates, booleans, nesting of lists and mappings with the keys fact sheets and registries really use.
KEYS = ["id", "kind", "subject", "indicator", "value", "unit", "rank", "out_of", "ranking", "group", "period",
        "source", "attribution", "evidence", "text", "start", "end", "as_written", "approximate", "label", "en",
        "ko", "type", "parent", "country", "aliases", "groups", "tier", "size", "publisher", "published", "title",
        "qualifier", "value_high", "inferred", "proposed", "draft"]
_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)
_scalar = st.one_of(
    _text, st.sampled_from(KEYS), st.integers(-10**30, 10**30), st.integers(-5, 40).map(lambda e: f"1e{e * 10**5}"),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(), st.dates().map(str),
    st.decimals(allow_nan=True).map(str), st.sampled_from(["observation", "rank", "membership", "stated", "KR",
                                                           "tesla", "none", "implied"]),
)
yaml_values = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(KEYS), _text), inner, max_size=4)),
    max_leaves=12)


def replace_somewhere(document, value, choices: list[int]):
    """Replace one node of ``document`` (walking down by ``choices``) with ``value``."""
    if not choices or not isinstance(document, (dict, list)) or not document:
        return value
    keys = list(document) if isinstance(document, dict) else list(range(len(document)))
    key = keys[choices[0] % len(keys)]
    document[key] = replace_somewhere(document[key], value, choices[1:])
    return document


def run_build(capsys, target: str, content: bytes, text: bytes | None = None):
    """`kg build` on a copy of data/ whose file ``target`` (articles/… or registries/…) holds ``content``; with
    ``text``, that is the first article's text in --text-dir."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(DATA, data)
        (data / target).write_bytes(content)
        extra = []
        if text is not None:
            (Path(tmp) / "texts").mkdir()
            (Path(tmp) / "texts" / SHEET.replace(".yaml", ".txt")).write_bytes(text)
            extra = ["--text-dir", Path(tmp) / "texts"]
        return run_cli(capsys, "build", data, "--store", Path(tmp) / "store", "-o", Path(tmp) / "out", "--no-html",
                       *extra)


def check_outcome(result, *, record: bool = True) -> None:
    if record:
        event(f"exit {result.code}")  # shown by --hypothesis-show-statistics
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    assert result.code in (0, 1, 2), (result.code, result.err[-2000:])
    if result.code == 2:
        lines = result.err.strip().splitlines()
        assert len(lines) == 1, result.err[-2000:]
        assert ERROR_LINE.match(lines[0]), lines[0][:2000]
        assert len(lines[0]) < 2000, "messages about huge values must stay short"


TARGETS = [f"articles/{SHEET}"] + [f"registries/{name}" for name in REGISTRIES]
_settings = settings(max_examples=120, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                            HealthCheck.function_scoped_fixture])


@pytest.mark.slow
@_settings
@given(target=st.sampled_from(TARGETS), ops=byte_ops)
def test_byte_mutations_of_real_files_never_crash(capsys, target, ops):
    original = (DATA / target).read_bytes()
    check_outcome(run_build(capsys, target, mutate_bytes(original, ops)))


@pytest.mark.slow
@_settings
@given(target=st.sampled_from(TARGETS), value=yaml_values, choices=st.lists(st.integers(0, 50), max_size=6),
       style=st.sampled_from([None, '"', "'"]), flow=st.sampled_from([None, True, False]))
def test_random_values_in_real_documents_never_crash(capsys, target, value, choices, style, flow):
    document = yaml.safe_load((DATA / target).read_text(encoding="utf-8"))
    document = replace_somewhere(document, value, choices)
    try:
        text = yaml.safe_dump(document, allow_unicode=True, default_style=style, default_flow_style=flow,
                              sort_keys=False)
    except yaml.YAMLError:  # PyYAML cannot write this value (e.g. a key it cannot represent): nothing to test
        return
    check_outcome(run_build(capsys, target, text.encode("utf-8", "surrogatepass")))


@pytest.mark.slow
@needs(SEED_TEXT)
@settings(_settings, max_examples=40)
@given(ops=byte_ops)
def test_mutated_article_texts_never_crash(capsys, ops):
    # without text_sha256 the evidence offsets are checked against whatever the text now holds
    sheet = (DATA / "articles" / SHEET).read_bytes()
    sheet = re.sub(rb"\n  text_sha256: [0-9a-f]+", b"", sheet)
    check_outcome(run_build(capsys, f"articles/{SHEET}", sheet, mutate_bytes(SEED_TEXT.read_bytes(), ops)))


@pytest.mark.parametrize("depth", [100, 1_000, 10_000, 100_000])
@pytest.mark.parametrize("opener,closer", [("[", "]"), ("{a: ", "}"), ("- ", "")])
def test_deep_nesting_anywhere_is_one_line(capsys, depth, opener, closer):
    if opener == "- ":  # block sequences nest by indentation (the file grows with depth squared)
        depth = min(depth, 1_000)
        nested = "".join("  " * i + "-\n" for i in range(depth))
        text = f"article:\n  id: x\nfacts:\n{nested}"
    else:
        text = f"article: {opener * depth}x{closer * depth}\n"
    result = run_build(capsys, f"articles/{SHEET}", text.encode())
    assert result.code == 2
    check_outcome(result, record=False)
