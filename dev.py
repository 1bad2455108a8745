#!/usr/bin/env python3
"""One entry point for a fresh clone: `python3 dev.py build`, `python3 dev.py test` and `python3 dev.py lint`.

Each command creates `.venv` (when missing or when pyproject.toml changed since the last install),
installs the project into it, then runs `kg build` or pytest from that environment. Extra arguments
are passed through (`python3 dev.py test -k shapes`, `python3 dev.py build --out elsewhere/`).
`python3 dev.py test` runs the suite on every core (pytest-xdist); add `-n 0` to run it in one process.
`python3 dev.py lint` runs ruff on the code and tests, then mypy (strict) on the package; it fails when either finds
anything. `python3 dev.py native` compiles the extraction rules with mypyc (`kg compile`, a few minutes) for the
current sources; `test` does it first when .venv holds no compiled rules yet (a fresh clone), `bench` whenever they
are not those of the current sources (NEWSKG_NATIVE=0: neither, and `kg extract` runs the rules as Python).
`python3 dev.py docs` rewrites docs/cli.md and the README's command table from the CLI's own declarations, and the
key tables of docs/fact-sheets.md from the fact-sheet schema (kg/schema.py).
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".newskg-installed"


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


# `python3 dev.py docs`: rewrite docs/cli.md and the README's command table from the commands' declarations, and the
# key tables of docs/fact-sheets.md from kg/schema.py
WRITE_DOCS = """
from pathlib import Path
from kg.cli import cli
from kg.clidoc import cli_reference, command_table, replace_readme_block
Path("docs/cli.md").write_text(cli_reference(cli), encoding="utf-8")
readme = Path("README.md")
readme.write_text(replace_readme_block(readme.read_text(encoding="utf-8"), command_table(cli)), encoding="utf-8")
from kg.schema import document
sheets = Path("docs/fact-sheets.md")
sheets.write_text(document(sheets.read_text(encoding="utf-8")), encoding="utf-8")
"""


def ensure_env() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on the system's python3, before .venv exists
        sys.exit(f"dev.py: Python 3.11 or newer is needed, this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print("dev.py: creating .venv", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    print("dev.py: installing the project and its test and lint dependencies into .venv", file=sys.stderr)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + ["-e", f"{ROOT}[test,lint,native]"], check=True)
    STAMP.write_text(_fingerprint())


def compile_rules(when: str) -> int:
    """`kg compile` (kg/native.py) when asked (`always`), when the compiled rules are not those of the current sources
    (`stale`), or when there are none at all (`missing`): an edited source then runs as Python in the tests."""
    if os.environ.get("NEWSKG_NATIVE") == "0":
        return 0
    root = Path(os.environ.get("NEWSKG_NATIVE_DIR") or VENV / "share" / "newskg" / "native")
    if when == "missing" and any(root.glob("*/manifest.json")):
        return 0
    if when == "stale":
        status = subprocess.run([str(BIN / "kg"), "compile", "--status"], capture_output=True, text=True, check=False)
        if status.returncode == 0 and status.stdout.startswith("compiled"):
            return 0
    print("dev.py: compiling the extraction rules with mypyc (kg compile; a few minutes)", file=sys.stderr)
    return subprocess.call([str(BIN / "kg"), "compile"])


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"build", "test", "lint", "bench", "kg", "docs", "native"}:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    ensure_env()
    os.chdir(ROOT)
    if command == "build":
        return subprocess.call([str(BIN / "kg"), "build", *rest])
    if command == "kg":
        return subprocess.call([str(BIN / "kg"), *rest])
    if command == "docs":
        return subprocess.call([str(BIN / "python"), "-c", WRITE_DOCS])
    if command == "lint":
        return lint(rest)
    if command == "native":
        return compile_rules("always")
    if command == "bench":
        return compile_rules("stale") or subprocess.call([str(BIN / "python"), "-m", "bench", *rest])
    if compile_rules("missing"):
        return 1
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *_parallel(rest), *rest])


# what ruff checks; mypy checks the package only (its files are set in pyproject.toml's [tool.mypy])
LINT_PATHS = ["kg", "tests", "bench", "dev.py"]


def lint(args: list[str]) -> int:
    """ruff, then mypy; both run even when the first fails, so one run shows everything. Extra arguments go to
    ruff (`python3 dev.py lint --fix`, `python3 dev.py lint --statistics`)."""
    ruff = subprocess.call([str(BIN / "ruff"), "check", *args, *LINT_PATHS])
    mypy = subprocess.call([str(BIN / "mypy")])
    return 1 if ruff or mypy else 0


def _parallel(args: list[str]) -> list[str]:
    """Run the suite on every core (pytest-xdist). Tests are handed out one by one and an idle worker takes
    work from a busy one (worksteal): the crash tests alone take minutes, so whole files per worker would leave
    one worker idle. `-n 0` or `-p no:xdist` on the command line runs it serially."""
    if any(a in {"-n", "--numprocesses", "no:xdist"} or a.startswith(("-n=", "--numprocesses=")) for a in args):
        return []
    if any(a.startswith("-n") and a[2:].isdigit() for a in args):
        return []
    return ["-n", "auto", "--dist", "worksteal"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
