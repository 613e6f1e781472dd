"""Tests of the policies family."""
