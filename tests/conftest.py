"""Shared pytest configuration. Fixtures live in their own modules and are registered here."""
try:  # tests/ is a plain folder on sys.path (pytest's default import mode) ...
    from servers import oxigraph_server, sparql_server, virtuoso_server  # noqa: F401
except ModuleNotFoundError as _exc:  # ... or a package, if someone adds tests/__init__.py
    from tests.servers import oxigraph_server, sparql_server, virtuoso_server  # noqa: F401
