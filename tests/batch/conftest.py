"""Fixtures for the batching tests: each scenario runs on both clients.

``harness`` (httpx.MockTransport, fake clock), ``mode`` and ``on_fake`` (a GraphClient or an
AsyncGraphClient, by ``mode``, on a FakeGraph) come from ``tests/harness.py``.
"""

from harness import fake_run, harness, mode, on_fake

__all__ = ["fake_run", "harness", "mode", "on_fake"]
