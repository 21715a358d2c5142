"""Benchmarks run by `make bench`. Each `bench_*.py` module here has a `run()` returning rows.

A row is a dict: {"name", "value", "unit", "baseline", "ratio", "target", "ok"}; every figure
is reported next to a baseline measured in the same run, never as an absolute timing alone.
"""
