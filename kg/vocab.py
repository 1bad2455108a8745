"""Every namespace, prefix and fixed IRI the package uses, declared once.

Modules import the namespace strings from here (``vocab.NKG + "Fact"``); rdflib users wrap them in
``rdflib.Namespace``. ``PREFIXES`` is the prefix table of every serialisation and report kg writes, and
``sparql_prologue`` turns it into the PREFIX lines of a query.
"""
from __future__ import annotations

NKG = "https://w3id.org/newskg/ontology#"
NKGSH = "https://w3id.org/newskg/shapes#"
NKGQB = "https://w3id.org/newskg/ontology/cube#"
# terms of the store's index graphs (kg.conflicts), derived from the facts and never exported
NKGI = "https://w3id.org/newskg/index#"
ONTOLOGY_GRAPH = "https://w3id.org/newskg/ontology"
DEFAULT_BASE = "https://w3id.org/newskg/id/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
SH = "http://www.w3.org/ns/shacl#"
OA = "http://www.w3.org/ns/oa#"
QB = "http://purl.org/linked-data/cube#"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"

# Terms used by their full IRI in several modules
RDF_TYPE = RDF + "type"
RDF_LANG_STRING = RDF + "langString"
RDFS_LABEL = RDFS + "label"
SKOS_ALT_LABEL = SKOS + "altLabel"
DCTERMS_TITLE = DCTERMS + "title"
XSD_STRING = XSD + "string"
XSD_BOOLEAN = XSD + "boolean"

# The prefixes of every file kg writes (Turtle, TriG, JSON-LD contexts); fixed, so output never depends on input.
PREFIXES = {
    "nkg": NKG, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "skos": SKOS, "dcterms": DCTERMS, "schema": SCHEMA,
    "prov": PROV, "owl": OWL,
}
# Validation reports also shorten shape and SHACL IRIs.
REPORT_PREFIXES = {**PREFIXES, "nkgsh": NKGSH, "sh": SH}


def sparql_prologue(*names: str) -> str:
    """PREFIX lines for *names* (all of ``PREFIXES`` when none are given), one per line, in the order asked."""
    table = {**REPORT_PREFIXES, "oa": OA, "qb": QB}
    return "".join(f"PREFIX {name}: <{table[name]}>\n" for name in (names or tuple(PREFIXES)))
