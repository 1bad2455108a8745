"""kg.sheetcache's record of the sheets' stats: read back, it stands for the bytes of unchanged sheets and texts,
and any write to a sheet or its text is seen."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import kg.sheetcache as sheetcache
from kg.sheetcache import SheetCache


def digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_recorded_sheets_and_texts_are_not_read_again_and_edits_are_seen(tmp_path, monkeypatch):
    monkeypatch.setattr(sheetcache, "RACY_NS", -10**12)   # every file counts as settled
    sheets = tmp_path / "articles"
    texts = tmp_path / "texts"
    sheets.mkdir()
    texts.mkdir()
    for name in ("a", "b", "c"):
        (sheets / f"{name}.yaml").write_bytes(f"sheet {name}\n".encode())
    (texts / "a.txt").write_bytes(b"text a\n")        # b has no text file; c is built without --text-dir

    def ask(cache: SheetCache) -> dict[str, tuple[bytes, bytes]]:
        return {"a": cache.hashes("a", sheets / "a.yaml", texts / "a.txt"),
                "b": cache.hashes("b", sheets / "b.yaml", texts / "b.txt"),
                "c": cache.hashes("c", sheets / "c.yaml", None)}

    expected = {"a": (digest(b"sheet a\n"), digest(b"text a\n")), "b": (digest(b"sheet b\n"), digest(b"")),
                "c": (digest(b"sheet c\n"), digest(b""))}
    first = SheetCache(tmp_path)
    assert ask(first) == expected
    first.save()
    assert (tmp_path / sheetcache.FILE).is_file()

    reads: list[str] = []
    real_read = Path.read_bytes

    def counting_read(self: Path) -> bytes:
        reads.append(self.name)
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", counting_read)
    assert ask(SheetCache(tmp_path)) == expected
    assert reads == [sheetcache.FILE]                 # the record only

    (texts / "a.txt").write_bytes(b"text A\n")        # the same size
    (sheets / "c.yaml").write_bytes(b"sheet C\n")
    reads.clear()
    again = SheetCache(tmp_path)
    assert ask(again) == {**expected, "a": (digest(b"sheet a\n"), digest(b"text A\n")),
                          "c": (digest(b"sheet C\n"), digest(b""))}
    assert sorted(reads) == sorted([sheetcache.FILE, "a.txt", "a.yaml", "c.yaml"])
    again.changed = sheetcache.SMALL_CHANGE           # enough stale rows for the record to be written again
    again.save()
    reads.clear()
    assert ask(SheetCache(tmp_path))["c"] == (digest(b"sheet C\n"), digest(b""))
    assert reads == [sheetcache.FILE]


@pytest.mark.parametrize("damage", [b"", b"0\nnot marshal", b"garbage without a newline"])
def test_a_damaged_record_only_costs_reading_the_sheets(tmp_path, damage):
    sheet = tmp_path / "a.yaml"
    sheet.write_bytes(b"x\n")
    (tmp_path / sheetcache.FILE).write_bytes(damage)
    assert SheetCache(tmp_path).hashes("a", sheet, None) == (digest(b"x\n"), digest(b""))
