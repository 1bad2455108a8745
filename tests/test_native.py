"""The extraction rules compiled with mypyc (kg/native.py, `kg compile`): the same drafts as the Python sources, used
only when compiled from exactly the sources present, and one-line errors when compiling cannot happen.

The comparison needs a compiled build of the current sources (`python3 dev.py test` makes one in a fresh clone,
`python3 dev.py native` after an edit). Without one it is skipped, except when KG_REQUIRE_NATIVE=1 (CI): then it
fails, so CI cannot pass without checking the compiled rules.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg import native
from kgtest import run_cli
from sharedfiles import CORPUS, SEED_TEXT

ROOT = Path(__file__).resolve().parent.parent

# drafts every text of the evaluation sets, the first article and the real corpus; prints whether the compiled rules
# ran, then every draft, pending list, proposal list and warning
DRAFT_ALL = """
import datetime as dt, json, sys
from pathlib import Path
from kg.extract import RULES_STATUS, extract_many
from kg.extract.draft import dump_yaml
from kg.load import load_registries
import kg.extract.engine as engine
root = Path(sys.argv[1])
paths = [Path(p) for p in json.loads(sys.argv[2])]
registry = load_registries([root / "data" / "registries", root / "eval" / "registries"])
print(json.dumps({"in_use": RULES_STATUS.in_use, "engine": engine.__file__}))
for article, draft in extract_many(paths, registry, date=dt.date(2025, 1, 30)):
    print("=====", article.path.name)
    print(draft.to_yaml(), draft.pending_yaml(), dump_yaml(draft.proposals), draft.warnings, sep="\\n----\\n")
"""


def _texts() -> list[Path]:
    texts = sorted(p for d in ("eval/articles", "eval-test/articles", "eval-final/articles")
                   for p in (ROOT / d).glob("*") if p.suffix in {".txt", ".html", ".md"})
    texts += sorted(CORPUS.glob("*.txt")) + ([SEED_TEXT] if SEED_TEXT.is_file() else [])
    return texts


def _draft_all(env: dict[str, str]) -> tuple[dict[str, object], str]:
    proc = subprocess.run([sys.executable, "-c", DRAFT_ALL, str(ROOT), json.dumps([str(p) for p in _texts()])],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    head, _, drafts = proc.stdout.partition("\n")
    return json.loads(head), drafts


def test_compiled_rules_draft_byte_for_byte_what_the_python_rules_draft() -> None:
    if not native.STATUS.in_use:
        reason = f"the compiled rules are not in use ({native.STATUS.reason}); python3 dev.py native compiles them"
        if os.environ.get("KG_REQUIRE_NATIVE") == "1":
            pytest.fail(f"{reason} (KG_REQUIRE_NATIVE=1)", pytrace=False)
        pytest.skip(reason)
    env = {k: v for k, v in os.environ.items() if k != native.ENV_SWITCH}
    compiled, compiled_drafts = _draft_all(env)
    python, python_drafts = _draft_all({**env, native.ENV_SWITCH: "0"})
    assert compiled["in_use"] and str(compiled["engine"]).endswith(".so")
    assert not python["in_use"] and str(python["engine"]).endswith(".py")
    assert compiled_drafts.count("=====") == len(_texts()) > 40
    if compiled_drafts != python_drafts:        # the first line that differs, not two megabytes of text
        for n, (a, b) in enumerate(zip(compiled_drafts.splitlines(), python_drafts.splitlines(), strict=False)):
            assert a == b, f"line {n + 1}: compiled {a!r}, Python {b!r}"
        assert compiled_drafts == python_drafts


def _status_in(env: dict[str, str]) -> dict[str, object]:
    code = ("import json, kg.extract, kg.extract.engine as e; "
            "print(json.dumps({'in_use': kg.extract.RULES_STATUS.in_use, 'reason': kg.extract.RULES_STATUS.reason, "
            "'engine': e.__file__}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def test_a_build_of_other_sources_is_never_loaded(tmp_path: Path) -> None:
    # a build whose key is not the current sources' (an edit since): its manifest names a file that cannot load, so
    # loading it at all would fail the import
    stale = tmp_path / ("0" * 24)
    stale.mkdir()
    (stale / "nothing.so").write_bytes(b"not an extension module")
    (stale / native.MANIFEST).write_text(json.dumps({"files": {"kg.extract.engine": "nothing.so"}}), encoding="utf-8")
    env = {**os.environ, native.ENV_DIR: str(tmp_path)}
    env.pop(native.ENV_SWITCH, None)
    status = _status_in(env)
    assert status["in_use"] is False and "not compiled for these sources" in str(status["reason"])
    assert str(status["engine"]).endswith("engine.py")
    # the same broken build under the current key is loaded (and fails): the key is what decides
    stale.rename(tmp_path / native.source_key())
    proc = subprocess.run([sys.executable, "-c", "import kg.extract"], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=False)
    assert proc.returncode != 0 and "nothing.so" in proc.stderr
    # and NEWSKG_NATIVE=0 turns it off
    status = _status_in({**env, native.ENV_SWITCH: "0"})
    assert status["in_use"] is False and "NEWSKG_NATIVE=0" in str(status["reason"])


def test_the_key_changes_with_any_compiled_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = native.source_key()
    copy = tmp_path / "kg"
    (copy / "extract").mkdir(parents=True)
    for name, path in native.compiled_sources():
        target = copy / Path(*name.split(".")[1:]).with_suffix(".py")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    monkeypatch.setattr(native, "PACKAGE", copy)
    monkeypatch.setattr(native, "RULES", copy / "extract")
    assert native.source_key() == key
    weights = copy / "extract" / "weights.py"
    text = weights.read_bytes()
    weights.write_bytes(text[:-1] + b" ")           # one byte changed, the length kept: the text itself is hashed
    assert native.source_key() != key


def test_compile_without_mypyc_is_a_one_line_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(native.ENV_DIR, str(tmp_path / "native"))
    monkeypatch.setattr(native.importlib.util, "find_spec", lambda name, *a: None)
    run = run_cli(capsys, "compile")
    assert run.code == 2
    assert run.err.startswith("kg: error: compiling the extraction rules needs mypyc") and run.err.count("\n") == 1
    assert not (tmp_path / "native").exists()


def test_compile_into_a_folder_that_cannot_be_made_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv(native.ENV_DIR, str(tmp_path / "file" / "native"))
    run = run_cli(capsys, "compile")
    assert run.code == 3
    assert "cannot write compiled rules under" in run.err and "NEWSKG_NATIVE_DIR" in run.err


def test_compile_status_says_what_this_process_runs(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "compile", "--status")
    assert run.code == 0
    assert run.out.strip() == native.STATUS.reason
    assert run.out.startswith("compiled: " if native.STATUS.in_use else "interpreted: ")
