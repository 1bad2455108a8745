"""The store is a transaction and readers see complete builds (issue 8, findings 3 and 4).

A build killed with SIGKILL at any of its write points, followed by edits and rebuilds, ends exactly where a
clean build ends (facts table, exported TriG and every output file, byte for byte); readers running during
rebuilds only ever see one complete build; damaged stores and states end in one line and exit 3.
"""
from __future__ import annotations

import hashlib
import json
import marshal
import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.settings import SETTINGS
from kg.build import OUTPUT_FORMATS, build
from kg.export import export
from kg.api import facts_table
from kg.store import CRASH_POINTS, STATE_VERSION, KgStore, _sealed, live_version, read_state
from forkbuild import ForkedBuilds
from kgtest import MINI_ARTICLE, ROOT, make_corpus, run_cli, snapshot

BASE = "https://w3id.org/newskg/id/"
OTHER = MINI_ARTICLE.replace("id: mini", "id: other").replace("value: 35000", "value: 36000") \
    .replace("3만5000대", "3만6000대")
EDITED = MINI_ARTICLE.replace("value: 35000", "value: 35500").replace("3만5000대", "3만5500대") \
    .replace("rank: 33", "rank: 34")
SMALL_OUTPUT_POINTS = ["atomic:validation.txt", "atomic:validation.json"]   # written only when their bytes change
OUTPUT_POINTS = [*(f"atomic:{name}" for name in OUTPUT_FORMATS.values()), *SMALL_OUTPUT_POINTS]


@contextmanager
def cwd(path: Path):
    """Work in ``path``, so fact sheet paths recorded in the graph (nkg:definedAt) are the same relative ones."""
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def write_corpus(root: Path, mini: str) -> Path:
    data = root / "data"
    if not data.exists():
        make_corpus(root)
        (data / "articles" / "other.yaml").write_text(OTHER, encoding="utf-8")
    (data / "articles" / "mini.yaml").write_text(mini, encoding="utf-8")
    return Path("data")


def outcome(store: Path, out: Path) -> dict:
    """What a build leaves: the facts table, the store's TriG and every file in the output folder."""
    columns, rows = facts_table(store=store)
    with KgStore(store, read_only=True) as opened:
        trig = export(opened, "trig", BASE)
    return {"facts": [columns, *rows], "trig": trig, "out": snapshot(out)}


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The outcome of a clean build of the original corpus and of the edited one, each from an empty store."""
    root = tmp_path_factory.mktemp("clean")
    results = {}
    with cwd(root):
        for name, mini in (("original", MINI_ARTICLE), ("edited", EDITED)):
            data = write_corpus(root, mini)
            build([data], out_dir=Path(f"out-{name}"), store_path=Path(f"store-{name}"), html=False)
            results[name] = outcome(Path(f"store-{name}"), Path(f"out-{name}"))
    assert results["original"]["facts"] != results["edited"]["facts"]
    return results


def crashed_build(builds: ForkedBuilds, data: Path, store: Path, out: Path, point: str,
                  may_finish: bool = False) -> None:
    """A build in another process that kills itself with SIGKILL at ``point`` (as ``kill -9`` would); the process
    is forked from one that has imported kg.build already (tests/forkbuild.py). ``may_finish``: the point is the
    write of a file whose bytes may not change, which the build then does not write (and finishes)."""
    child = builds.run(data, store, out, env={SETTINGS["crash_at"].env: point})
    if may_finish and child.returncode == 0:
        return
    assert child.returncode == -signal.SIGKILL, f"the build was not killed at {point}: {child.stderr[-2000:]}"


@pytest.mark.slow
@pytest.mark.parametrize("point", [*CRASH_POINTS, *OUTPUT_POINTS])
def test_a_build_killed_at_any_write_point_is_repaired_by_the_next(tmp_path, clean, point, forked_builds):
    store, out = Path("store"), Path("out")
    with cwd(tmp_path):
        # a first build, killed: the next one ends where a clean build ends
        data = write_corpus(tmp_path, MINI_ARTICLE)
        crashed_build(forked_builds, data, store, out, point)
        build([data], out_dir=out, store_path=store, html=False)
        assert outcome(store, out) == clean["original"]

        # an incremental build killed after the edit; the edit undone: nothing of it may remain (finding 3). The
        # edit does not change the validation report, whose files are then not written (no point to be killed at)
        write_corpus(tmp_path, EDITED)
        crashed_build(forked_builds, data, store, out, point, may_finish=point in SMALL_OUTPUT_POINTS)
        write_corpus(tmp_path, MINI_ARTICLE)
        build([data], out_dir=out, store_path=store, html=False)
        assert outcome(store, out) == clean["original"]

        # and the edit made again is applied in full
        write_corpus(tmp_path, EDITED)
        summary = build([data], out_dir=out, store_path=store, html=False)
        assert summary.changed == ["mini"] and summary.unchanged == ["other"]
        assert outcome(store, out) == clean["edited"]
        versions = sorted(p.name for p in store.iterdir() if p.name.startswith("v"))
        assert len(versions) == 2, versions   # the live one and the previous one; debris is gone


# ------------------------------------------------------------------------------------------------ readers
def _content(store: KgStore) -> tuple[int, list[str]]:
    """What a store version holds: its number of quads (any graph) and every quad of its named graphs."""
    return len(store), sorted(str(q) for graph in store.graphs() for q in store.quads(graph))


@pytest.mark.slow
def test_an_open_reader_keeps_its_build_and_its_version(tmp_path):
    with cwd(tmp_path):
        data = write_corpus(tmp_path, MINI_ARTICLE)
        store = Path("store")
        build([data], out_dir=None, store_path=store)
        reader = KgStore(store, read_only=True)
        before = _content(reader)
        write_corpus(tmp_path, EDITED)
        build([data], out_dir=None, store_path=store)
        assert _content(reader) == before          # a snapshot: the rebuild did not reach it
        with KgStore(store, read_only=True) as fresh:
            assert _content(fresh) != before       # a new reader sees the new build
        for mini in (MINI_ARTICLE, EDITED):                      # two more builds: its version is still kept
            write_corpus(tmp_path, mini)
            build([data], out_dir=None, store_path=store)
        assert (store / reader.version).is_dir() and _content(reader) == before
        kept = reader.version
        reader.close()
        write_corpus(tmp_path, MINI_ARTICLE)
        build([data], out_dir=None, store_path=store)
        assert not (store / kept).exists()                      # deleted once nobody reads it


READER = r"""
import contextlib, io, sys, time
from pathlib import Path
from kg.cli import main
store, stop = sys.argv[1], Path(sys.argv[2])
while not stop.exists():
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["facts", "--format", "csv", "--store", store])
    rows = out.getvalue().splitlines()
    print(f"{code} {len(rows) - 1} {err.getvalue().strip()!r}", flush=True)
"""


def _article(n: int, facts: int) -> str:
    text = MINI_ARTICLE.replace("id: mini", f"id: a{n:02d}").replace("value: 35000", f"value: {35000 + n}") \
        .replace("3만5000대", f"3만{5000 + n}대")
    if facts == 1:
        text = text[: text.index("  - id: productivity-rank-kr")]
    return text


@pytest.mark.slow
def test_readers_during_twenty_rebuilds_see_only_complete_builds(tmp_path):
    """`kg facts` in a loop in another process, and queries through `kg serve`, while builds alternate between
    two versions of the data: every answer is one of the two totals (finding 4)."""
    from kg.serve import ServeConfig, SparqlServer

    data = make_corpus(tmp_path, article=None)
    articles, changing = 16, range(0, 16, 2)

    def write(version: str) -> None:
        for n in range(articles):
            facts = 1 if version == "y" and n in changing else 2
            (data / "articles" / f"a{n:02d}.yaml").write_text(_article(n, facts), encoding="utf-8")

    store = tmp_path / "store"
    write("x")
    totals = {"x": build([data], out_dir=None, store_path=store).facts}
    write("y")
    totals["y"] = build([data], out_dir=None, store_path=store).facts
    assert totals == {"x": 2 * articles, "y": 2 * articles - len(changing)}
    expected = set(totals.values())

    stop = tmp_path / "stop"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    reader = subprocess.Popen([sys.executable, "-c", READER, str(store), str(stop)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env)
    served: list = []
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?f <https://w3id.org/newskg/ontology#reportedIn> ?a }"

    def ask_server(server) -> None:
        url = f"{server.url}sparql?" + urllib.parse.urlencode({"query": count})
        while not stop.exists():
            request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    served.append(int(json.load(response)["results"]["bindings"][0]["n"]["value"]))
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                served.append(f"{type(exc).__name__}: {exc}")

    with SparqlServer(ServeConfig(store_path=store, port=0, timeout=30, workers=2)).start() as server:
        asker = threading.Thread(target=ask_server, args=(server,), daemon=True)
        asker.start()
        try:
            for number in range(20):
                write("x" if number % 2 == 0 else "y")
                summary = build([data], out_dir=None, store_path=store)
                assert summary.facts == totals["x" if number % 2 == 0 else "y"]
                assert len(summary.changed) == len(changing)
        finally:
            stop.touch()
            asker.join(60)
        stdout, stderr = reader.communicate(timeout=60)
    seen = [line.split(" ", 2) for line in stdout.splitlines()]
    assert reader.returncode == 0, stderr
    assert len(seen) >= 20 and len(served) >= 20, (len(seen), len(served))
    bad = [line for line in seen if line[0] != "0" or int(line[1]) not in expected]
    assert not bad, bad[:5]
    assert not [n for n in served if n not in expected], [n for n in served if n not in expected][:5]
    assert {int(line[1]) for line in seen} == expected and set(served) == expected   # both builds were seen


# ------------------------------------------------------------------------------------------------ damage
@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    root = tmp_path_factory.mktemp("built")
    data = make_corpus(root)
    assert run_cli_quiet(["build", data, "--store", root / "store", "-o", root / "out", "--no-html"]) == 0
    return root


@pytest.fixture
def built(built_once, tmp_path):
    """A copy of a built corpus: (data folder, store) in tmp_path, outputs in tmp_path / "out"."""
    shutil.copytree(built_once, tmp_path, dirs_exist_ok=True)
    return tmp_path / "data", tmp_path / "store"


def run_cli_quiet(argv) -> int:
    from kg.cli import main
    return main([str(a) for a in argv])


def one_line_exit_3(result) -> str:
    assert result.code == 3, (result.code, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: error: "), result.err
    return lines[0]


@pytest.mark.parametrize("damage", [b"\x00\xffgarbage", b"{not json",
                                    b'{"version": %d, "graphs": []}' % STATE_VERSION,
                                    b'{"version": %d, "graphs": {"mini": "not a record"}}' % STATE_VERSION, b"[]",
                                    # checksums that hold over contents no build writes
                                    _sealed({"version": STATE_VERSION, "graphs": []}),
                                    _sealed({"version": STATE_VERSION, "graphs": {"mini": "not a record"}}),
                                    _sealed([]),
                                    b"newskg-state " + hashlib.sha256(b"\x00junk").hexdigest().encode() + b"\n\x00junk"])
def test_a_damaged_build_state_is_exit_3_with_one_line(built, tmp_path, capsys, damage):
    data, store = built
    facts_before = run_cli(capsys, "facts", "--store", store, "--format", "csv").out
    states = [p for p in tmp_path.rglob("state.marshal") if p.is_file()]
    assert states
    for path in states:
        path.write_bytes(damage)
    line = one_line_exit_3(run_cli(capsys, "build", data, "--store", store, "-o", tmp_path / "out"))
    assert "build state" in line and "damaged" in line and str(store) in line
    # the data itself is intact and still readable
    assert run_cli(capsys, "facts", "--store", store, "--format", "csv").out == facts_before


def test_a_build_state_of_the_earlier_json_encoding_is_read_and_replaced(built, tmp_path, capsys):
    """A version written before the state was marshalled holds it as checksummed JSON (state.json): the next
    build trusts it as it did (unchanged articles are not mapped again) and writes the new encoding."""
    data, store = built
    folder = store / live_version(store)
    state = read_state(store)
    canonical = json.dumps(state, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    (folder / "state.json").write_text(f'{{"checksum":"{digest}",{canonical[1:]}\n', encoding="utf-8")
    (folder / "state.marshal").unlink()
    assert read_state(store) == state
    summary = build([data], store_path=store, out_dir=tmp_path / "out2", html=False)
    assert summary.unchanged and not summary.changed   # the JSON state was trusted
    sheet = next((data / "articles").glob("*.yaml"))
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    summary = build([data], store_path=store, out_dir=tmp_path / "out2", html=False)
    assert summary.changed == [sheet.stem]
    new = store / live_version(store)
    assert (new / "state.marshal").is_file() and not (new / "state.json").exists()
    # a JSON state whose checksum does not hold is refused as before
    (folder / "state.json").write_text(json.dumps(state), encoding="utf-8")
    (store / "LIVE").write_text(f"{folder.name}\n")
    line = one_line_exit_3(run_cli(capsys, "build", data, "--store", store, "-o", tmp_path / "out"))
    assert "build state" in line and "checksum" in line


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00\x01 not what was here \xff" * 3)


@pytest.mark.parametrize("damage", ["rocksdb-files", "live-pointer", "live-names-nothing", "foreign-folder"])
def test_a_damaged_or_foreign_store_folder_is_exit_3_with_one_line(built, tmp_path, capsys, damage):
    data, store = built
    if damage == "rocksdb-files":        # the database's own CURRENT and MANIFEST files, wherever they are
        hits = [p for p in store.rglob("*") if p.is_file() and (p.name == "CURRENT" or p.name.startswith("MANIFEST"))]
        assert hits
        for path in hits:
            _garbage(path)
    elif damage == "live-pointer":
        _garbage(store / "LIVE")
    elif damage == "live-names-nothing":
        (store / "LIVE").write_text("v999999\n")
    else:
        store = tmp_path / "notes"
        store.mkdir()
        (store / "todo.txt").write_text("not a store\n")
    for argv in (["facts"], ["query", "-e", "ASK { ?s ?p ?o }"], ["export", "--format", "nt"],
                 ["build", data, "-o", tmp_path / "out", "--no-html"]):
        line = one_line_exit_3(run_cli(capsys, *argv, "--store", store))
        assert str(store) in line, line
    if damage == "foreign-folder":
        assert sorted(p.name for p in store.iterdir()) == ["todo.txt"]   # nothing written into it


def test_an_old_layout_store_is_refused_by_readers_and_rebuilt_by_the_next_build(tmp_path, capsys):
    data = make_corpus(tmp_path)
    store = tmp_path / "store"
    old = pyoxigraph.Store(str(store))   # the earlier layout: a bare RocksDB folder and a state file beside it
    old.add(pyoxigraph.Quad(pyoxigraph.NamedNode("urn:stale"), pyoxigraph.NamedNode("urn:p"),
                            pyoxigraph.Literal("left over"), pyoxigraph.NamedNode("urn:stale-graph")))
    old.flush()
    del old
    (tmp_path / "store.state.json").write_text(json.dumps({"version": 2, "graphs": {}}), encoding="utf-8")

    line = one_line_exit_3(run_cli(capsys, "facts", "--store", store))
    assert "earlier kg release" in line and "kg build" in line

    result = run_cli(capsys, "build", data, "--store", store, "--no-html", "-o", tmp_path / "out")
    assert result.code == 0 and "kg: note:" in result.err and "earlier kg release" in result.err
    assert not (tmp_path / "store.state.json").exists()
    assert sorted(p.name for p in store.iterdir() if p.is_file()) == ["LIVE", "writer.lock"]
    reference = tmp_path / "reference"
    build([data], out_dir=None, store_path=reference)
    with KgStore(store, read_only=True) as a, KgStore(reference, read_only=True) as b:
        assert _content(a) == _content(b)   # the stale graph is gone


def test_leftover_temporary_outputs_are_removed_by_the_next_build(built, tmp_path):
    data, store = built
    out = tmp_path / "out"
    leftovers = [out / ".kg.trig.x1y2z3.tmp", out / ".validation.json.abcdef.tmp", out / ".graph.html.q.tmp"]
    for path in leftovers:
        path.write_bytes(b"half written")
    unrelated = out / ".notes.tmp"
    unrelated.write_text("mine")
    assert run_cli_quiet(["build", data, "--store", store, "-o", out, "--no-html"]) == 0
    assert not any(p.exists() for p in leftovers)
    assert unrelated.read_text() == "mine"


def test_a_killed_output_write_leaves_a_temporary_file_that_the_next_build_removes(tmp_path, forked_builds):
    with cwd(tmp_path):
        data = write_corpus(tmp_path, MINI_ARTICLE)
        crashed_build(forked_builds, data, Path("store"), Path("out"), "atomic:kg.trig")
        assert list(Path("out").glob(".kg.trig.*.tmp"))
        build([data], out_dir=Path("out"), store_path=Path("store"), html=False)
        assert not list(Path("out").glob(".*.tmp"))


def test_a_second_writer_is_refused_with_exit_3(built, tmp_path, capsys):
    data, store = built
    with KgStore(store) as writer:
        line = one_line_exit_3(run_cli(capsys, "build", data, "--store", store, "--no-html", "-o", tmp_path / "o"))
        assert "another kg process is writing" in line
        writer.close()   # give up this transaction: nothing changes
    assert read_state(store)["graphs"]


def test_updates_through_the_endpoint_are_transactions(built, tmp_path):
    from kg.serve_pool import WorkerPool

    _, store = built
    live, state = live_version(store), read_state(store)
    pool = WorkerPool(store, size=1)
    try:
        assert pool.update("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> 'c' } ", {}, 30).status == 400
        assert live_version(store) == live                      # a failed update changes nothing
        assert pool.update("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> 'c' } }", {}, 30).status == 204
        assert live_version(store) != live and read_state(store) == state   # a new version, the same state
    finally:
        pool.close()
    with KgStore(store, read_only=True) as opened:
        assert opened.has_graph("urn:g")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                    max_leaves=6)


def _places(value, path=()):
    """Every place in a JSON value, as the path of keys and indexes that leads to it."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, (*path, index))


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_to_the_build_state_is_refused_or_repaired(built_once, tmp_path, capsys, data):
    """Property: whatever replaces any part of the state, the next build either ends exactly as a clean build
    (e.g. a state of another format: everything is mapped again) or stops with exit 3 and one line."""
    work = tmp_path / f"w{len(list(tmp_path.iterdir()))}"
    shutil.copytree(built_once, work)
    store = work / "store"
    path = store / live_version(store) / "state.marshal"
    header, _, body = path.read_bytes().partition(b"\n")
    state = marshal.loads(body)
    place = data.draw(st.sampled_from(list(_places(state))[1:]), label="place")
    value = data.draw(JSON, label="value")
    target = state
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = value
    # written back as a build would (its checksum holds), or with the checksum of the state it replaced
    path.write_bytes(_sealed(state) if data.draw(st.booleans(), label="sealed") else header + b"\n" + marshal.dumps(state))
    before = run_cli(capsys, "facts", "--store", store, "--format", "csv").out

    result = run_cli(capsys, "build", work / "data", "--store", store, "-o", work / "out", "--no-html")
    if result.code == 3:
        one_line_exit_3(result)
        assert "build state" in result.err
    elif place == ("base",) and isinstance(value, str):
        # a state recording another base: refused as a build with another --base would be (exit 2, one line)
        assert result.code == 2 and "was built with base IRI" in result.err and result.err.count("\n") == 1
    else:
        assert result.code == 0, result.err
        assert run_cli(capsys, "facts", "--store", store, "--format", "csv").out == before
        assert read_state(store)["graphs"].keys() == {"registry", "mini"}


def test_a_commit_makes_every_file_and_folder_of_the_new_version_durable(tmp_path, monkeypatch):
    """The new version's files not shared with the previous version (hard links of its table files) and its
    folders are fsynced before the switch (in threads: fsyncs issued together share journal commits)."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to tell the descriptors synced apart")
    data = make_corpus(tmp_path)
    store = tmp_path / "store"
    build([data], out_dir=None, store_path=store)
    (data / "articles" / "other.yaml").write_text(OTHER, encoding="utf-8")
    synced: set[str] = set()
    lock = threading.Lock()
    original = os.fsync

    def recording(fd: int) -> None:
        with lock:
            synced.add(os.readlink(f"/proc/self/fd/{fd}"))
        original(fd)
    monkeypatch.setattr(os, "fsync", recording)
    build([data], out_dir=None, store_path=store)
    version = store / live_version(store)
    unshared = {str(p) for p in version.rglob("*") if p.is_file() and p.stat().st_nlink == 1}
    folders = {str(version), *(str(p) for p in version.rglob("*") if p.is_dir())}
    shared = {str(p) for p in version.rglob("*") if p.is_file() and p.stat().st_nlink > 1}
    assert unshared and shared            # a new version holds both kinds
    assert unshared | folders <= synced
    assert not shared & synced


def test_a_state_without_its_base_lists_the_stored_graphs(built_once, tmp_path, capsys):
    """A sealed state whose base is missing (null) names no graphs: the build lists them from the store and
    ends as a clean build (it used to fail with an internal error making the rankings graph's IRI)."""
    work = tmp_path / "w"
    shutil.copytree(built_once, work)
    store = work / "store"
    path = store / live_version(store) / "state.marshal"
    state = marshal.loads(path.read_bytes().partition(b"\n")[2])
    state["base"] = None
    path.write_bytes(_sealed(state))
    before = run_cli(capsys, "facts", "--store", store, "--format", "csv").out
    result = run_cli(capsys, "build", work / "data", "--store", store, "-o", work / "out", "--no-html")
    assert result.code == 0, result.err
    assert run_cli(capsys, "facts", "--store", store, "--format", "csv").out == before
