"""Fixtures for the batching tests: each scenario runs on both clients.

``harness`` (httpx.MockTransport, fake clock) and ``mode`` come from ``tests/harness.py``;
``on_fake`` wires a GraphClient or an AsyncGraphClient (by ``mode``) to a FakeGraph.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from batch_support import FakeRun
from harness import harness, mode

from graphlink.testing import FakeGraph

__all__ = ["harness", "mode", "on_fake"]


@pytest.fixture
def on_fake(mode: str) -> Callable[..., FakeRun]:
    """``on_fake(fake, **client_kwargs)``: a sync or async client on ``fake``."""

    def make(fake: FakeGraph, **kwargs: Any) -> FakeRun:
        return FakeRun(mode, fake, **kwargs)

    return make
