"""Fixtures for the core tests: each scenario runs on both clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from harness import Handler, Harness


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Each test runs once on GraphClient and once on AsyncGraphClient."""
    return str(request.param)


@pytest.fixture
def harness(mode: str) -> Callable[..., Harness]:
    def make(handler: Handler, **kwargs: Any) -> Harness:
        return Harness(mode, handler, **kwargs)

    return make
