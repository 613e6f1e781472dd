"""Tests of the delivery family."""
