"""Shared pytest configuration. Fixtures live in their own modules and are registered here."""
import gc
import os

import pytest

try:  # tests/ is a plain folder put on sys.path by pytest's default import mode ...
    import _browser
    import forkbuild as _forkbuild
    import servers as _servers
    import sharedfiles as _shared
except ModuleNotFoundError:  # ... or a package, should someone add tests/__init__.py
    from tests import _browser
    from tests import forkbuild as _forkbuild
    from tests import servers as _servers
    from tests import sharedfiles as _shared

# SPARQL servers started for the integration tests of kg push / kg query --endpoint (tests/servers.py)
oxigraph_server = _servers.oxigraph_server
oxigraph_server_without_union = _servers.oxigraph_server_without_union
virtuoso_server = _servers.virtuoso_server
sparql_server = _servers.sparql_server
# one headless Chromium per browser-test module (tests/_browser.py)
browser = _browser.browser
# builds in processes forked from one that has imported kg.build (tests/forkbuild.py), for the crash tests
forked_builds = _forkbuild.forked_builds


def _fsync_without_waiting_for_the_disk(fd: int) -> None:
    """os.fsync for the tests' own process: the descriptor is checked as fsync checks it (a closed or bad one
    raises OSError), the data is not forced to the disk. kg calls os.fsync so that a power loss cannot undo an
    output or a store switch; no test can cut the power, and what the tests do check (a build killed with SIGKILL,
    readers during rebuilds) lives in the page cache, which a killed process does not take down. Each real fsync
    waits ~5 ms for the disk, and the suite's builds make thousands of them (a build of data/: 33)."""
    os.fstat(fd)


os.fsync = _fsync_without_waiting_for_the_disk


def pytest_runtest_setup(item: pytest.Item) -> None:
    # tests marked @needs(path) (tests/sharedfiles.py) skip, or fail under KG_REQUIRE_SHARED=1, without ../shared
    for mark in item.iter_markers("shared_files"):
        for path in mark.args:
            _shared.require(path)


def pytest_collection_finish(session: pytest.Session) -> None:
    # Every module the tests import is loaded now (about 130,000 objects per worker). Moved out of the collector's
    # reach, they are not scanned again by each full collection: kg.store calls gc.collect() whenever it closes
    # a store (RocksDB closes when its last reference goes), which costs ~60 ms with them and ~0 ms without, and
    # the suite closes stores thousands of times. Garbage is collected first, so only live objects are frozen
    # (modules, classes, functions, the collected test items).
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    # The modules that hold a test marked slow run first, each kept whole and in its own order (so module-scoped
    # fixtures are still built once). Under `dev.py test` (xdist, --dist worksteal) the first worker starts on them
    # while the other takes the quick modules and then steals from the first one's queue: the run ends on short
    # tests instead of waiting for a minute-long one that happened to be collected last.
    slow = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow)   # a stable sort: the order within each group is kept
