"""newskg: a knowledge-graph builder for the facts reported in news articles.

The library API for notebooks and scripts is ``kg.api`` (``from kg import api; api.build(); api.facts()``).
"""

__version__ = "0.1.0"
