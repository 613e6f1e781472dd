"""Tests of the eks family."""
