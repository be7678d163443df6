"""Async facades (the source the sync ones are generated from)."""
