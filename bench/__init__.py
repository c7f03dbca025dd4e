"""Benchmarks against a PostgreSQL database filled by `manage.py generate_complaints`.

    DATABASE_URL=postgres://… python -m bench queue

measures the workspace queue, search, the ticket API and the ticket page in process (Django's
test client: server time, no network), keeps EXPLAIN (ANALYZE, BUFFERS) plans of the hot
queries, and writes bench/results.json and the figures section of docs/benchmarks.md.
"""
