"""Benchmarks: each module runs as a script and prints a table (`--json` for machines)."""
