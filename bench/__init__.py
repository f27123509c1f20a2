"""Benchmarks: plain scripts that print numbers. Not part of the test suite; see README.md."""
