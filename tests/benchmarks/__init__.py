"""Smoke tests of the benchmark generator and harness at a tiny size (``make bench`` runs the real sizes)."""
