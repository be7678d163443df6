"""pytest plugin (registered through the ``pytest11`` entry point): the ``fake_graph`` fixture.

Installing graphlink makes the fixture available in every test suite::

    def test_lists_people(fake_graph):
        fake_graph.add_user("ada@contoso.com", "Ada Lovelace")
        with fake_graph.client() as client:
            assert [u["displayName"] for u in client.paginate("/users")] == ["Ada Lovelace"]

``fake_graph_demo`` gives a FakeGraph seeded with the demo organisation instead.
"""

from __future__ import annotations

import pytest

from graphlink.testing import FakeGraph

__all__ = ["fake_graph", "fake_graph_demo"]


@pytest.fixture
def fake_graph() -> FakeGraph:
    """An empty [`FakeGraph`][graphlink.testing.FakeGraph], new for each test."""
    return FakeGraph()


@pytest.fixture
def fake_graph_demo() -> FakeGraph:
    """A [`FakeGraph`][graphlink.testing.FakeGraph] seeded by its demo organisation, per test.

    See [`FakeGraph.demo`][graphlink.testing.FakeGraph.demo].
    """
    return FakeGraph.demo()
