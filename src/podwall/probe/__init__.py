"""Probe a live cluster: twins of the workloads, real connections, judged against the engine."""
