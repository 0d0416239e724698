"""Benchmarks (not tests): measured numbers are recorded in docs/PERFORMANCE.md."""
