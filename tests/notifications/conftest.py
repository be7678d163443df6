"""Fixtures for the notification tests: both clients (``mode``, ``harness``, ``on_fake``), a
real loopback receiver, and a FakeGraph with a service account and a room.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness import fake_run, harness, mode, on_fake
from notify_support import ROOM, SVC, Receiver

from graphlink.testing import FakeGraph

__all__ = ["fake_run", "harness", "mode", "on_fake"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 answering with ``graphlink.notifications.handle``."""
    with Receiver() as running:
        yield running


@pytest.fixture
def fake() -> FakeGraph:
    """A tenant with the service account and one room."""
    graph = FakeGraph()
    graph.add_user(SVC, "Service Account")
    graph.add_room("Aurora", ROOM, capacity=8)
    return graph
