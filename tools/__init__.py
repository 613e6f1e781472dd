"""Offline tooling: the mock harness, the offline preview and the benchmark."""
