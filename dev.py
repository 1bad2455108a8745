#!/usr/bin/env python3
"""One entry point for a fresh clone: `python3 dev.py build` and `python3 dev.py test`.

Each command creates `.venv` (when missing or when pyproject.toml changed since the last install),
installs the project into it, then runs `kg build` or pytest from that environment. Extra arguments
are passed through (`python3 dev.py test -k shapes`, `python3 dev.py build --out elsewhere/`).
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


def ensure_env() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"dev.py: Python 3.11 or newer is needed, this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print("dev.py: creating .venv", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    print("dev.py: installing the project and its test dependencies into .venv", file=sys.stderr)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + ["-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(_fingerprint())


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"build", "test", "bench", "kg"}:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    ensure_env()
    os.chdir(ROOT)
    if command == "build":
        return subprocess.call([str(BIN / "kg"), "build", *rest])
    if command == "kg":
        return subprocess.call([str(BIN / "kg"), *rest])
    if command == "bench":
        return subprocess.call([str(BIN / "python"), "-m", "bench", *rest])
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
