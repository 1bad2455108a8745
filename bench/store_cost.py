"""What the versioned store costs: full build and one-sheet rebuild, this tree against another checkout.

``python -m bench.store_cost --other DIR --corpus CORPUS [--rounds 2]`` runs, alternately for the other
checkout (e.g. ``git worktree add /tmp/before <commit>``) and this tree, in child processes:
``kg build CORPUS --no-html`` into an empty store, then (``--rounds`` times) the same build after appending a
comment to one fact sheet ("1 rebuilt") and restoring it. It prints the median wall times and their ratios.
Make a corpus with ``python -m bench.generate --articles 1000 -o CORPUS``. The corpus is left as it was.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _build(code_root: Path, corpus: Path, store: Path, out: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(code_root))
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "kg.cli", "build", str(corpus), "--store", str(store),
                             "-o", str(out), "--no-html"], env=env, cwd=tempfile.gettempdir(),
                            capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"build with {code_root} failed: {result.stderr[-1000:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", type=Path, required=True, help="root of the checkout to compare against")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    sheet = sorted((args.corpus / "articles").glob("*.yaml"))[0]
    original = sheet.read_bytes()
    work = Path(tempfile.mkdtemp(prefix="store-cost-"))
    codes = {"other": args.other.resolve(), "this": ROOT}
    full: dict[str, float] = {}
    rebuild: dict[str, list[float]] = {name: [] for name in codes}
    try:
        for name, root in codes.items():
            full[name] = _build(root, args.corpus, work / name / "store", work / name / "out")
            print(f"{name}: full build {full[name]:.2f} s", flush=True)
        for number in range(args.rounds):
            for name, root in codes.items():
                sheet.write_bytes(original + f"# edit {number}\n".encode())
                try:
                    rebuild[name].append(_build(root, args.corpus, work / name / "store", work / name / "out"))
                finally:
                    sheet.write_bytes(original)
                print(f"{name}: one-sheet rebuild {rebuild[name][-1]:.2f} s", flush=True)
    finally:
        sheet.write_bytes(original)
        shutil.rmtree(work, ignore_errors=True)
    one = {name: statistics.median(times) for name, times in rebuild.items()}
    print(f"full build: other {full['other']:.2f} s, this {full['this']:.2f} s, "
          f"ratio {full['this'] / full['other']:.2f}")
    print(f"one-sheet rebuild (median of {args.rounds}): other {one['other']:.2f} s, this {one['this']:.2f} s, "
          f"ratio {one['this'] / one['other']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
