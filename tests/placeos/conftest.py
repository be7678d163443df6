"""Fixtures for the driver tests: a small FakeGraph tenant and drivers on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from placeos_support import build_fake, client_options

from graphlink.placeos import AsyncPlaceOSDriver, PlaceOSDriver
from graphlink.testing import FakeGraph


@pytest.fixture
def fake() -> FakeGraph:
    """A fresh small tenant (see ``placeos_support.build_fake``)."""
    return build_fake()


@pytest.fixture
def driver(fake: FakeGraph) -> Iterator[PlaceOSDriver]:
    """The blocking driver on ``fake``."""
    with fake.client(**client_options()) as client:
        yield PlaceOSDriver(client)


@pytest.fixture
async def adriver(fake: FakeGraph) -> AsyncIterator[AsyncPlaceOSDriver]:
    """The asyncio driver on ``fake``."""
    async with fake.async_client(**client_options()) as client:
        yield AsyncPlaceOSDriver(client)
