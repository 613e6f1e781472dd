"""Tests of the workload family."""
