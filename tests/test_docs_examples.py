"""The README's and docs' command examples write into out/ or a temporary folder, never into the repository root
(issue 12, item 6): running them in a checkout leaves no untracked files beside README.md."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# an output option or a shell redirection, with the path it writes to
_OUTPUT = re.compile(r"(?:^|\s)(?:-o|--out|--output|--keep)[\s=]+(?P<opt>\S+)|(?:^|\s)>\s*(?P<redirect>\S+)")
_ALLOWED = ("out/", "/tmp/", "$TMPDIR", '"$TMPDIR', "$(mktemp", '"$(mktemp', "-")


def example_outputs() -> list[tuple[str, int, str]]:
    """(file, line, path) for every output path of a command line in a fenced code block."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        fenced = False
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            if not fenced or not re.match(r"\s*(?:\$ )?(?:kg|python3?|\.venv/bin/kg) ", line):
                continue
            command = line.split(" #")[0]
            for match in _OUTPUT.finditer(command):
                found.append((path.relative_to(ROOT).as_posix(), number, match.group("opt") or match.group("redirect")))
    return found


def test_the_scan_finds_the_examples():
    assert any(p.startswith("out/") for _, _, p in example_outputs()), "the README's -o examples were not found"


def test_examples_write_into_out_or_a_temporary_folder():
    stray = [f"{file}:{line}: {path}" for file, line, path in example_outputs()
             if path != "out" and not path.startswith(_ALLOWED)]
    assert stray == [], "examples that would write into the repository root: " + ", ".join(stray)
