"""The outputs of a rebuild spliced from the file the last build wrote: which runs are copied and which segments
made (kg.export._splice_plan), and the outputs staged before validation in a small rebuild (kg.build)."""
from __future__ import annotations

import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.build import build
from kg.export import _splice_plan
from kg.store import KgStore
from kgtest import snapshot

SEGMENT_IDS = st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=3), unique=True, max_size=12)


def _assemble(plan: list, old: bytes, new_segments: dict[int, bytes]) -> bytes:
    return b"".join(old[step[0]:step[0] + step[1]] if isinstance(step, tuple) else new_segments[step]
                    for step in plan)


@settings(max_examples=300, deadline=None)
@given(old_ids=SEGMENT_IDS, data=st.data())
def test_a_splice_plan_gives_the_new_file_from_the_old_one(old_ids, data):
    """Whatever was kept, removed, added or moved: copying the plan's runs of the old file and making the segments
    it names gives the new file, the sizes are the new segments', and no segment the old file lacks is copied."""
    contents = {item: data.draw(st.binary(max_size=5), label=item) for item in old_ids}
    kept = data.draw(st.lists(st.sampled_from(old_ids), unique=True) if old_ids else st.just([]), label="kept")
    added = data.draw(st.lists(st.text(alphabet="xyz", min_size=1, max_size=2), unique=True, max_size=4),
                      label="added")
    new_ids = data.draw(st.permutations([*kept, *added]), label="new order")
    fresh = {item: data.draw(st.binary(max_size=5), label="new " + item) for item in added}
    old = b"".join(contents[item] for item in old_ids)
    sizes: array.array[int] = array.array("q")
    plan = _splice_plan(list(old_ids), array.array("q", [len(contents[i]) for i in old_ids]), list(new_ids), sizes)
    made = {step for step in plan if isinstance(step, int)}
    assert {new_ids[n] for n in made} >= set(added)
    for number in made:   # the caller sets a made segment's size
        sizes[number] = len(fresh.get(new_ids[number], contents.get(new_ids[number], b"")))
    segments = {n: fresh.get(item, contents.get(item, b"")) for n, item in enumerate(new_ids)}
    assert _assemble(plan, old, segments) == b"".join(segments[n] for n in range(len(new_ids)))
    assert list(sizes) == [len(segments[n]) for n in range(len(new_ids))]


def test_a_one_segment_change_copies_the_rest_as_two_runs():
    old_ids = [f"g{n}" for n in range(1000)]
    new_ids = [*old_ids[:400], "g400 changed", *old_ids[401:]]
    sizes: array.array[int] = array.array("q")
    plan = _splice_plan(old_ids, array.array("q", [10] * 1000), new_ids, sizes)
    assert plan == [(0, 4000), 400, (4010, 5990)]


def test_a_manifest_whose_sizes_do_not_match_its_segments_is_refused():
    with pytest.raises(ValueError):
        _splice_plan(["a", "b"], array.array("q", [1]), ["a"], array.array("q"))


def _generated(tmp_path, count: int):
    from bench.generate import generate

    data = tmp_path / "data"
    generate(data, count, seed=11)
    return data, sorted((data / "articles").glob("*.yaml"))


def test_edits_at_both_ends_a_removal_and_an_addition_give_a_clean_build_s_bytes(tmp_path):
    """The first and last graphs changed, one removed and one added in a rebuild: the spliced outputs are the
    bytes of a clean build (a segment kept from the old file that should have changed would differ)."""
    data, sheets = _generated(tmp_path, 7)
    store, out = tmp_path / "store", tmp_path / "out"
    spare = sheets[3].read_text(encoding="utf-8")
    sheets[3].unlink()
    build([data], out_dir=out, store_path=store, html=False)
    for sheet in (sheets[0], sheets[-1]):
        text = sheet.read_text(encoding="utf-8")
        edited = text.replace("approximate: false", "approximate: true", 1)
        assert edited != text
        sheet.write_text(edited, encoding="utf-8")
    sheets[2].unlink()
    sheets[3].write_text(spare, encoding="utf-8")
    summary = build([data], out_dir=out, store_path=store, html=False)
    assert sorted(summary.changed) == sorted(s.stem for s in (sheets[0], sheets[3], sheets[-1]))
    assert summary.removed == [sheets[2].stem]
    build([data], out_dir=tmp_path / "clean", store_path=tmp_path / "clean-store", html=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")


def test_a_small_rebuild_stages_its_outputs_before_validation_and_a_failure_there_leaves_everything(
        tmp_path, monkeypatch):
    """One sheet changed: its pieces are made before validation and the outputs staged while it runs (the
    validation batch then makes no piece); byte-identical to a clean build. Validation failing after the staging
    began leaves the outputs, the store and the output folder as they were."""
    import kg.build
    import kg.export

    data, sheets = _generated(tmp_path, 5)
    store, out = tmp_path / "store", tmp_path / "out"
    build([data], out_dir=out, store_path=store, html=False)
    events: list[str] = []
    start = kg.export.Speculation.__init__
    validate = kg.build._validate_in_batches

    def spied_start(self, *args, **kwargs):
        events.append("staging")
        start(self, *args, **kwargs)

    def spied_validate(*args, **kwargs):
        events.append("validate" if kwargs.get("pieces") is None else "validate and make pieces")
        return validate(*args, **kwargs)

    monkeypatch.setattr(kg.export.Speculation, "__init__", spied_start)
    monkeypatch.setattr(kg.build, "_validate_in_batches", spied_validate)
    sheet = sheets[1]
    text = sheet.read_text(encoding="utf-8")
    edited = text.replace("approximate: false", "approximate: true", 1)
    sheet.write_text(edited, encoding="utf-8")
    assert build([data], out_dir=out, store_path=store, html=False).changed == [sheet.stem]
    assert events == ["staging", "validate"]
    build([data], out_dir=tmp_path / "clean", store_path=tmp_path / "clean-store", html=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")

    before, versions = snapshot(out), sorted(p.name for p in store.iterdir())
    live = (store / "LIVE").read_text()

    def failing(*args, **kwargs):
        events.append("failed")
        raise OSError("disk gone")

    monkeypatch.setattr(kg.build, "_validate_in_batches", failing)
    sheet.write_text(text, encoding="utf-8")
    with pytest.raises(OSError):
        build([data], out_dir=out, store_path=store, html=False)
    assert events[-2:] == ["staging", "failed"]
    assert snapshot(out) == before and sorted(p.name for p in out.iterdir()) == sorted(before)
    assert sorted(p.name for p in store.iterdir()) == versions and (store / "LIVE").read_text() == live
    with KgStore(store, read_only=True) as opened:
        assert opened.version == live.strip()


def test_old_versions_are_deleted_by_a_thread_and_gone_when_the_build_returns(tmp_path, monkeypatch):
    """The versions a build replaces are moved out of sight at once and deleted by a thread (beside the export),
    which the store joins when it closes: nothing of them is left when the build returns."""
    import threading
    import time

    import kg.store

    data, sheets = _generated(tmp_path, 3)
    store = tmp_path / "store"
    remove = kg.store._remove_trees
    threads: list[str] = []

    def slow_remove(folders):
        threads.append(threading.current_thread().name)
        time.sleep(0.3)   # a thread left running would leave them behind
        remove(folders)

    monkeypatch.setattr(kg.store, "_remove_trees", slow_remove)
    for number in range(3):
        sheet = sheets[number]
        sheet.write_text(sheet.read_text(encoding="utf-8").replace("approximate: false", "approximate: true", 1),
                         encoding="utf-8")
        build([data], out_dir=None, store_path=store, html=False)
        names = sorted(p.name for p in store.iterdir())
        assert not [n for n in names if n.startswith(".trash-")], names
        assert len([n for n in names if n.startswith("v")]) == min(number + 1, 2), names
    assert threads and threading.main_thread().name not in threads


def test_a_rebuild_reports_progress_for_each_loaded_sheet_and_about_load_ticks_for_the_rest(tmp_path, monkeypatch):
    """The load stage's progress: every sheet loaded, and about ``LOAD_TICKS`` calls over the unchanged ones (a
    terminal's bar was redrawn for each of 10,000), rising to the total."""
    import kg.build

    data, sheets = _generated(tmp_path, 12)
    store = tmp_path / "store"
    build([data], out_dir=None, store_path=store, html=False)
    monkeypatch.setattr(kg.build, "LOAD_TICKS", 3)
    sheet = sheets[5]
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("approximate: false", "approximate: true", 1),
                     encoding="utf-8")
    calls: list[tuple[int, int]] = []
    build([data], out_dir=None, store_path=store, html=False,
          progress=lambda stage, done, total: calls.append((done, total)) if stage == "load" else None)
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[0] == 0 and calls[-1] == (12, 12)
    assert 6 in done                       # the changed sheet (the 6th) is reported
    assert len(calls) <= 1 + 3 + 1 + 1     # the start, LOAD_TICKS of the rest, the changed one, the last


_TERMS = st.sampled_from([
    "<http://ex.org/a>", "<http://ex.org/b>", "<https://w3id.org/newskg/id/entity/KR>", "_:b1", "_:b12",
    '"x"', '"x"@en', '"x"@en-us', '"x"^^<http://www.w3.org/2001/XMLSchema#integer>', '"say \\"hi\\"\\n{\\t}"',
    '"한국어 }"@ko', '""'])
_PREDICATES = st.sampled_from(["<http://ex.org/p>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
                               "<https://w3id.org/newskg/ontology#value>"])
_GRAPHS = st.sampled_from(["<http://ex.org/g>", "<http://ex.org/h>", ""])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_TERMS.filter(lambda t: not t.startswith('"')), _PREDICATES, _TERMS, _GRAPHS),
                max_size=12))
def test_a_graphs_sections_are_what_serialising_its_sorted_statements_gives(rows):
    """``_graph_sections`` cuts the N-Triples lines from the quads' sort keys and takes the Turtle from the TriG
    block: the same bytes as serialising the sorted, distinct triples in each format, for one graph's quads and
    (the slow path) for quads that repeat a triple in two graphs or lie in the default graph."""
    import pyoxigraph
    from pyoxigraph import RdfFormat

    from kg.export import _graph_sections, _split_header, prefixes_for, serialized

    base = "https://w3id.org/newskg/id/"
    text = "".join(f"{s} {p} {o} {g} .\n".replace("  .", " .") for s, p, o, g in rows).encode()
    quads = list(dict.fromkeys(pyoxigraph.parse(text, format=RdfFormat.N_QUADS)))   # distinct, as a store lists
    for group in (quads, [q for q in quads if str(q.graph_name) == "<http://ex.org/g>"]):
        ordered = sorted(group, key=str)
        lines = sorted(set(serialized([q.triple for q in ordered], RdfFormat.N_TRIPLES).splitlines()))
        triples = list(pyoxigraph.parse(b"".join(line + b"\n" for line in lines), format=RdfFormat.N_TRIPLES))
        sections = _graph_sections(group, base)
        assert sections["ntriples"] == b"".join(line + b"\n" for line in lines)
        assert sections["trig"] == _split_header(serialized(ordered, RdfFormat.TRIG, prefixes_for(base)))[1]
        assert sections["turtle"] == (_split_header(serialized(triples, RdfFormat.TURTLE, prefixes_for(base)))[1]
                                      if triples else b"")


def _holders(path) -> set[int]:
    """The processes holding the file that was at ``path`` open after it was replaced (Linux /proc)."""
    import os

    wanted = f"{path} (deleted)"
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        if wanted in links:
            found.add(int(pid))
    return found


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="reads /proc")
def test_a_replaced_file_is_held_by_a_helper_process_until_close_and_freed_then(tmp_path):
    """``Superseded``: the file a rename replaces is kept open by another process (the rename does not free it in
    this one) until ``close``; then nothing holds it, and this process never kept it."""
    import os
    import time

    from kg.atomic import Superseded

    target, new = tmp_path / "out.ttl", tmp_path / "new.ttl"
    target.write_bytes(b"old" * 1000)
    new.write_bytes(b"new")
    superseded = Superseded()
    superseded.hold(target)
    os.replace(new, target)
    superseded.release()
    deadline = time.monotonic() + 10
    while not (holders := _holders(target)) and time.monotonic() < deadline:
        time.sleep(0.02)   # the helper may be between fork and exec, its descriptors not listed
    assert holders and os.getpid() not in holders and superseded.helpers == 1
    assert target.read_bytes() == b"new"
    superseded.close()
    deadline = time.monotonic() + 10
    while _holders(target) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _holders(target)


def test_without_a_helper_the_replaced_files_are_closed_here(tmp_path, monkeypatch):
    import os

    from kg.atomic import Superseded

    monkeypatch.setattr(Superseded, "SHELL", str(tmp_path / "no-such-shell"))
    target = tmp_path / "out.ttl"
    target.write_bytes(b"old")
    superseded = Superseded()
    superseded.hold(target)
    (tmp_path / "new").write_bytes(b"new")
    os.replace(tmp_path / "new", target)
    superseded.close()
    assert superseded.helpers == 0 and not _holders(target)


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="reads /proc")
def test_a_rebuild_hands_the_three_replaced_exports_to_one_helper(tmp_path, monkeypatch):
    """A one-sheet rebuild replaces kg.ttl, kg.trig and kg.jsonld: all three old files go to one helper process
    (freed outside the build), none stays open in this process, and the outputs are a clean build's."""
    import os

    import kg.atomic

    data, sheets = _generated(tmp_path, 4)
    store, out = tmp_path / "store", tmp_path / "out"
    build([data], out_dir=out, store_path=store, html=False)
    released: list[int] = []
    spawn = kg.atomic.Superseded._spawn

    def spied(self, fds):
        released.append(len(fds))
        spawn(self, fds)

    monkeypatch.setattr(kg.atomic.Superseded, "_spawn", spied)
    sheet = sheets[2]
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("approximate: false", "approximate: true", 1),
                     encoding="utf-8")
    build([data], out_dir=out, store_path=store, html=False)
    assert released == [3]
    mine = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
            if os.path.exists(f"/proc/self/fd/{fd}")]
    assert not [link for link in mine if link.startswith(str(out))]
    build([data], out_dir=tmp_path / "clean", store_path=tmp_path / "clean-store", html=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")
