"""Tests of the program family."""
