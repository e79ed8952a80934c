"""Benchmarks: a synthetic cluster generator and the harness that times podwall against the floor and peers."""
