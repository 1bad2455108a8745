"""Builds in other processes, each forked from one interpreter that has already imported ``kg.build``.

The crash tests kill a build with SIGKILL at each of its write points, so each such build needs a process of its
own. Started with ``python -c``, every one of them paid the interpreter's start and the imports (pySHACL, rdflib,
pyoxigraph: most of its CPU time) again. Here a helper process imports them once; for each build it forks a child
that changes to the caller's folder, sets the environment variables asked for and runs ``kg.build.build`` as a
fresh process would (the helper itself never opens a store and starts no thread, so the fork is clean). The parent
reports how the child ended, as ``subprocess`` would: the exit code, or minus the signal that killed it.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300

HELPER = r"""
import json, os, sys, traceback
from pathlib import Path
from kg.build import build

def fsync(fd):   # as in tests/conftest.py: the descriptor is checked, the disk is not waited for
    os.fstat(fd)

os.fsync = fsync

for line in sys.stdin:
    job = json.loads(line)
    err = job["stderr"]
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            fd = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)   # the helper's stdout is its answer to the tests: nothing else may reach it
            os.dup2(fd, 2)
            sys.stdout = open(1, "w", closefd=False)
            sys.stderr = open(2, "w", closefd=False)
            os.chdir(job["cwd"])
            os.environ.update(job["env"])
            data, store, out = job["argv"]
            build([Path(data)], store_path=Path(store), out_dir=Path(out), html=False)
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    print(json.dumps({"returncode": code}), flush=True)
"""


@dataclass(frozen=True)
class Ended:
    returncode: int
    stderr: str


class ForkedBuilds:
    """One helper process; ``run`` builds in a child forked from it and tells how the child ended."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        self.helper = subprocess.Popen([sys.executable, "-c", HELPER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       text=True, env=env)
        self.count = 0

    def run(self, data: Path, store: Path, out: Path, env: dict[str, str]) -> Ended:
        """``kg.build.build([data], store_path=store, out_dir=out, html=False)`` in the current folder, with ``env``."""
        assert self.helper.stdin is not None and self.helper.stdout is not None
        self.count += 1
        err = self.folder / f"build-{self.count}.err"
        job = {"cwd": os.getcwd(), "env": env, "argv": [str(data), str(store), str(out)], "stderr": str(err)}
        self.helper.stdin.write(json.dumps(job) + "\n")
        self.helper.stdin.flush()
        ready, _, _ = select.select([self.helper.stdout], [], [], TIMEOUT)
        if not ready:
            self.helper.kill()
            raise RuntimeError(f"a build in the helper took more than {TIMEOUT} s: {err.read_text(errors='replace')}")
        line = self.helper.stdout.readline()
        if not line:
            raise RuntimeError(f"the build helper exited with {self.helper.wait(timeout=60)}")
        return Ended(json.loads(line)["returncode"], err.read_text(encoding="utf-8", errors="replace"))

    def close(self) -> None:
        assert self.helper.stdin is not None
        self.helper.stdin.close()
        try:
            self.helper.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.helper.kill()
            self.helper.wait(timeout=10)


@pytest.fixture(scope="session")
def forked_builds(tmp_path_factory):
    """A ForkedBuilds helper for the session (of this worker)."""
    builds = ForkedBuilds(tmp_path_factory.mktemp("forked-builds"))
    try:
        yield builds
    finally:
        builds.close()
