"""Benchmarks: a synthetic corpus generator (bench.generate) and the benchmark runner (bench.run)."""
