"""Helpers for FakeGraph's own tests."""

from __future__ import annotations

from typing import Any

import httpx

from graphlink.testing import FakeGraph

ROOT = "https://graph.microsoft.com/v1.0"
AUTH = {"Authorization": "Bearer test-token"}


def http(fake: FakeGraph) -> httpx.Client:
    """A plain httpx client on the fake, with a bearer token."""
    return httpx.Client(transport=fake.transport(), base_url=ROOT, headers=AUTH)


def call(fake: FakeGraph, method: str, url: str, **kw: Any) -> httpx.Response:
    """One request through the in-process transport."""
    with http(fake) as client:
        return client.request(method, url, **kw)


def organizer_and_attendee() -> FakeGraph:
    """A fake with two mailboxes: ``org@contoso.com`` organises, ``att@contoso.com`` attends."""
    fake = FakeGraph()
    fake.add_user("org@contoso.com", "Organizer")
    fake.add_user("att@contoso.com", "Attendee")
    return fake
