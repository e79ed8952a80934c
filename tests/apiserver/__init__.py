"""A local Kubernetes API server for the cluster and probe tests (TLS, tokens, client certificates)."""
