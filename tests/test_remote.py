"""kg push and remote queries: unit tests of the pieces, then integration tests against real servers.

The integration tests (marker ``server``) start the Oxigraph server and Virtuoso themselves (tests/servers.py)
and skip with the reason when a server is not installed.
"""
from __future__ import annotations

import json
import shutil
import socket
from decimal import Decimal
from pathlib import Path

import pyoxigraph
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Variable

from kg import remote
from kg.cli import main
from kg.errors import InputError, QueryError, RemoteError
from kg.query import find_query, run_saved, saved_queries
from kg.remote import (Endpoint, batches, graph_store_url_for, parse_auth, parse_json_results, RemoteStore,
                       push_store, run_remote_query)
from kg.sparql_text import bind_values, query_shape, sparql_term
from kg.store import KgStore, Store

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
XSD = "http://www.w3.org/2001/XMLSchema#"
EX = "http://example.org/"
SEED = "mk-2025-korea-ai-competitiveness"


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------------------------------------ terms and VALUES

def roundtrip(term):
    """Parse ``term`` as SPARQL text with pyoxigraph's parser and give back what it evaluates to."""
    query = f"SELECT ?x WHERE {{ VALUES ?x {{ {sparql_term(term)} }} }}"
    return [row["x"] for row in pyoxigraph.Store().query(query)]


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(value=_text, lang=st.sampled_from([None, "ko", "en", "en-GB", "zh-Hant-TW"]))
def test_string_literals_survive_serialisation(value, lang):
    term = Literal(value, language=lang) if lang else Literal(value)
    assert roundtrip(term) == [term]


def test_backslash_u_in_a_string_is_not_an_escape():
    # SPARQL processes \\u escapes before parsing; text that merely contains a backslash and "u0022" must
    # stay what it is and not close the string.
    term = Literal('a\\u0022 } ; DROP ALL')
    assert roundtrip(term) == [term]


@given(value=st.decimals(allow_nan=False, allow_infinity=False, places=4))
def test_typed_literals_survive_serialisation(value):
    term = Literal(format(value, "f"), datatype=NamedNode(XSD + "decimal"))
    [back] = roundtrip(term)  # pyoxigraph canonicalises the lexical form (0.0000 -> 0)
    assert back.datatype == term.datatype and Decimal(back.value) == value


@given(path=st.text(st.one_of(st.characters(whitelist_categories=("L", "N")), st.sampled_from("-._~/=&+!$'()*,;:@")),
                    max_size=30))
def test_iris_survive_serialisation(path):
    term = NamedNode(EX + path)
    assert roundtrip(term) == [term]


def test_blank_nodes_cannot_be_parameters():
    # pyoxigraph already refuses malformed IRIs and language tags; a blank node is the one term that parses
    # but means nothing to a remote server.
    with pytest.raises(QueryError, match="blank node"):
        sparql_term(BlankNode("b1"))


# A small dataset in two named graphs; VALUES-bound queries must return what pyoxigraph's substitutions return.
# (pyoxigraph only substitutes variables of the projection, so the examples project what they bind.)
def _small_store() -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    g1, g2 = NamedNode(EX + "g1"), NamedNode(EX + "g2")
    p, q = NamedNode(EX + "p"), NamedNode(EX + "q")
    for i in range(6):
        graph = g1 if i % 2 else g2
        store.add(Quad(NamedNode(f"{EX}s{i}"), p, Literal(str(i), datatype=NamedNode(XSD + "integer")), graph))
        store.add(Quad(NamedNode(f"{EX}s{i}"), q, Literal(f"where {{ {i} }}", language="en"), graph))
    return store


QUERIES = [
    # plain WHERE, prefixed names and comments/strings holding braces and the word WHERE
    ("PREFIX ex: <http://example.org/>\n# WHERE { in a comment\nSELECT ?s ?o WHERE { ?s ex:p ?o "
     "FILTER(?o != \"WHERE {\") } ORDER BY ?s", {"s": NamedNode(EX + "s3")}),
    # no WHERE keyword; variables called ?where and a prefixed name ex:where
    ("PREFIX ex: <http://example.org/>\nSELECT ?where ?n { ?where ex:p ?n OPTIONAL { ?where ex:where ?x } }",
     {"n": Literal("4", datatype=NamedNode(XSD + "integer"))}),
    # a subquery and an aggregate
    ("SELECT ?l (COUNT(*) AS ?c) WHERE { { SELECT ?s WHERE { ?s ?p ?o } } ?s <http://example.org/q> ?l } GROUP BY ?l",
     {"l": Literal("where { 2 }", language="en")}),
    # CONSTRUCT with a template before the WHERE group (with and without the WHERE keyword)
    ("CONSTRUCT { ?s <http://example.org/r> ?o } WHERE { ?s <http://example.org/p> ?o }",
     {"o": Literal("5", datatype=NamedNode(XSD + "integer"))}),
    ("CONSTRUCT { ?s <http://example.org/r> ?o } { ?s <http://example.org/p> ?o }",
     {"s": NamedNode(EX + "s1")}),
    ("ASK { ?s <http://example.org/p> ?o }", {"o": Literal("5", datatype=NamedNode(XSD + "integer"))}),
    ("ask{?s <http://example.org/p> ?o}", {"s": NamedNode(EX + "s0")}),
    # several parameters at once, and a GRAPH pattern
    ("SELECT ?g ?s ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"s": NamedNode(EX + "s2"), "o": Literal(
        "where { 2 }", language="en")}),
    ("DESCRIBE ?s WHERE { ?s ?p ?o }", {"s": NamedNode(EX + "s1")}),
]


def _outcome(result):
    if isinstance(result, pyoxigraph.QueryBoolean):
        return bool(result)
    if isinstance(result, pyoxigraph.QuerySolutions):
        variables = [v.value for v in result.variables]
        return sorted(tuple(str(row[v]) for v in variables) for row in result)
    return sorted(str(t) for t in result)


@pytest.mark.parametrize("query,bindings", QUERIES)
def test_values_binding_gives_the_same_answer_as_substitution(query, bindings):
    store = _small_store()
    expected = _outcome(store.query(query, use_default_graph_as_union=True,
                                    substitutions={Variable(k): v for k, v in bindings.items()}))
    got = _outcome(store.query(bind_values(query, bindings), use_default_graph_as_union=True))
    assert got == expected
    assert expected not in ([], False), "the example should select something"


@settings(max_examples=150, deadline=None)
@given(noise=_text)
def test_braces_and_keywords_in_comments_and_strings_do_not_move_the_values_block(noise):
    store = _small_store()
    comment = noise.replace("\n", " ").replace("\r", " ")
    query = (f"# {comment}\nSELECT ?s ?o WHERE {{ # {comment}\n ?s <http://example.org/p> ?o "
             f"FILTER(STR(?o) != {sparql_term(Literal(noise))}) }}")
    bindings = {"s": NamedNode(EX + "s3")}
    expected = _outcome(store.query(query, substitutions={Variable("s"): bindings["s"]},
                                    use_default_graph_as_union=True))
    assert _outcome(store.query(bind_values(query, bindings), use_default_graph_as_union=True)) == expected


def test_values_block_is_the_first_thing_in_the_where_group():
    text = bind_values("SELECT * WHERE {\n  ?s ?p ?o\n}", {"s": NamedNode(EX + "a"), "o": Literal("x")})
    assert text == 'SELECT * WHERE { VALUES (?o ?s) { ("x" <http://example.org/a>) } \n  ?s ?p ?o\n}'


def test_no_bindings_leave_the_query_untouched():
    assert bind_values("DESCRIBE <http://example.org/a>", {}) == "DESCRIBE <http://example.org/a>"


@pytest.mark.parametrize("query,message", [
    ("CONSTRUCT WHERE { ?s ?p ?o }", "short form"),
    ("DESCRIBE <http://example.org/a>", "no WHERE group"),
    ("INSERT DATA { <a:b> <a:c> <a:d> }", "not a SPARQL query"),
    ("# SELECT { in a comment only", "not a SPARQL query"),
])
def test_queries_without_a_place_for_values_are_refused(query, message):
    with pytest.raises(QueryError, match=message):
        bind_values(query, {"s": NamedNode(EX + "a")})


def test_bad_parameter_name_is_refused():
    with pytest.raises(QueryError, match="parameter name"):
        bind_values("SELECT * { ?s ?p ?o }", {"s o": NamedNode(EX + "a")})


def test_query_form_is_found_after_the_prologue():
    assert query_shape("PREFIX select: <http://x/>\nBASE <http://y/> # ASK\nconstruct {} {}").form == "CONSTRUCT"


def test_predefined_prefixes_are_declared_for_the_server():
    text = remote.with_prefixes("PREFIX nkg: <http://other/>\nSELECT * { ?s a xsd:integer }",
                                {"nkg": "https://w3id.org/newskg/ontology#", "xsd": XSD})
    assert text.startswith(f"PREFIX xsd: <{XSD}> PREFIX nkg: <http://other/>")
    assert text.count("\n") == 1  # line numbers of server errors still match the file


# ------------------------------------------------------------------------------------------ small helpers

@pytest.mark.parametrize("url,auth,expected", [
    ("http://h:7878/query", False, "http://h:7878/store"),
    ("http://h:8890/sparql", True, "http://h:8890/sparql-graph-crud-auth"),
    ("http://h:8890/sparql/", False, "http://h:8890/sparql-graph-crud"),
    ("https://h/fuseki/ds/query", True, "https://h/fuseki/ds/data"),
    ("https://h/ds/sparql", False, "https://h/ds/data"),
])
def test_graph_store_url_is_derived_for_known_servers(url, auth, expected):
    assert graph_store_url_for(url, authenticated=auth) == expected


def test_unknown_server_needs_graph_store_option():
    with pytest.raises(InputError, match="--graph-store"):
        Endpoint("http://h/repositories/x").store_url()
    assert Endpoint("http://h/x", graph_store_url="http://h/gsp").store_url() == "http://h/gsp"


@pytest.mark.parametrize("text,expected", [("dba:dba", ("dba", "dba")), ("u:p:w", ("u", "p:w")), ("u:", ("u", ""))])
def test_auth_is_user_colon_password(text, expected):
    assert parse_auth(text) == expected


@pytest.mark.parametrize("text", ["dba", ":pw", ""])
def test_malformed_auth_is_an_input_error(text):
    with pytest.raises(InputError):
        parse_auth(text)


def test_bad_urls_and_auth_types_are_input_errors():
    with pytest.raises(InputError, match="http"):
        Endpoint("ftp://h/sparql")
    with pytest.raises(InputError, match="authentication"):
        Endpoint("http://h/sparql", auth_type="ntlm")


def test_large_graphs_are_batched_but_blank_nodes_keep_a_graph_whole():
    lines = [f"<{EX}s{i}> <{EX}p> \"{i}\" .\n" for i in range(25)]
    parts = batches(lines, 10)
    assert [len(p) for p in parts] == [10, 10, 5] and [line for part in parts for line in part] == lines
    assert batches(lines, 10, splittable=False) == [lines]
    assert batches(lines, 100) == [lines]
    with pytest.raises(InputError):
        batches(lines, 0)


def test_json_results_of_both_dialects_become_terms():
    body = json.dumps({"head": {"vars": ["a", "b", "c", "d"]}, "results": {"bindings": [
        {"a": {"type": "uri", "value": EX + "x"},
         "b": {"type": "typed-literal", "datatype": XSD + "decimal", "value": "1.5"},
         "c": {"type": "literal", "xml:lang": "ko-KR", "value": "한국"}},
        {"d": {"type": "literal", "datatype": XSD + "string", "value": "s"}, "a": {"type": "bnode", "value": "b0"}},
    ]}}).encode()
    result = parse_json_results("http://h/sparql", body)
    assert result.variables == ["a", "b", "c", "d"]
    assert result.rows[0] == (NamedNode(EX + "x"), Literal("1.5", datatype=NamedNode(XSD + "decimal")),
                              Literal("한국", language="ko-kr"), None)
    assert result.rows[1][3] == Literal("s") and isinstance(result.rows[1][0], BlankNode)
    assert parse_json_results("u", b'{"head": {}, "boolean": true}').boolean is True


@pytest.mark.parametrize("body", [b"<html>oops</html>", b'{"head": {}}', b'{"head": {"vars": ["a"]}, '
                                  b'"results": {"bindings": [{"a": {"type": "triple", "value": "x"}}]}}'])
def test_unreadable_results_are_remote_errors(body):
    with pytest.raises(RemoteError, match="http://h/sparql"):
        parse_json_results("http://h/sparql", body)


def test_unreachable_server_is_a_remote_error_naming_the_url():
    url = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(RemoteError, match=f"{url}: cannot connect"):
        remote.query_endpoint(Endpoint(url, timeout=5), "ASK {}")
    with pytest.raises(RemoteError, match="/store: cannot connect"):
        push_store(Store(_small_store()), Endpoint(url, timeout=5))


# ------------------------------------------------------------------------------------------ CLI without a server

def test_push_without_a_store_exits_3(tmp_path, capsys):
    code = main(["push", "--endpoint", "http://127.0.0.1:1/query", "--store", str(tmp_path / "none")])
    assert code == 3
    assert "no store at" in capsys.readouterr().err


def test_push_with_malformed_auth_exits_2(tmp_path, capsys):
    code = main(["push", "--endpoint", "http://127.0.0.1:1/query", "--auth", "nopassword",
                 "--store", str(tmp_path)])
    assert code == 2
    assert "user:password" in capsys.readouterr().err


def test_push_to_a_closed_port_exits_4(built, capsys):
    code = main(["push", "--endpoint", f"http://127.0.0.1:{free_port()}/query", "--store", str(built),
                 "--timeout", "5"])
    err = capsys.readouterr().err
    assert code == 4 and err.startswith("kg: error: http://127.0.0.1:") and "Traceback" not in err


@pytest.mark.parametrize("option", ["--endpoint", "--graph-store"])
@pytest.mark.parametrize("url", ["notaurl", "ftp://h/sparql", "http:///sparql", "http://:8890/sparql",
                                 "http://user@/sparql", "http://h:99999/sparql", "http://h:abc/sparql",
                                 "http://[::1/sparql", "http://ex ample/sparql", "http://h/sparql\n"])
def test_push_to_an_invalid_url_is_bad_input_not_a_remote_failure(built, capsys, url, option):
    args = ["--endpoint", url] if option == "--endpoint" else ["--endpoint", "http://127.0.0.1:1/query",
                                                               "--graph-store", url]
    code = main(["push", *args, "--store", str(built), "--timeout", "5"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith(f"kg: error: {option} ") and "is not an http(s) URL" in err and err.count("\n") == 1


# ------------------------------------------------------------------------------------------ servers that lie

@pytest.fixture
def fake_server():
    """Start fake Graph Store servers (tests/fakeserver.py) with a given behaviour; stopped after the test."""
    from fakeserver import start

    running = []

    def make(**behaviour):
        from fakeserver import Behaviour

        server, httpd = start(Behaviour(**behaviour))
        running.append(httpd)
        return server

    yield make
    for httpd in running:
        httpd.shutdown()
        httpd.server_close()


def push_to(server, built, *extra):
    return main(["push", "--endpoint", server.query_url, "--store", str(built), "--timeout", "10", *extra])


def test_an_honest_fake_server_gets_every_triple(fake_server, built, capsys):
    # the control for the tests below: the fake server stores what it is sent and answers queries from it
    server = fake_server(status=204)
    assert push_to(server, built) == 0, capsys.readouterr().err
    assert local_counts(Store(server.store)) == sent_counts(local_store(built))
    assert "pushed" in capsys.readouterr().out


def test_a_200_html_page_in_answer_to_put_is_a_failure(fake_server, built, capsys):
    from fakeserver import LOGIN_PAGE

    server = fake_server(status=200, content_type="text/html; charset=utf-8", body=LOGIN_PAGE, store_puts=False)
    assert push_to(server, built) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{server.url}/store: HTTP 200 OK to PUT came back as an HTML page ('Sign in Password')" in err
    assert "the graph was not stored" in err


def test_an_empty_html_labelled_answer_is_virtuosos_way_of_saying_ok(fake_server, built, capsys):
    server = fake_server(status=201, content_type="text/html; charset=UTF-8")
    assert push_to(server, built) == 0, capsys.readouterr().err


def test_a_redirect_to_a_login_page_is_never_followed(fake_server, built, capsys):
    server = fake_server(status=302, location="/login", store_puts=False)
    assert push_to(server, built) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{server.url}/store: HTTP 302 Found to PUT, redirecting to {server.url}/login" in err
    assert ("GET", "/login") not in server.requests  # the redirect was not followed
    assert [m for m, path in server.requests if path == "/store"] == ["PUT"]  # and nothing else was sent


@pytest.mark.parametrize("status", [307, 308])
def test_a_redirect_that_would_keep_the_body_is_not_followed_either(fake_server, built, capsys, status):
    server = fake_server(status=status, location="/elsewhere", store_puts=False)
    assert push_to(server, built) == 4
    assert f"HTTP {status}" in capsys.readouterr().err
    assert all(path == "/store" for _, path in server.requests)


def test_a_server_that_says_204_but_stores_nothing_fails_the_count(fake_server, built, capsys):
    server = fake_server(status=204, store_puts=False, store_posts=False)
    assert push_to(server, built) == 4
    err = capsys.readouterr().err
    graph, sent = min(local_counts(local_store(built)).items())
    assert err.count("\n") == 1 and "Traceback" not in err
    assert (f"kg: error: {server.url}/store: the upload was not stored: after the push {server.query_url} holds 0 "
            f"triples in {graph}, not the {sent} sent (and ") in err


def test_a_server_that_drops_the_later_batches_fails_the_count(fake_server, built, capsys):
    server = fake_server(status=204, store_posts=False)
    assert push_to(server, built, "--batch-size", "100") == 4
    err = capsys.readouterr().err
    assert "the upload was not stored" in err and "triples in" in err


@pytest.mark.parametrize("deletes", [True, False])
def test_pruned_graphs_must_be_gone_afterwards(fake_server, built, capsys, deletes):
    server = fake_server(status=204, store_deletes=deletes)
    gone = NamedNode("https://w3id.org/newskg/id/graph/article/deleted-article")
    server.store.add(Quad(NamedNode(EX + "s"), NamedNode(EX + "p"), Literal("o"), gone))
    code = push_to(server, built, "--prune")
    err = capsys.readouterr().err
    if deletes:
        assert code == 0, err
        assert not Store(server.store).has_graph(gone.value)
    else:
        assert code == 4
        assert f"{server.url}/store: the server still holds {gone.value} after deleting it" in err


def test_push_uploads_the_ontology_as_its_own_graph(fake_server, built, capsys):
    # issue 10, item 1: what `kg push` uploads carries the ontology, so a server validating or reasoning over our
    # data knows that an nkg:Observation is an nkg:Fact and a prov:Entity
    import rdflib
    from rdflib.compare import isomorphic
    from kg.assets import ontology_path
    from kg.export import ONTOLOGY_GRAPH

    server = fake_server(status=204)
    assert push_to(server, built) == 0, capsys.readouterr().err
    assert f"triples  {ONTOLOGY_GRAPH}" in capsys.readouterr().out
    held = rdflib.Graph().parse(data=pyoxigraph.serialize(
        [q.triple for q in Store(server.store).quads(ONTOLOGY_GRAPH)],
        format=pyoxigraph.RdfFormat.N_TRIPLES).decode(), format="nt")
    assert isomorphic(held, rdflib.Graph().parse(ontology_path(), format="turtle"))
    assert Store(server.store).query("ASK { GRAPH ?g { <https://w3id.org/newskg/ontology#Observation> "
                                     "<http://www.w3.org/2000/01/rdf-schema#subClassOf> "
                                     "<https://w3id.org/newskg/ontology#Fact> } }").boolean


def test_prune_deletes_only_under_the_stores_recorded_base(fake_server, tmp_path, capsys):
    # The graph namespace comes from the base the store records, not from cutting names at their first
    # "/graph/": with this base that guess gave https://example.org/graph/, and pruned a stranger's graph.
    from kg.build import build

    base = "https://example.org/graph/kg/"
    build([DATA], out_dir=None, store_path=tmp_path / "s", html=False, base=base)
    server = fake_server(status=204)
    gone = NamedNode(base + "graph/article/deleted-article")
    stranger = NamedNode("https://example.org/graph/someone-elses")
    for graph in (gone, stranger):
        server.store.add(Quad(NamedNode(EX + "s"), NamedNode(EX + "p"), Literal("o"), graph))
    assert push_to(server, tmp_path / "s", "--prune") == 0, capsys.readouterr().err
    assert f"removed  {gone.value}" in capsys.readouterr().out
    assert not Store(server.store).has_graph(gone.value)
    assert Store(server.store).has_graph(stranger.value)


@pytest.mark.parametrize("status", [202, 203, 206])
def test_a_success_the_graph_store_protocol_does_not_allow_is_a_failure(fake_server, built, capsys, status):
    server = fake_server(status=status)
    assert push_to(server, built) == 4
    assert f"HTTP {status}" in capsys.readouterr().err


def test_push_help_names_its_options():
    from click.testing import CliRunner
    from kg.cli import cli
    result = CliRunner().invoke(cli, ["push", "--help"])
    assert result.exit_code == 0
    for option in ("--endpoint", "--graph-store", "--auth", "--auth-type", "--store", "--batch-size"):
        assert option in result.output


# ------------------------------------------------------------------------------------------ real servers

def build_store(data: Path, store: Path) -> Path:
    from kg.build import build
    build([data], out_dir=None, store_path=store, html=False)
    return store


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The first article (and the registries) built into a store of its own."""
    return build_store(DATA, tmp_path_factory.mktemp("built") / "store")


def local_store(path: Path) -> Store:
    return KgStore(path, read_only=True)   # the version it reads stays locked until the process ends


def graph_counts(endpoint: Endpoint, prefix: str = "https://w3id.org/newskg/") -> dict[str, int]:
    result = run_remote_query(endpoint, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                              "FILTER(STRSTARTS(STR(?g), ?prefix)) } GROUP BY ?g", {"prefix": Literal(prefix)})
    return {row[0].value: int(row[1].value) for row in result.rows}


def local_counts(store: Store) -> dict[str, int]:
    return {g: len(store.quads(g)) for g in store.graphs()}


def sent_counts(store: Store) -> dict[str, int]:
    """What `kg push` uploads: every graph of the store, and the ontology as its own graph."""
    from kg.export import ONTOLOGY_GRAPH, ontology_quads
    return {**local_counts(store), ONTOLOGY_GRAPH: len(ontology_quads())}


def clear(server) -> None:
    """Drop the graphs an earlier test pushed (only ours: Virtuoso keeps its own system graphs)."""
    endpoint = server.endpoint()
    with endpoint.session() as session:
        for graph in graph_counts(endpoint):
            response = session.delete(server.graph_store_url, params={"graph": graph}, timeout=30)
            assert response.status_code < 300, response.text


@pytest.fixture
def server(sparql_server):
    """A server holding none of our graphs."""
    clear(sparql_server)
    return sparql_server


@pytest.fixture
def loaded(sparql_server, built):
    """A server holding exactly the graphs of ``built`` (pushed only when it does not already)."""
    endpoint = sparql_server.endpoint()
    if graph_counts(endpoint) != sent_counts(local_store(built)):
        clear(sparql_server)
        push_store(local_store(built), endpoint)
    return sparql_server


@pytest.mark.server
def test_push_sends_every_graph_and_twice_changes_nothing(server, built, capsys):
    store = local_store(built)
    expected = sent_counts(store)
    assert len(expected) >= 2  # the registry graph and the article's
    assert main(["push", *server.push_args(), "--store", str(built)]) == 0
    out = capsys.readouterr().out
    for graph, count in expected.items():
        assert f"{count} triples  {graph}" in out
    assert graph_counts(server.endpoint()) == expected

    # again, in small batches (PUT then POSTs): still exactly the local triples
    summary = push_store(store, server.endpoint(), batch_size=100)
    assert {g.graph: g.triples for g in summary.graphs} == expected
    assert max(g.requests for g in summary.graphs) > 1
    assert graph_counts(server.endpoint()) == expected


@pytest.fixture(scope="module")
def changed(tmp_path_factory) -> Path:
    """The same corpus with one figure of the article changed (Meta's H100s: 350000 -> 350001)."""
    folder = tmp_path_factory.mktemp("changed")
    data = folder / "data"
    shutil.copytree(DATA, data)
    sheet = data / "articles" / f"{SEED}.yaml"
    text = sheet.read_text(encoding="utf-8")
    assert "value: 350000\n" in text
    sheet.write_text(text.replace("value: 350000\n", "value: 350001\n", 1), encoding="utf-8")
    return build_store(data, folder / "store")


@pytest.mark.server
def test_pushing_an_article_again_replaces_its_graph(server, built, changed):
    push_store(local_store(built), server.endpoint())
    try:
        push_store(local_store(changed), server.endpoint())
        values = run_remote_query(server.endpoint(), "SELECT ?v WHERE { ?f nkg:subject ?s ; nkg:value ?v . "
                                  "?s dcterms:identifier \"meta\" }")
        assert [row[0].value for row in values.rows] == ["350001"]
        assert graph_counts(server.endpoint()) == sent_counts(local_store(changed))
    finally:
        clear(server)  # same triple counts as `built`: the `loaded` fixture must not mistake it for that


# Second values for the parameters the saved queries declare, so binding is tested beyond the defaults.
OTHER_VALUES = {
    "country": "US", "article": SEED, "indicator": "ai-workforce", "ranking": "tortoise-global-ai-index",
    "fact": f"https://w3id.org/newskg/id/article/{SEED}/fact/h100-meta",
}


def _params_for(name: str, variant: str) -> dict[str, str] | None:
    """The parameters to run a saved query with; None when the variant does not apply to the query."""
    query = find_query(name)
    if any(p.default is None and not p.optional and p.name not in OTHER_VALUES for p in query.params):
        return None
    if variant == "defaults":
        return {p.name: OTHER_VALUES[p.name] for p in query.params if p.default is None and not p.optional}
    values = {p.name: OTHER_VALUES[p.name] for p in query.params if p.name in OTHER_VALUES}
    return values or None


def canonical(result) -> list:
    """Rows in a comparable form: every term as its N-Triples text; order kept (queries order their rows)."""
    if result.kind == "ask":
        return [result.boolean]
    if result.kind == "graph":
        return sorted(str(t) for t in result.triples)
    return [tuple(None if t is None else str(t) for t in row) for row in result.rows]


SAVED_CASES = [(name, variant) for name in sorted(saved_queries()) or ["facts"]
               for variant in ("defaults", "other values") if _params_for(name, variant) is not None]


@pytest.mark.server
@pytest.mark.parametrize("name", ["facts", "country-profile", "classification-groups"])
def test_a_page_of_a_saved_query_on_the_server_is_the_slice_of_its_rows(loaded, name):
    """The page anchor's LIMIT/OFFSET (kg.query.page_text) is sent as it is: the server pages the same way."""
    store = RemoteStore(loaded.endpoint())
    whole = run_saved(store, name).rows
    assert len(whole) > 5
    assert run_saved(store, name, limit=3, offset=2).rows == whole[2:5]


@pytest.mark.server
def test_rows_from_an_offset_on_the_server_are_the_tail_of_its_rows(loaded, built):
    """An offset with no limit: the page narrower of `facts` gets no LIMIT, and the server still answers every row
    from the offset on, as the local store does (an emptied narrower group made Virtuoso answer none)."""
    store = RemoteStore(loaded.endpoint())
    whole = run_saved(store, "facts").rows
    assert len(whole) > 5
    assert run_saved(store, "facts", offset=3).rows == whole[3:]
    assert canonical(run_saved(store, "facts", offset=3)) == canonical(run_saved(local_store(built), "facts", offset=3))


@pytest.mark.server
@pytest.mark.parametrize("name,variant", SAVED_CASES)
def test_saved_queries_give_the_same_rows_locally_and_remotely(loaded, built, name, variant):
    server = loaded
    values = _params_for(name, variant)
    local = run_saved(local_store(built), name, values)
    there = run_saved(RemoteStore(server.endpoint()), name, values)
    assert there.variables == local.variables
    assert canonical(there) == canonical(local)


@pytest.mark.server
def test_parameters_reach_the_server_as_values(loaded, built):
    server = loaded
    for values in ({"article": SEED}, {"article": "no-such-article"}):
        local = run_saved(local_store(built), "facts", values)
        there = run_saved(RemoteStore(server.endpoint()), "facts", values)
        assert canonical(there) == canonical(local)
    assert len(run_saved(local_store(built), "facts", {"article": SEED}).rows) > 0


@pytest.mark.server
def test_a_hostile_parameter_is_only_a_value(loaded, built):
    server = loaded
    hostile = '" } } ; DROP ALL ; SELECT * { "'
    assert run_saved(RemoteStore(server.endpoint()), "facts", {"article": hostile}).rows == []
    assert graph_counts(server.endpoint()) == sent_counts(local_store(built))


@pytest.mark.server
def test_refused_or_wrong_urls_are_remote_errors(server, built):
    store = local_store(built)
    wrong = server.endpoint(graph_store_url=server.graph_store_url.rsplit("/", 1)[0] + "/no-such-endpoint")
    with pytest.raises(RemoteError, match=r"no-such-endpoint: HTTP (404|405|501)"):
        push_store(store, wrong)
    with pytest.raises(RemoteError, match=r"HTTP 4\d\d"):
        remote.query_endpoint(server.endpoint(query_url=server.query_url + "-nothing-here"), "ASK {}")


@pytest.mark.server
def test_virtuoso_refuses_wrong_credentials(virtuoso_server, built, capsys):
    store = local_store(built)
    with pytest.raises(RemoteError, match=r"sparql-graph-crud-auth: HTTP 401"):
        push_store(store, virtuoso_server.endpoint(auth=("dba", "wrong")))
    with pytest.raises(RemoteError, match=r"HTTP 401.*digest"):
        push_store(store, virtuoso_server.endpoint(auth_type="basic"))
    args = ["push", "--endpoint", virtuoso_server.query_url, "--auth", "dba:wrong", "--store", str(built)]
    assert main(args) == 4
    assert "HTTP 401" in capsys.readouterr().err


@pytest.mark.server
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_kg_query_endpoint_prints_what_the_local_query_prints(server, built, fmt, capsys):
    assert main(["push", *server.push_args(), "--store", str(built)]) == 0
    capsys.readouterr()
    auth = ["--auth", ":".join(server.auth)] if server.auth else []
    for args in (["facts", "--param", f"article={SEED}"], ["-e", "SELECT ?c WHERE { ?c nkg:isoCode \"KR\" }"]):
        assert main(["query", *args, "--format", fmt, "--store", str(built)]) == 0
        local = capsys.readouterr().out
        assert main(["query", *args, "--format", fmt, "--endpoint", server.query_url, *auth]) == 0
        assert capsys.readouterr().out == local
        assert local.count("\n") > 1


@pytest.mark.server
def test_kg_query_endpoint_reports_a_server_error_in_one_line(server, capsys):
    code = main(["query", "-e", "SELECT * WHERE { ?s ?p }", "--endpoint", server.query_url])
    err = capsys.readouterr().err
    assert code == 4 and err.startswith(f"kg: error: {server.query_url}: HTTP 400") and err.count("\n") == 1


@pytest.mark.server
def test_a_server_without_the_union_default_graph_is_reported(oxigraph_server_without_union, built):
    endpoint = oxigraph_server_without_union.endpoint()
    push_store(local_store(built), endpoint)
    with pytest.raises(RemoteError, match=r"default graph is empty.*--union-default-graph"):
        run_saved(RemoteStore(endpoint), "facts")
    # a query naming its graphs still works there
    rows = run_remote_query(endpoint, "SELECT ?g WHERE { GRAPH ?g { ?s nkg:isoCode \"KR\" } }").rows
    assert rows and all(row[0].value.endswith("graph/registry") for row in rows)


@pytest.mark.server
def test_an_empty_answer_on_a_well_configured_server_is_just_empty(loaded):
    server = loaded
    assert run_saved(RemoteStore(server.endpoint()), "facts", {"article": "no-such-article"}).rows == []


@pytest.mark.server
def test_prune_removes_graphs_of_deleted_articles_and_nothing_else(server, built, capsys):
    gone = "https://w3id.org/newskg/id/graph/article/deleted-article"
    other = "http://example.org/someone-elses-graph"
    extra = pyoxigraph.Store()
    for graph in (gone, other):
        extra.add(Quad(NamedNode(EX + "s"), NamedNode(EX + "p"), Literal("o"), NamedNode(graph)))
    push_store(Store(extra), server.endpoint())
    try:
        assert main(["push", *server.push_args(), "--store", str(built)]) == 0
        assert gone in graph_counts(server.endpoint())  # without --prune it stays
        assert main(["push", *server.push_args(), "--store", str(built), "--prune"]) == 0
        out = capsys.readouterr().out
        assert f"removed  {gone}" in out and "removed 1 graphs" in out
        assert graph_counts(server.endpoint()) == sent_counts(local_store(built))
        assert graph_counts(server.endpoint(), "http://example.org/") == {other: 1}
    finally:
        with server.endpoint().session() as session:
            session.delete(server.graph_store_url, params={"graph": other}, timeout=30)


@pytest.mark.server
def test_friendly_parameters_resolve_against_what_the_server_holds(loaded, built):
    """`kg query --endpoint` resolves 한국 / Korea with the names the server holds (issue 12, item 5)."""
    local = run_saved(local_store(built), "country-rankings", {"country": "KR"})
    for name in ("한국", "south korea"):
        there = run_saved(RemoteStore(loaded.endpoint()), "country-rankings", {"country": name})
        assert [(r.key, r.label) for r in there.resolved] == [("KR", "South Korea")]
        assert canonical(there) == canonical(local) and local.rows
    with pytest.raises(QueryError, match="closest matches: KR"):
        run_saved(RemoteStore(loaded.endpoint()), "country-rankings", {"country": "Koreaa"})
