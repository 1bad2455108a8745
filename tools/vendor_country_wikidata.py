#!/usr/bin/env python3
"""Refresh the ISO 3166-1 → Wikidata table kg ships (kg/_vendor/country-coder/), from the npm registry.

    python3 tools/vendor_country_wikidata.py [VERSION]   # default: the version in kg/_vendor/country-coder/VERSION

Runs `npm pack @ideditor/country-coder@VERSION` in a temporary folder (needs `npm`), reads the package's
src/data/borders.json (maintained by the iD editor / OpenStreetMap team; each country feature carries its
`iso1A2` code and its `wikidata` item), and writes country-wikidata.json ({alpha-2: Q-id}, sorted), the package's
licence and the version. Nothing is typed by hand; `kg build` reads the file, never the network.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

DEST = Path(__file__).resolve().parent.parent / "kg" / "_vendor" / "country-coder"
PACKAGE = "@ideditor/country-coder"


def main(argv: list[str]) -> int:
    version = argv[0] if argv else (DEST / "VERSION").read_text(encoding="utf-8").strip()
    with tempfile.TemporaryDirectory() as tmp:
        name = subprocess.run(["npm", "pack", "--silent", f"{PACKAGE}@{version}"], cwd=tmp, check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]
        with tarfile.open(Path(tmp) / name) as archive:
            borders = archive.extractfile("package/src/data/borders.json")
            licence = archive.extractfile("package/LICENSE.md")
            if borders is None or licence is None:
                raise SystemExit(f"vendor_country_wikidata: borders.json or LICENSE.md is missing from {name}")
            features = json.load(borders)["features"]
            licence_text = licence.read().decode("utf-8")
    table = {}
    for feature in features:
        props = feature["properties"]
        code, item = props.get("iso1A2"), props.get("wikidata")
        if code and item and re.fullmatch(r"[A-Z]{2}", code) and re.fullmatch(r"Q[1-9][0-9]*", item):
            table[code] = item
    DEST.mkdir(parents=True, exist_ok=True)
    (DEST / "country-wikidata.json").write_text(json.dumps(dict(sorted(table.items())), indent=0) + "\n",
                                                encoding="utf-8")
    (DEST / "LICENSE.md").write_text(licence_text, encoding="utf-8")
    (DEST / "VERSION").write_text(version + "\n", encoding="utf-8")
    print(f"vendor_country_wikidata: {PACKAGE} {version}: {len(table)} countries -> {DEST}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
