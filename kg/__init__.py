"""newskg: a knowledge-graph builder for the facts reported in news articles."""

__version__ = "0.1.0"
