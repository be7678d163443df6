"""FakeGraph's route table: one table, filled by the area modules, open to new routes."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from fake_helpers import ROOT, call

from graphlink.testing import FakeGraph
from graphlink.testing._engine import Engine
from graphlink.testing._routes import ROUTES, route
from graphlink.testing._wire import Call, Reply, json_reply

AREAS = {
    "auth",
    "batch",
    "calendar",
    "directory",
    "mail",
    "places",
    "schedule",
    "subscriptions",
    "uploads",
}


def test_every_area_registers_its_routes_on_the_one_table() -> None:
    modules = {r.handler.__module__.rsplit(".", 1)[-1] for r in ROUTES}
    assert modules == AREAS


def test_no_route_is_registered_twice() -> None:
    keys = Counter((r.method, r.pattern.pattern.lower(), r.graph) for r in ROUTES)
    assert [k for k, n in keys.items() if n > 1] == []


@pytest.fixture
def echo_route() -> Iterator[None]:
    """A route added the documented way, taken off the table afterwards."""
    before = len(ROUTES)

    @route("GET", r"/echo/(?P<word>[^/]+)")
    def _echo(e: Engine, call: Call, m: re.Match[str]) -> Reply:
        return json_reply(200, {"word": m["word"], "top": call.param("top")})

    yield
    del ROUTES[before:]


@pytest.mark.usefixtures("echo_route")
def test_a_new_route_is_served_with_the_usual_checks() -> None:
    fake = FakeGraph()
    r = call(fake, "GET", "/echo/hello?$top=3")
    assert r.status_code == 200
    assert r.json() == {"word": "hello", "top": "3"}
    assert r.headers["request-id"]
    assert call(fake, "POST", "/echo/hello").status_code == 405
    with httpx.Client(transport=fake.transport()) as anonymous:
        assert anonymous.get(f"{ROOT}/echo/hello").status_code == 401
