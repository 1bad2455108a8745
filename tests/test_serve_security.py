"""kg serve makes no outbound request and takes no update from another site (issue 8, findings 1, 2 and 9).

A local listener records every connection made to it: SSRF attempts (SERVICE in queries, LOAD and SERVICE in
updates, by GET and POST, in every spelling the parser accepts) must leave it untouched, and cross-origin update
attempts must leave the store unchanged. Also: bad graph IRIs get 400, slow clients are cut off, keep-alive works.
"""
from __future__ import annotations

import http.client
import json
import platform
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

try:
    from _serve_data import COUNT_ALL, Listener, build_store, count_quads, request
except ModuleNotFoundError:  # tests/ imported as a package
    from tests._serve_data import COUNT_ALL, Listener, build_store, count_quads, request

from kg.serve import ServeConfig, SparqlServer
from kg.serve_federation import outbound, refusal, tokens

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("serve-security"))


@pytest.fixture()
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture(scope="module")
def server(store):
    config = ServeConfig(store_path=store, port=0, timeout=10, workers=2, request_time=2.0,
                         max_connections=8, max_client_connections=4)
    with SparqlServer(config).start() as srv:
        yield srv


@pytest.fixture()
def writable(store, tmp_path):
    """A server on a copy of the store that accepts updates."""
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    with SparqlServer(ServeConfig(store_path=copy, port=0, timeout=20, workers=1, allow_updates=True)).start() as srv:
        yield srv


def service_queries(url: str) -> list[str]:
    """SERVICE written every way pyoxigraph's parser takes it (and one way it does not: \\u escapes)."""
    host = url.rstrip("/")
    return [
        f"SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}a> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o . SERVICESILENT<{url}b>{{ ?s ?p ?o }} }}",
        f"PREFIX rem: <{host}/> SELECT * WHERE {{ SERVICE rem:c {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ # a comment\n Service\t<{url}d> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{url}e> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}f> {{ ?s ?p ?o }} }}",
        f"ASK {{ SERVICE <{url}g> {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}h> {{ ?s ?p ?o }} }}",
    ]


# ------------------------------------------------------------------------------------------------ SSRF
@pytest.mark.parametrize("how", ["GET", "POST query", "POST form"])
def test_service_is_refused_and_nothing_is_contacted(server, listener, how):
    for query in service_queries(listener.url):
        if how == "GET":
            status, _, body = request(server, "GET", params={"query": query})
        elif how == "POST query":
            status, _, body = request(server, "POST", body=query.encode(),
                                      headers={"Content-Type": "application/sparql-query"})
        else:
            status, _, body = request(server, "POST", body=urllib.parse.urlencode({"query": query}).encode(),
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 403, (query, body)
        assert b"SERVICE" in body and b"no outbound requests" in body
    assert listener.settle() == []


def test_the_keyword_in_strings_iris_comments_and_names_is_not_refused(server):
    for query in ['SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:9/>" AS ?x) }',
                  "SELECT ?x WHERE { BIND('''LOAD\nSERVICE''' AS ?x) }",
                  "SELECT ?s WHERE { ?s <http://example.org/service> ?o } LIMIT 1",
                  "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1  # SERVICE <http://127.0.0.1:9/>",
                  "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:p ?o } LIMIT 1"]:
        status, _, body = request(server, "GET", params={"query": query})
        assert status == 200, (query, body)


def test_load_and_service_in_updates_are_refused_even_with_updates_allowed(writable, listener):
    before = count_quads(writable)
    for update in [f"LOAD <{listener.url}data.ttl>",
                   f"load silent <{listener.url}data.ttl> INTO GRAPH <urn:g>",
                   f"INSERT {{ GRAPH <urn:g> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"]:
        status, _, body = request(writable, "POST", body=update.encode(),
                                  headers={"Content-Type": "application/sparql-update"})
        assert status == 403 and b"no outbound requests" in body, (update, body)
    assert listener.settle() == []
    assert count_quads(writable) == before


linux_seccomp = pytest.mark.skipif(not sys.platform.startswith("linux") or platform.machine() not in ("x86_64",
                                                                                                   "aarch64"),
                                   reason="the seccomp fence exists on Linux x86-64 and arm64 only")


@linux_seccomp
def test_the_sandbox_stops_pyoxigraph_from_connecting_even_without_the_scan(listener):
    """The second fence on its own: a process under deny_network() runs a SERVICE query; nothing is contacted."""
    code = ("import sys, pyoxigraph; from kg.serve_sandbox import deny_network; assert deny_network(); "
            "list(pyoxigraph.Store().query(sys.argv[1]))")
    query = f"SELECT * WHERE {{ SERVICE <{listener.url}sparql> {{ ?s ?p ?o }} }}"
    done = subprocess.run([sys.executable, "-c", code, query], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, check=False)
    assert done.returncode != 0 and "Permission denied" in done.stderr, done.stderr
    assert listener.settle() == []


@linux_seccomp
def test_query_workers_run_under_the_sandbox(server):
    """Every worker of a server without federation has the seccomp filter (Linux reports it in /proc)."""
    assert request(server, "GET", params={"query": "ASK {}"})[0] == 200
    for pid in server.pool.pids():
        deadline = time.monotonic() + 20  # a worker sets the filter first thing once Python has started
        while "Seccomp:\t2" not in (status := Path(f"/proc/{pid}/status").read_text()):
            assert time.monotonic() < deadline, status
            time.sleep(0.05)


def test_federation_reaches_allowed_endpoints_only(store, listener):
    other = Listener()
    config = ServeConfig(store_path=store, port=0, timeout=20, workers=1, federation=True,
                         allow_service=(listener.url,))
    try:
        with SparqlServer(config).start() as srv:
            status, _, body = request(srv, "GET", params={
                "query": f"SELECT ?x WHERE {{ SERVICE <{listener.url}sparql> {{ ?x ?p ?o }} }}"})
            assert status == 200 and json.loads(body)["results"]["bindings"][0]["x"]["value"] == "from-listener"
            status, _, body = request(srv, "GET", params={
                "query": f"SELECT ?x WHERE {{ SERVICE <{other.url}sparql> {{ ?x ?p ?o }} }}"})
            assert status == 403 and b"not under any endpoint allowed" in body
            status, _, body = request(srv, "GET", params={"query": "SELECT * WHERE { SERVICE ?u { ?s ?p ?o } }"})
            assert status == 403
        assert len(listener.settle()) == 1 and listener.hits[0].startswith(b"POST /sparql")
        assert other.settle() == []
    finally:
        other.close()


def test_federation_and_allow_service_go_together(store):
    from kg.errors import InputError

    with pytest.raises(InputError, match="--federation"):
        SparqlServer(ServeConfig(store_path=store, port=0, allow_service=("http://127.0.0.1:9/",)))
    with pytest.raises(InputError, match="not an absolute"):
        SparqlServer(ServeConfig(store_path=store, port=0, federation=True, allow_service=("127.0.0.1:9",)))
    with pytest.raises(InputError, match="at least one --allow-service"):
        SparqlServer(ServeConfig(store_path=store, port=0, federation=True))


# ------------------------------------------------------------------------------------------------ CSRF
def test_cross_origin_updates_change_nothing(writable):
    before = count_quads(writable)
    assert before > 0
    form = urllib.parse.urlencode({"update": "DROP ALL"}).encode()
    attempts = [
        (form, {"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://127.0.0.1:9999"}),
        (form, {"Content-Type": "application/x-www-form-urlencoded", "Origin": "null"}),
        (form, {"Content-Type": "application/x-www-form-urlencoded"}),  # an old browser sending no Origin
        (form, {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site",
                "Origin": writable.url.rstrip("/")}),
        (b"DROP ALL", {"Content-Type": "application/sparql-update", "Origin": "http://attacker.example"}),
        (b"DROP ALL", {"Content-Type": "application/sparql-update", "Sec-Fetch-Site": "same-site"}),
        (b"update=DROP ALL", {"Content-Type": "text/plain"}),
        (b"update=DROP+ALL", {"Content-Type": "multipart/form-data; boundary=x"}),
    ]
    for body, headers in attempts:
        status, _, answer = request(writable, "POST", body=body, headers=headers)
        assert status in (403, 415), (headers, answer)
    assert count_quads(writable) == before


def test_concurrent_updates_run_one_at_a_time_and_all_apply(writable):
    """The store has one writer: concurrent updates used to fail on its lock; now they wait their turn."""
    import threading

    statuses = []

    def insert(k):
        update = f"INSERT DATA {{ GRAPH <urn:g> {{ <urn:c{k}> <urn:p> {k} }} }}"
        statuses.append(request(writable, "POST", body=update.encode(),
                                headers={"Content-Type": "application/sparql-update"})[0])

    threads = [threading.Thread(target=insert, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [204] * 4
    count = "SELECT (COUNT(*) AS ?n) { GRAPH <urn:g> { ?s <urn:p> ?o } }"
    status, _, body = request(writable, "GET", params={"query": count, "format": "csv"})
    assert status == 200 and body.decode().splitlines()[1] == "4"


# ------------------------------------------------------------------------------------------------ smaller findings
def test_invalid_graph_iris_get_400_not_500(server):
    for name, value in (("default-graph-uri", "not an iri"), ("named-graph-uri", "http://a b/"),
                        ("default-graph-uri", "relative/path")):
        status, _, body = request(server, "GET", params={"query": "ASK { ?s ?p ?o }", name: value})
        assert status == 400 and name.encode() in body, body


def test_a_slow_client_is_cut_off_after_the_request_time(server):
    """Bytes trickling in, each well within the socket timeout: the whole request still has to arrive in time."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    start = time.monotonic()
    closed_after = None
    try:
        sock.sendall(b"GET /sparql?query=ASK")
        for _ in range(20):
            time.sleep(0.5)
            try:
                sock.sendall(b"%20")
            except OSError:
                closed_after = time.monotonic() - start
                break
            sock.settimeout(0.01)
            try:
                if sock.recv(1024) == b"":
                    closed_after = time.monotonic() - start
                    break
            except TimeoutError:
                pass
            except OSError:
                closed_after = time.monotonic() - start
                break
    finally:
        sock.close()
    assert closed_after is not None and closed_after < 2.0 + 2.0  # request_time is 2 s


def test_connections_are_bounded_per_client_and_others_are_still_served(server):
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(4)]
    try:
        time.sleep(0.2)
        status, headers, _ = request(server, "GET", params={"query": "ASK {}"})   # a fifth from 127.0.0.1
        assert status == 503 and headers.get("Retry-After")
        status, _, _ = request(server, "GET", params={"query": "ASK {}"}, source="127.0.0.2")
        assert status == 200
    finally:
        for sock in idle:
            sock.close()
    deadline = time.monotonic() + 5
    while server.httpd.open_connections() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert request(server, "GET", params={"query": "ASK {}"})[0] == 200


def test_keep_alive_serves_several_requests_on_one_connection(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    try:
        socks = set()
        for query in ("ASK { ?s ?p ?o }", COUNT_ALL, "SELECT * WHERE { ?s ?p ?o } LIMIT 3"):
            conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
            response = conn.getresponse()
            assert response.status == 200 and response.getheader("Connection") != "close"
            response.read()
            socks.add(id(conn.sock))
            assert conn.sock is not None
        conn.request("POST", "/sparql", body=b"ASK {}", headers={"Content-Type": "application/sparql-query"})
        assert conn.getresponse().read() and id(conn.sock) in socks
        assert len(socks) == 1
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------------ the scan itself
_filler = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_filler)
def test_nothing_inside_a_string_or_comment_is_taken_for_a_keyword(text):
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    comment = text.replace("\n", " ").replace("\r", " ")
    assert outbound(f'SELECT ?x WHERE {{ BIND("{escaped}" AS ?x) }} # {comment}', update=True) == [] or \
        "\\u" in text.lower()  # \u escapes are decoded everywhere first (fail-closed), as SPARQL 1.1 allows


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["SERVICE", "LOAD"]), st.lists(st.booleans(), min_size=7, max_size=7),
       st.sampled_from(["", " ", "\n", "\t", " # c\n"]), st.booleans())
def test_the_keyword_is_found_in_any_case_and_spacing(keyword, upper, gap, silent):
    spelled = "".join(c.upper() if u else c.lower() for c, u in zip(keyword, upper + [True] * 7, strict=False))
    text = f"INSERT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o .{gap}{spelled}{' SILENT' if silent else ''}{gap}<http://h/>"
    text += " { ?s ?p ?o } }" if keyword == "SERVICE" else ""
    found = outbound(text, update=True)
    assert [(o.keyword, o.target) for o in found] == [(keyword, "http://h/")]
    assert refusal(text, update=True, federation=False, allow_list=()) is not None


def test_a_megabyte_query_is_scanned_quickly():
    """The scan runs for every query: a text without the keywords' letters costs one search, not a tokenizer
    pass (the tokenizer runs in the worker, inside the time limit, when it is needed)."""
    text = "SELECT * WHERE { " + "( ?a " * 200_000 + "}"
    started = time.monotonic()
    assert outbound(text, update=True) == []
    assert time.monotonic() - started < 1.0


def test_tokens_keep_iris_variables_and_prefixed_names_apart():
    kinds = [(t.kind, t.text) for t in tokens('PREFIX a: <http://x/> SELECT ?service { ?s a:load "SERVICE" }')]
    assert ("pname", "a:load") in kinds and ("var", "?service") in kinds and ("iri", "http://x/") in kinds
    assert ("word", "SERVICE") not in kinds


# ------------------------------------------------------------------------------------------------ CLI
def test_cli_refuses_allow_service_without_federation(store, capsys):
    from kg.cli import main

    code = main(["serve", "--store", str(store), "--port", "0", "--allow-service", "http://127.0.0.1:9/"])
    assert code == 2 and "--federation" in capsys.readouterr().err
    assert main(["serve", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--federation", "--allow-service", "--per-client", "--worker-memory", "--short-time",
                   "--request-time", "--max-connections", "--max-waiting"):
        assert option in out


def test_an_http_1_0_keep_alive_client_like_ab_k_gets_several_answers_on_one_connection(server):
    """ab -k speaks HTTP/1.0 with "Connection: Keep-Alive" and waits for the close unless the answer says
    keep-alive: each answer must say so and the connection must stay open for the next request."""
    request = (f"GET /sparql?{urllib.parse.urlencode({'query': 'ASK {}'})} HTTP/1.0\r\n"
               f"Host: 127.0.0.1:{server.port}\r\nConnection: Keep-Alive\r\nAccept: */*\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        reader = sock.makefile("rb")
        for _ in range(3):
            sock.sendall(request)
            status = reader.readline()
            headers = {}
            for line in iter(reader.readline, b"\r\n"):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            body = reader.read(int(headers["content-length"]))
            assert status.split()[1] == b"200" and headers.get("connection", "").lower() == "keep-alive", headers
            assert b"true" in body
