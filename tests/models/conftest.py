"""Fixtures of the model tests: choose the structure path a test module runs on."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from graphlink.models import fast_models_enabled, set_fast_models

#: The two structure paths, by test id: generated fast functions on, or the validating one alone.
PATHS = {"fast": True, "validating": False}


def _switched(enabled: bool) -> Iterator[None]:
    previous = set_fast_models(enabled)
    try:
        yield
    finally:
        set_fast_models(previous)


# Module scope: hypothesis refuses function-scoped fixtures, and pytest then groups a module's
# tests by path instead of switching at each test.
@pytest.fixture(scope="module", params=list(PATHS))
def structure_path(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run each test of a module twice, once per structure path; gives the path's name."""
    for _ in _switched(PATHS[request.param]):
        yield request.param


@pytest.fixture(scope="module")
def fast_path() -> Iterator[None]:
    """The fast path switched on, whatever ``GRAPHLINK_FAST_MODELS`` asked for."""
    yield from _switched(True)


@pytest.fixture
def switch_fast_models() -> Iterator[Callable[[bool], bool]]:
    """``set_fast_models``, for switching within a test; the setting is restored after it."""
    for _ in _switched(fast_models_enabled()):
        yield set_fast_models
