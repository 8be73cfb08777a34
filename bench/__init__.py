"""Benchmarks on the scale data set of DESIGN.md. Run with ``make bench`` (PostgreSQL only)."""
