"""The extraction rules compiled to C with mypyc, used when they were compiled from exactly the sources present.

``kg extract`` spends most of its time in the rules' Python (``kg/extract``). mypyc compiles those modules to C
extension modules, about 1.3× faster, without changing what they do. The compiled modules are not part of the
package: :func:`build` writes them to a folder of the Python environment (``<sys.prefix>/share/newskg/native``, or
``$NEWSKG_NATIVE_DIR``), under a key made of the compiled modules' source text and the interpreter's tag. At import
of :mod:`kg.extract` (which imports this module first), a finder on ``sys.meta_path`` loads the compiled modules
from the folder of the current key, if there is one; otherwise, and always when ``NEWSKG_NATIVE=0``, the modules'
Python sources run. So an edited source is never shadowed by a stale compiled copy: it runs as Python until the
rules are compiled again (``kg compile``, or ``python3 dev.py native``).

Compiling needs mypyc (``pip install 'newskg[native]'``), a C compiler and the Python headers; it takes a few
minutes. The rules' drafts are the same either way (``tests/test_native.py`` compares them byte for byte).
"""
from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .errors import InputError, StoreError

PACKAGE = Path(__file__).resolve().parent
RULES = PACKAGE / "extract"
# modules of kg/extract that stay Python: package __init__ files (kg/extract/__init__.py imports this module before
# any compiled one) and the YAML writing of drafts (libyaml does that work; mypyc takes neither its Dumper class, made
# only when PyYAML has libyaml, nor its regex of lone surrogates)
INTERPRETED = frozenset({"kg.extract.yamlout"})
MANIFEST = "manifest.json"
GROUP = "kg_extract_rules"          # mypyc's shared library for the compiled modules: <GROUP>__mypyc
ENV_SWITCH = "NEWSKG_NATIVE"        # "0": never use nor build the compiled modules
ENV_DIR = "NEWSKG_NATIVE_DIR"       # where compiled builds live instead of <sys.prefix>/share/newskg/native


def compiled_sources() -> list[tuple[str, Path]]:
    """The modules mypyc compiles, as (module name, source file), sorted by name."""
    out = []
    for path in RULES.rglob("*.py"):
        if path.name == "__init__.py":
            continue
        name = ".".join(("kg", *path.relative_to(PACKAGE).with_suffix("").parts))
        if name not in INTERPRETED:
            out.append((name, path))
    return sorted(out)


def source_key() -> str:
    """The key of a compiled build: the compiled modules' names and text, and the interpreter they were built for."""
    digest = hashlib.sha256()
    digest.update(f"{sys.implementation.cache_tag} {sysconfig.get_platform()}\n".encode())
    for name, path in compiled_sources():
        data = path.read_bytes()
        digest.update(f"{name} {len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()[:24]


def native_root() -> Path:
    """The folder holding compiled builds, one sub-folder per key."""
    env = os.environ.get(ENV_DIR)
    return Path(env) if env else Path(sys.prefix) / "share" / "newskg" / "native"


@dataclass(frozen=True)
class Status:
    in_use: bool            # the compiled modules are loaded instead of the sources
    reason: str             # one line for a person: why (not)
    folder: Path            # the build of the current key, whether or not it exists


def _read_manifest(folder: Path) -> dict[str, str] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return None
    return files


class _CompiledRules(importlib.abc.MetaPathFinder):
    """Finds the compiled modules of one build by their full name; every other name is left to the next finder."""

    def __init__(self, files: dict[str, Path]):
        self.files = files

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        file = self.files.get(fullname)
        if file is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(file))
        return importlib.util.spec_from_file_location(fullname, file, loader=loader)


def _install() -> Status:
    folder = native_root() / source_key()
    if os.environ.get(ENV_SWITCH) == "0":
        return Status(False, f"interpreted: {ENV_SWITCH}=0", folder)
    files = _read_manifest(folder)
    if files is None:
        return Status(False, "interpreted: the rules are not compiled for these sources (kg compile)", folder)
    if any(name in sys.modules for name in files):       # a module imported before the finder: keep one kind
        return Status(False, "interpreted: rules imported before kg.native", folder)
    finder = _CompiledRules({name: folder / rel for name, rel in files.items()})
    sys.meta_path.insert(0, finder)
    return Status(True, f"compiled: {folder}", folder)


STATUS = _install()


# ---------------------------------------------------------------------------------------------------- building
_SETUP = """\
import json, sys
from setuptools import setup
from mypyc.build import mypycify
files = json.loads(sys.argv[1])
sys.argv = sys.argv[:1]
setup(name="newskg-native", ext_modules=mypycify(files, opt_level="3", multi_file=True, group_name={group!r}),
      script_args=["build_ext", "--inplace", "--parallel", "{jobs}"])
"""
_MYPY_CONFIG = "[mypy]\nignore_missing_imports = True\n"


def build(root: Path | None = None) -> Path:
    """Compile the rules of the current sources into ``root/<key>`` (nothing to do when that build exists) and
    return that folder. The build happens in a temporary folder beside it, renamed into place when complete."""
    root = root or native_root()
    folder = root / source_key()
    if _read_manifest(folder) is not None:
        return folder
    if importlib.util.find_spec("mypyc") is None or importlib.util.find_spec("setuptools") is None:
        raise InputError("compiling the extraction rules needs mypyc and setuptools",
                         hint="pip install 'newskg[native]'")
    try:
        root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
    except OSError as err:
        raise StoreError(f"cannot write compiled rules under {root}: {err.strerror or err}",
                         hint=f"set {ENV_DIR} to a writable folder") from err
    try:
        return _compile(work, folder)
    except OSError as err:
        raise StoreError(f"cannot write compiled rules under {root}: {err.strerror or err}",
                         hint=f"set {ENV_DIR} to a writable folder") from err
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _compile(work: Path, folder: Path) -> Path:
    src = work / "src"
    for path in PACKAGE.rglob("*.py"):          # mypy reads the modules the rules import from the same copy
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ("_vendor", "__pycache__"):
            continue
        (src / "kg" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, src / "kg" / rel)
    (src / "mypy.ini").write_text(_MYPY_CONFIG, encoding="utf-8")
    modules = compiled_sources()
    files = [str(Path("kg", *name.split(".")[1:]).with_suffix(".py")) for name, _ in modules]
    script = _SETUP.format(group=GROUP, jobs=os.cpu_count() or 1)
    proc = subprocess.run([sys.executable, "-c", script, json.dumps(files)], cwd=src, capture_output=True,
                          text=True, check=False)
    log = folder.parent / "build.log"
    log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if proc.returncode != 0:
        last = next((line for line in reversed((proc.stdout + proc.stderr).splitlines()) if line.strip()), "")
        raise StoreError(f"compiling the extraction rules failed (exit {proc.returncode}): {last.strip()}",
                         hint=f"the whole output is in {log}")
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    built = {name: Path("kg", *name.split(".")[1:]).with_suffix("").as_posix() + suffix for name, _ in modules}
    built.update({p.name[:-len(suffix)]: p.name for p in src.glob(f"*__mypyc{suffix}")})
    out = work / "out"
    for file in built.values():
        if not (src / file).is_file():
            raise StoreError(f"compiling the extraction rules wrote no {file}", hint=f"see {log}")
        (out / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(src / file, out / file)
    (out / MANIFEST).write_text(json.dumps({"files": built}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    try:
        out.rename(folder)
    except OSError:
        if _read_manifest(folder) is None:       # not another build of the same key finishing first
            raise                                # build() says where, in one line
    return folder
