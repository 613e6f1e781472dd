"""Tests of the ecr family."""
