"""kg/vocab.py declares every namespace once; the rest of the package imports it."""
from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph

from kg import vocab

KG = Path(__file__).resolve().parent.parent / "kg"


def test_no_module_but_vocab_declares_a_namespace_of_its_own():
    namespaces = {value for name, value in vars(vocab).items() if name.isupper() and isinstance(value, str)
                  and value.startswith("http") and value.endswith(("#", "/"))}
    offenders = []
    for path in sorted(KG.rglob("*.py")):
        if path.name == "vocab.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = re.match(r'\s*[A-Z_]+\s*=\s*(?:Namespace\()?"(https?://[^"]+)"', line)
            if match and (match.group(1) in namespaces or match.group(1).startswith(tuple(namespaces))):
                offenders.append(f"{path.relative_to(KG.parent)}:{number}: {line.strip()}")
    assert not offenders, "declare namespaces in kg/vocab.py:\n" + "\n".join(offenders)


def test_the_prologue_is_a_valid_sparql_prologue_with_the_asked_prefixes():
    store = pyoxigraph.Store()
    store.add(pyoxigraph.Quad(pyoxigraph.NamedNode(vocab.NKG + "a"), pyoxigraph.NamedNode(vocab.RDF_TYPE),
                              pyoxigraph.NamedNode(vocab.SCHEMA + "Thing")))
    assert store.query(vocab.sparql_prologue("rdf", "schema", "nkg") + "ASK { nkg:a rdf:type schema:Thing }")
    whole = vocab.sparql_prologue()
    assert [line.split()[1] for line in whole.splitlines()] == [f"{name}:" for name in vocab.PREFIXES]
