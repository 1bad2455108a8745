"""kg serve's HTTP/1.1 plumbing: requests parsed without the e-mail parser keep the standard handler's answers,
header names are case-insensitive, and kept-alive connections answer at once (no delayed-ACK stall)."""
from __future__ import annotations

import json
import socket
import time
import urllib.parse

import pytest

try:
    from _serve_data import build_store
except ModuleNotFoundError:  # tests/ imported as a package
    from tests._serve_data import build_store

from kg.serve import ServeConfig, SparqlServer

ASK = "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("serve-http"))
    with SparqlServer(ServeConfig(store_path=store, port=0, timeout=20, workers=2)).start() as srv:
        yield srv


def exchange(server, raw: bytes, replies: int = 1) -> list[tuple[int, dict[str, str], bytes]]:
    """Send ``raw`` on one connection and read ``replies`` answers (status, headers by lower-cased name, body)."""
    out = []
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(raw)
        reader = sock.makefile("rb")
        for _ in range(replies):
            status = reader.readline()
            headers = {}
            for line in iter(reader.readline, b"\r\n"):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            out.append((int(status.split()[1]), headers, reader.read(int(headers.get("content-length", 0)))))
    return out


def get(path: str, port: int, *headers: str) -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + "".join(h + "\r\n" for h in headers)
            + "\r\n").encode("latin-1")


def test_header_names_are_case_insensitive_and_the_first_of_repeated_headers_wins(server):
    [(status, headers, body)] = exchange(server, get(ASK, server.port, "aCCEPT: text/csv", "Accept: application/json",
                                                     "connection: close"))
    assert status == 200 and headers["content-type"].startswith("text/csv") and body == b"_askResult\r\ntrue\r\n"
    assert headers["connection"] == "close"


def test_a_folded_header_line_continues_the_header_before_it(server):
    [(status, headers, _)] = exchange(server, get(ASK, server.port, "Accept: application/x-unknown,",
                                                  "  text/csv;q=0.5", "Connection: close"))
    assert status == 200 and headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize("line, status", [
    (b"GET /sparql\r\n", 400),                 # no version
    (b"GET /sparql HTTP/x.y\r\n", 400),        # not a version
    (b"GET /sparql HTTP/2.0\r\n", 505),
    (b"GET / HTTP/1.1 extra\r\n", 400),
])
def test_bad_request_lines_get_the_standard_answers(server, line, status):
    [(got, headers, _)] = exchange(server, line + b"Host: 127.0.0.1\r\n\r\n")
    assert got == status and headers["connection"] == "close"


def test_too_many_or_too_long_headers_get_431(server):
    many = "".join(f"X-H{i}: {i}\r\n" for i in range(101))
    [(status, _, _)] = exchange(server, f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n{many}\r\n".encode())
    assert status == 431
    [(status, _, _)] = exchange(server, f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: {'a' * 70_000}\r\n\r\n".encode())
    assert status == 431


def test_a_kept_alive_connection_gets_each_answer_in_one_piece(server):
    """Each reply is one write, head and body together: a reply split into header and body writes waited for the
    client's delayed acknowledgement (about 40 ms, Nagle's algorithm holding the body) on every request of a
    kept-alive connection. On the loopback one write arrives as one segment, so the first read after each
    request returns the whole answer; with the body held back it returns the head alone."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        request = get(ASK, server.port, "Accept: application/sparql-results+json")
        for _ in range(25):
            sock.sendall(request)
            chunk = sock.recv(1 << 16)
            head, sep, body = chunk.partition(b"\r\n\r\n")
            assert sep, chunk
            status, *lines = head.split(b"\r\n")
            assert status.split()[1] == b"200"
            length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length:"))
            assert len(body) == length, (len(body), length)        # the body came with the head
            assert json.loads(body)["boolean"] is True


def test_a_get_query_carries_an_etag_and_an_unchanged_answer_is_not_sent_again(tmp_path_factory):
    """ETag from the live version and the request: If-None-Match gets 304 with no body; another Accept or another
    query is another tag; after an update (a new live version) the old tag gets the full answer again."""
    import shutil
    import urllib.error
    import urllib.request

    store = tmp_path_factory.mktemp("serve-etag") / "store"
    shutil.copytree(build_store(tmp_path_factory.mktemp("serve-etag-src")), store)
    with SparqlServer(ServeConfig(store_path=store, port=0, timeout=20, workers=1, allow_updates=True)).start() as srv:
        def fetch(path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
            try:
                with urllib.request.urlopen(urllib.request.Request(srv.url + path, headers=headers), timeout=30) as r:
                    return r.status, dict(r.headers), r.read()
            except urllib.error.HTTPError as err:
                return err.code, dict(err.headers), err.read()

        count = "sparql?" + urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
        status, headers, body = fetch(count)
        tag = headers["ETag"]
        assert status == 200 and tag.startswith('"') and headers["Cache-Control"] == "no-cache" and body
        status, headers, body = fetch(count, **{"If-None-Match": tag})
        assert status == 304 and body == b"" and headers["ETag"] == tag and "Content-Length" not in headers
        assert fetch(count, **{"If-None-Match": tag, "Accept": "text/csv"})[0] == 200
        status, headers, _ = fetch("saved/articles", **{"If-None-Match": tag})
        assert status == 200 and headers["ETag"] != tag
        # a page that is no query keeps no-store and no tag
        status, headers, _ = fetch("queries.json")
        assert "ETag" not in headers and headers["Cache-Control"] == "no-store"
        update = urllib.request.Request(srv.url + "sparql", method="POST",
                                        data=b"INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }",
                                        headers={"Content-Type": "application/sparql-update"})
        with urllib.request.urlopen(update, timeout=30) as answer:
            assert answer.status == 204
        status, headers, body = fetch(count, **{"If-None-Match": tag})
        assert status == 200 and headers["ETag"] != tag and body


def test_pipelined_requests_are_answered_in_order(server):
    """Requests sent back to back on one connection before any answer (pipelining) are answered one by one in
    their order, whether a query goes to a worker from the event loop (GET) or is answered in a thread (POST,
    the list of saved queries)."""
    post = (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/sparql-query\r\n"
            "Accept: text/csv\r\nContent-Length: 6\r\n\r\nASK {}").encode("latin-1")
    count = "/sparql?" + urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    raw = (get(ASK, server.port, "Accept: application/sparql-results+json") + post
           + get("/queries.json", server.port) + get("/saved/articles?limit=2", server.port, "Accept: text/csv")
           + get(count, server.port, "Accept: text/csv", "Connection: close"))
    answers = exchange(server, raw, replies=5)
    assert [status for status, _, _ in answers] == [200] * 5
    assert json.loads(answers[0][2])["boolean"] is True
    assert answers[1][2] == b"_askResult\r\ntrue\r\n"
    assert any(q["name"] == "articles" for q in json.loads(answers[2][2]))
    assert answers[3][1]["content-type"].startswith("text/csv") and len(answers[3][2].splitlines()) == 3
    assert answers[4][2].splitlines()[0] == b"n" and int(answers[4][2].splitlines()[1]) > 0
    assert answers[4][1]["connection"] == "close"


def test_header_blocks_read_whole_or_line_by_line_give_the_same_answers(server):
    """A header block that has arrived whole with CRLF line ends is split at once; bare LF line ends, a block
    longer than the one read at once, a folded line and a block that arrives a few bytes at a time are read
    line by line: every form gets the answer its headers ask for, pipelined on one connection."""
    crlf = get(ASK, server.port, "Accept: text/csv")
    bare = f"GET {ASK} HTTP/1.1\nHost: 127.0.0.1:{server.port}\nAccept: text/tab-separated-values\n\n".encode()
    mixed = f"GET {ASK} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\nAccept: text/csv\r\n\n".encode()
    large = get(ASK, server.port, *(f"X-Pad-{i}: {'p' * 200}" for i in range(90)), "Accept: text/csv")
    folded = get(ASK, server.port, "Accept: application/x-unknown,", "  text/csv;q=0.5")
    answers = exchange(server, crlf + bare + mixed + large + folded + get(ASK, server.port, "Connection: close"),
                       replies=6)
    assert [status for status, _, _ in answers] == [200] * 6
    assert [body for _, _, body in answers[:5]] == [b"_askResult\r\ntrue\r\n", b"?_askResult\ntrue\n",
                                                   b"_askResult\r\ntrue\r\n", b"_askResult\r\ntrue\r\n",
                                                   b"_askResult\r\ntrue\r\n"]
    assert json.loads(answers[5][2])["boolean"] is True and answers[5][1]["connection"] == "close"
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:   # in pieces
        raw = get(ASK, server.port, "Accept: text/csv", "Connection: close")
        for start in range(0, len(raw), 7):
            sock.sendall(raw[start:start + 7])
            time.sleep(0.002)
        reply = sock.makefile("rb").read()
    assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(b"\r\n\r\n_askResult\r\ntrue\r\n")


def test_a_large_answer_comes_back_whole_from_the_worker(server):
    """A reply frame far larger than one socket buffer (the worker writes it in parts) reaches the client whole."""
    every = "/sparql?" + urllib.parse.urlencode({"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"})
    count = "/sparql?" + urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    [(status, headers, body), (_, _, counted)] = exchange(
        server, get(every, server.port, "Accept: application/sparql-results+json")
        + get(count, server.port, "Accept: text/csv", "Connection: close"), replies=2)
    rows = json.loads(body)["results"]["bindings"]
    assert status == 200 and len(body) > 500_000 and int(headers["content-length"]) == len(body)
    assert len(rows) == int(counted.splitlines()[1]) and all(set(row) == {"s", "p", "o"} for row in rows)


def test_a_half_sent_request_does_not_hold_up_other_connections(server):
    """One event loop reads every connection: a client that sent half a request (and waits) does not delay the
    answer to another client."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as stalled:
        stalled.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n")   # no blank line yet
        started = time.monotonic()
        [(status, _, body)] = exchange(server, get(ASK, server.port, "Connection: close"))
        assert status == 200 and json.loads(body)["boolean"] is True
        assert time.monotonic() - started < 5.0
        stalled.sendall(b"Connection: close\r\n\r\n")   # and the stalled one is answered once it is complete
        reply = stalled.makefile("rb").readline()
        assert reply.split()[1] == b"200"


def test_closing_the_server_answers_a_running_query_instead_of_dropping_it(server):
    """A graceful stop: a query still running when the server is closed gets a 503, not a closed connection."""
    import threading

    try:
        from _serve_data import RUNAWAY
    except ModuleNotFoundError:  # tests/ imported as a package
        from tests._serve_data import RUNAWAY

    srv = SparqlServer(ServeConfig(store_path=server.store_path, port=0, timeout=60, workers=1)).start()
    answers: list = []
    client = threading.Thread(target=lambda: answers.extend(exchange(srv, get(
        "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}), srv.port, "Connection: close"))), daemon=True)
    try:
        client.start()
        deadline = time.monotonic() + 20
        while srv.pool.load()["running"] < 1:
            assert time.monotonic() < deadline, "the query never started"
            time.sleep(0.02)
    finally:
        started = time.monotonic()
        srv.close()
    client.join(10)
    assert answers and answers[0][0] == 503, answers
    assert time.monotonic() - started < 10
