"""Tests of the tools family."""
