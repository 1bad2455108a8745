#!/usr/bin/env python3
"""Refresh the YASGUI build that `kg serve` ships (kg/_vendor/yasgui/), from the npm registry.

    python3 tools/vendor_yasgui.py [VERSION]      # default: the version in kg/_vendor/yasgui/VERSION

Runs `npm pack @zazuko/yasgui@VERSION` in a temporary folder (needs `npm`; nothing else is installed), copies
build/yasgui.min.js and build/yasgui.min.css, drops the source-map comment (the map is not shipped, so a browser
would ask the server for a file that is not there), and records the version. The npm package carries no licence
file of its own; kg/_vendor/yasgui/LICENSE is kept by hand (MIT, from the package's "license" field, with the
licences of the libraries the build bundles). Commit the result; `kg serve` never fetches anything at run time.
"""
from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

DEST = Path(__file__).resolve().parent.parent / "kg" / "_vendor" / "yasgui"
FILES = ("yasgui.min.js", "yasgui.min.css")


def main(argv: list[str]) -> int:
    version = argv[0] if argv else (DEST / "VERSION").read_text(encoding="utf-8").strip()
    with tempfile.TemporaryDirectory() as tmp:
        name = subprocess.run(["npm", "pack", "--silent", f"@zazuko/yasgui@{version}"], cwd=tmp, check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]
        with tarfile.open(Path(tmp) / name) as archive:
            for file in FILES:
                member = archive.extractfile(f"package/build/{file}")
                if member is None:
                    raise SystemExit(f"vendor_yasgui: {file} is missing from {name}")
                text = member.read().decode("utf-8")
                lines = [line for line in text.splitlines() if not line.startswith(("//# sourceMappingURL=",
                                                                                    "/*# sourceMappingURL="))]
                DEST.mkdir(parents=True, exist_ok=True)
                (DEST / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (DEST / "VERSION").write_text(version + "\n", encoding="utf-8")
    print(f"vendor_yasgui: @zazuko/yasgui {version} -> {DEST}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
