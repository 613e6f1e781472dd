"""Tests of the config family."""
