"""``python -m bench``: run the benchmark (see bench/run.py and docs/bench.md)."""
import sys

from bench.run import main

sys.exit(main())
