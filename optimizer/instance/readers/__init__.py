"""Bounded parsers of the input formats: YAML, JSON, CSV tables, xlsx and instance folders."""
