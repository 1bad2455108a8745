"""Shared pytest configuration. Fixtures live in their own modules and are registered here."""
try:  # tests/ is a plain folder put on sys.path by pytest's default import mode ...
    import servers as _servers
except ModuleNotFoundError:  # ... or a package, should someone add tests/__init__.py
    from tests import servers as _servers

# SPARQL servers started for the integration tests of kg push / kg query --endpoint (tests/servers.py)
oxigraph_server = _servers.oxigraph_server
oxigraph_server_without_union = _servers.oxigraph_server_without_union
virtuoso_server = _servers.virtuoso_server
sparql_server = _servers.sparql_server
