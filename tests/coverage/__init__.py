"""Tests of the comparison engine and the expansion tasks."""
