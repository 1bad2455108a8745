"""Every kind of bad input gets one line naming file:line:column, exit code 2, and nothing written."""
from __future__ import annotations

import re
import shutil

import pytest

from kg.cli import main

from kg.store import read_state
from kgtest import MINI_ARTICLE, make_corpus, run_cli, snapshot

# (case id, text to replace in MINI_ARTICLE, replacement, expected line, expected column, words in the message)
CASES = [
    ("yaml-syntax", "    value: 35000\n", "    value: [35000\n", None, None, "YAML syntax error"),
    ("unknown-entity", "subject: tesla\n", "subject: tesla-motors\n", 11, 14, "unknown entity 'tesla-motors'"),
    ("unknown-indicator", "indicator: h100-gpus-held", "indicator: h100-gpu", 12, 16, "unknown indicator"),
    ("wrong-type", "    value: 35000\n", "    value: {amount: 35000}\n", 13, 12, "must be a single value"),
    ("not-a-number", "    value: 35000\n", "    value: 3만5000\n", 13, 12, "must be a number"),
    ("duplicate-fact-id", "  - id: productivity-rank-kr", "  - id: h100-tesla", 21, 9, "duplicate fact id"),
    ("impossible-date", "published: 2025-01-30", "published: 2025-02-30", 6, 14, "not a real calendar date"),
    ("impossible-period", "period: 2024\n", "period: 2024-13\n", 16, 13, "not a real calendar date"),
    ("rank-zero", "    rank: 33\n", "    rank: 0\n", 25, 11, "must be at least 1"),
    ("rank-above-out-of", "out_of: 38", "out_of: 30", 25, 11, "larger than out_of"),
    ("unknown-key", "    kind: observation\n", "    kind: observation\n    colour: red\n", 11, 5,
     "unknown key 'colour'"),
    ("missing-key", "    indicator: h100-gpus-held\n", "", 9, 5, "missing the required key 'indicator'"),
    ("bad-country-code", "    subject: KR\n", "    subject: XK\n", 23, 14, "not an ISO 3166-1 alpha-2"),
    ("attribution-without-source", "    source: oecd\n", "", 27, 18, "no source is given"),
    ("as-written-not-in-evidence", "as_written: 3만5000대", "as_written: 35만대", 14, 17, "does not occur"),
    ("duplicate-key", "    approximate: false\n", "    approximate: false\n    approximate: true\n", 16, 5,
     "duplicate key 'approximate'"),
    ("id-file-mismatch", "  id: mini\n", "  id: other\n", 2, 7, "does not match the file name"),
    # issue 8: inputs that used to end in a traceback (exit 1) or in a message without its place
    ("nesting-10k-deep", "  title: 테슬라 3만5000대\n", "  title: " + "[" * 10_000 + "]" * 10_000 + "\n", 3, 72,
     "nested more than 64 levels deep"),
    ("value-1e1000000", "    value: 35000\n", "    value: 1e1000000\n", 13, 12, "out of range"),
    ("value-1e-1000000", "    value: 35000\n", "    value: 1e-1000000\n", 13, 12, "more than 18 decimal places"),
    ("value-1e25", "    value: 35000\n", "    value: 1e25\n", 13, 12, "within ±10^20"),
    ("value-5000-digits", "    value: 35000\n", "    value: " + "9" * 5000 + "\n", 13, 12, "too many for a number"),
    ("rank-5000-digits", "    rank: 33\n", "    rank: " + "9" * 5000 + "\n", 25, 11, "at most 18 digits"),
    ("title-200k-characters", "  title: 테슬라 3만5000대\n", "  title: " + "a" * 200_000 + "\n", 3, 10,
     "values are limited to 100,000"),
    ("lone-surrogate", "  title: 테슬라 3만5000대\n", '  title: "테슬라 \\ud800"\n', 3, 10, "lone surrogate U+D800"),
    ("nul-character", "  title: 테슬라", "  title: 테\x00슬라", 3, 11, "control character U+0000"),
    ("escape-character", "  title: 테슬라", "  title: 테\x1b슬라", 3, 11, "control character U+001B"),
    ("escaped-control-character", "  title: 테슬라 3만5000대\n", '  title: "a\\x07b"\n', 3, 10,
     "control character U+0007"),
    ("tag-foo", "  title: 테슬라", "  title: !foo 테슬라", 3, 10, "unknown YAML tag '!foo'"),
    ("tag-binary", "  title: 테슬라 3만5000대\n", "  title: !!binary aGVsbG8=\n", 3, 10, "unknown YAML tag '!!binary'"),
    ("tag-python", "  title: 테슬라 3만5000대\n", "  title: !!python/object/apply:os.system [echo]\n", 3, 10,
     "unknown YAML tag '!!python/object/apply:os.system'"),
    ("tag-set-on-a-fact", "  - id: h100-tesla\n", "  - !!set\n    id: h100-tesla\n", 9, 5, "unknown YAML tag '!!set'"),
]


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    """A corpus built once; each case copies it, so only the failing build runs per case."""
    root = tmp_path_factory.mktemp("built")
    data = make_corpus(root)
    code = main(["build", str(data), "--store", str(root / "store"), "-o", str(root / "out"), "--no-html"])
    assert code == 0
    return root


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_fact_sheet_is_rejected_with_its_place(tmp_path, capsys, built_once, case):
    _, old, new, line, column, words = case
    assert old in MINI_ARTICLE
    work = tmp_path / "w"
    shutil.copytree(built_once, work)
    data, store, out = work / "data", work / "store", work / "out"
    before_out, before_state, before_store = snapshot(out), read_state(store), snapshot(store)
    before_facts = run_cli(capsys, "facts", "--store", store, "--format", "csv").out

    (data / "articles" / "mini.yaml").write_text(MINI_ARTICLE.replace(old, new, 1), encoding="utf-8")
    result = run_cli(capsys, "build", data, "--store", store, "-o", out, "--no-html")

    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    match = re.search(r"mini\.yaml:(\d+):(\d+): (.*)$", lines[0])
    assert match, lines[0]
    if line is not None:
        assert (int(match.group(1)), int(match.group(2))) == (line, column), lines[0]
    assert words in match.group(3)
    # nothing written: the outputs, the build state and what the store holds are as they were
    assert snapshot(out) == before_out
    assert read_state(store) == before_state and snapshot(store) == before_store
    assert run_cli(capsys, "facts", "--store", store, "--format", "csv").out == before_facts


def test_registry_error_points_into_the_registry(tmp_path, capsys):
    data = make_corpus(tmp_path)
    path = data / "registries" / "zz-extra.yaml"
    path.write_text("entities:\n  tesla:\n    type: company\n    label: {en: Tesla again}\n", encoding="utf-8")
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o")
    assert result.code == 2
    assert re.search(r"zz-extra\.yaml:2:3: 'tesla' is defined twice", result.err)
    assert not (tmp_path / "o").exists() and not (tmp_path / "s").exists()


def test_missing_path_is_bad_input(tmp_path, capsys):
    result = run_cli(capsys, "build", tmp_path / "nowhere", "--store", tmp_path / "s", "-o", tmp_path / "o")
    assert result.code == 2
    assert "no such file or folder" in result.err


def test_not_utf8(tmp_path, capsys):
    data = make_corpus(tmp_path)
    (data / "articles" / "mini.yaml").write_bytes("title: 한국".encode("euc-kr"))
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o")
    assert result.code == 2
    assert "not valid UTF-8" in result.err


REGISTRY_CASES = [
    ("entities:\n  acme:\n    type: company\n    label: {ko: 애크미}\n", 4, 12, "has no English label"),
    ("entities:\n  acme:\n    type: startup\n    label: {en: Acme}\n", 3, 11, "unknown type 'startup'"),
    ("units:\n  widget: {label: {en: widgets}, kind: pieces}\n", 2, 40, "unknown kind 'pieces'"),
    ("entities:\n  acme:\n    type: company\n    label: {en: Acme}\n    country: Korea\n", 5, 14,
     "'Korea' is not a country code"),
    ("countries:\n  ZZ: {}\n", 2, 3, "not an ISO 3166-1 alpha-2"),
    ("rankings:\n  r:\n    label: {en: R}\n    size: 0\n", 4, 11, "must be at least 1"),
]


@pytest.mark.parametrize("text,line,column,words", REGISTRY_CASES, ids=[c[3] for c in REGISTRY_CASES])
def test_bad_registry_entry(tmp_path, capsys, text, line, column, words):
    data = make_corpus(tmp_path)
    (data / "registries" / "zz-extra.yaml").write_text(text, encoding="utf-8")
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o")
    assert result.code == 2
    assert f"zz-extra.yaml:{line}:{column}: " in result.err and words in result.err, result.err
    assert not (tmp_path / "s").exists()


# ------------------------------------------------------------------------------------------ issue 8, finding 7 and 9

def one_error_line(result) -> str:
    assert "Traceback" not in result.err, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("kg: error: "), lines[0]
    return lines[0]


def test_a_20_mb_title_is_refused_before_it_is_parsed(tmp_path, capsys):
    data = make_corpus(tmp_path, MINI_ARTICLE.replace("테슬라 3만5000대\n", "a" * 20_000_000 + "\n", 1))
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o", "--no-html")
    assert result.code == 2
    assert re.search(r"mini\.yaml: file is 20,000,\d+ bytes; fact sheets and registries are limited to",
                     one_error_line(result))
    assert not (tmp_path / "s").exists() and not (tmp_path / "o").exists()


def test_a_text_dir_file_that_is_not_utf8_is_bad_input_at_its_place(tmp_path, capsys):
    data = make_corpus(tmp_path)
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "mini.txt").write_bytes("첫 줄\n둘째 줄 ".encode() + b"\xff\xfe" + "끝".encode())
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o", "--no-html",
                     "--text-dir", texts)
    assert result.code == 2
    assert re.search(r"texts/mini\.txt:2:6: file is not valid UTF-8 \(byte 0xff\)", one_error_line(result))
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("base,words", [
    ("not an iri/", "no scheme"),
    ("https://example.org/a b/", "a space"),
    ("https://example.org/a<b>/", "U+003C"),
    ("http:///id/", "no host"),
    ("https://[::1/id/", "not a valid IRI"),
    ("https://example.org/id", "must end with '/'"),
])
@pytest.mark.parametrize("command", ["build", "export"])
def test_a_base_that_is_not_an_absolute_iri_is_bad_input(tmp_path, capsys, built_once, base, words, command):
    if command == "build":
        args = ["build", make_corpus(tmp_path), "--store", tmp_path / "s", "-o", tmp_path / "o", "--no-html"]
    else:
        args = ["export", "--format", "turtle", "--store", built_once / "store"]
    result = run_cli(capsys, *args, "--base", base)
    assert result.code == 2
    line = one_error_line(result)
    assert line.startswith("kg: error: --base: base IRI") and words in line, line
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("entities,cycle,line", [
    ("  xx-a:\n    type: company\n    label: {en: A}\n    parent: xx-b\n"
     "  xx-b:\n    type: company\n    label: {en: B}\n    parent: xx-a\n", "xx-a -> xx-b -> xx-a", 9),
    ("  xx-a:\n    type: company\n    label: {en: A}\n    parent: xx-a\n", "xx-a -> xx-a", 5),
    ("  xx-a:\n    type: company\n    label: {en: A}\n    parent: xx-b\n"
     "  xx-b:\n    type: company\n    label: {en: B}\n    parent: xx-c\n"
     "  xx-c:\n    type: company\n    label: {en: C}\n    parent: xx-b\n", "xx-b -> xx-c -> xx-b", 13),
])
def test_parent_cycles_in_the_registries_are_named(tmp_path, capsys, entities, cycle, line):
    data = make_corpus(tmp_path)
    (data / "registries" / "zz-extra.yaml").write_text("entities:\n" + entities, encoding="utf-8")
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o", "--no-html")
    assert result.code == 2
    message = one_error_line(result)
    assert f"zz-extra.yaml:{line}:13: parent cycle: {cycle}" in message, message


def test_a_parent_chain_without_a_cycle_is_accepted(tmp_path, capsys):
    data = make_corpus(tmp_path)
    (data / "registries" / "zz-extra.yaml").write_text(
        "entities:\n  xx-a:\n    type: company\n    label: {en: A}\n    parent: xx-b\n"
        "  xx-b:\n    type: company\n    label: {en: B}\n    parent: tesla\n", encoding="utf-8")
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o", "--no-html")
    assert result.code == 0, result.err


def test_an_unexpected_exception_is_one_line_with_its_own_exit_code(tmp_path, capsys, monkeypatch):
    import kg.build

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(kg.build, "build", broken)
    monkeypatch.delenv("KG_DEBUG", raising=False)
    result = run_cli(capsys, "build", make_corpus(tmp_path), "--store", tmp_path / "s")
    assert result.code == 70
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err
    assert lines[0].startswith("kg: internal error: ZeroDivisionError: division by zero second line (at ")
    assert "this is a bug in kg" in lines[0]


@pytest.mark.parametrize("argv", [
    ["facts", "--article", "a\udcffb"],
    ["query", "facts", "--param", "article=\udcff"],
    ["viz", "--subject", "\udcff", "-o", "v.html"],
    ["export", "--base", "https://example.org/\udcff/"],
])
def test_arguments_that_are_not_utf8_are_bad_input(capsys, built_once, argv):
    # what Python makes of undecodable bytes in argv (surrogateescape); they used to reach pyoxigraph and crash
    result = run_cli(capsys, *argv, "--store", built_once / "store")
    assert result.code == 2
    assert "is not valid UTF-8 (undecodable byte 0xff)" in one_error_line(result)


def test_a_query_file_that_is_not_utf8_is_bad_input(tmp_path, capsys, built_once):
    query = tmp_path / "bad.rq"
    query.write_bytes(b"SELECT * WHERE { ?s ?p ?o } # \xff\n")
    result = run_cli(capsys, "query", query, "--store", built_once / "store")
    assert result.code == 2
    assert "bad.rq: cannot read query file" in one_error_line(result)


def test_an_error_while_results_are_read_is_a_query_error(capsys, built_once):
    # pyoxigraph computes results lazily: a failing SERVICE call raised OSError outside the error handling
    result = run_cli(capsys, "query", "-e", "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
                     "--store", built_once / "store")
    assert result.code == 2
    assert one_error_line(result).startswith("kg: error: <query>: the query failed")


def test_a_registry_file_whose_name_is_not_utf8_is_bad_input(tmp_path, capsys):
    data = make_corpus(tmp_path)
    name = (data / "registries").as_posix().encode() + b"/units-\xff.yaml"
    with open(name, "w", encoding="utf-8") as out:
        out.write("units:\n  widget: {label: {en: widgets}, kind: count}\n")
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o", "--no-html")
    assert result.code == 2
    assert "the file name is not valid UTF-8" in one_error_line(result)


def test_extract_survives_a_figure_with_thousands_of_digits(tmp_path, capsys):
    # int() refuses strings of more than 4,300 digits: the age/decade check of "NNN대" raised ValueError
    text = tmp_path / "long.txt"
    text.write_text("테슬라는 " + "9" * 5000 + "대의 GPU를 보유하고 있다.\n", encoding="utf-8")
    result = run_cli(capsys, "extract", text, "-o", tmp_path / "drafts", "--date", "2025-01-30", "-j", "1")
    assert result.code == 0, result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert (tmp_path / "drafts" / "articles" / "long.yaml").is_file()


def test_extract_turns_control_characters_into_spaces_so_the_draft_loads(tmp_path, capsys):
    from kg.yamlsource import Source

    text = tmp_path / "ctrl.txt"
    text.write_text("테슬라\x00 GPU\x1b 보유 현황\n\n테슬라는 3만5000대의 GPU를\x07 보유하고 있다.\n", encoding="utf-8")
    result = run_cli(capsys, "extract", text, "-o", tmp_path / "drafts", "--date", "2025-01-30", "-j", "1")
    assert result.code == 0, result.err
    draft = Source(tmp_path / "drafts" / "articles" / "ctrl.yaml")  # the loader refuses control characters: it must not fail
    assert draft.root.mapping("draft").require("article").mapping("article").require("title").string("title") == \
        "테슬라  GPU  보유 현황"


def test_extract_leaves_figures_the_loader_would_refuse_to_the_reviewer(tmp_path, capsys):
    from kg.yamlsource import Source

    text = tmp_path / "huge.txt"
    text.write_text("Tesla GPUs\n\nTesla holds 350,000,000,000,000,000,000,000 NVIDIA H100 GPUs, according to Air "
                    "Street Capital.\n\nMeta holds 350,000 NVIDIA H100 GPUs, according to Air Street Capital.\n",
                    encoding="utf-8")
    result = run_cli(capsys, "extract", text, "-o", tmp_path / "drafts", "--date", "2025-01-30", "-j", "1")
    assert result.code == 0, result.err
    draft = Source(tmp_path / "drafts" / "articles" / "huge.yaml").root.mapping("draft")
    facts = draft.require("facts").sequence("facts")
    values = [f.mapping("fact").require("value").decimal("value") for f in facts]
    assert values == [350000]  # every value in the draft loads; the huge one is pending, with the reason
    assert "outside what a fact sheet may hold" in "".join(p.read_text(encoding="utf-8")
                                                          for p in (tmp_path / "drafts").rglob("*.yaml"))
