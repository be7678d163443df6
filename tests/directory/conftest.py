"""Fixtures for the directory tests: each scenario runs on both clients."""

from harness import harness, mode

__all__ = ["harness", "mode"]
