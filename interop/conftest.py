"""Interop fixtures: FakeGraph served on loopback, driven by clients no one here wrote.

Each test gets a fresh ``FakeGraph.demo()`` (the Contoso tenant) served on 127.0.0.1, so
no test sees another's writes. Run with ``python scripts/check.py interop`` (its own
virtual environment, ``.ci-interop-venv/``) or ``nox -s interop``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from msgraph import GraphServiceClient

from graphlink.testing import FakeGraph


class StaticToken:
    """An azure-core ``AsyncTokenCredential`` handing out one fixed bearer token.

    FakeGraph accepts any bearer token by default, so no identity provider is needed.
    """

    def __init__(self, token: str = "interop-token") -> None:
        self._token = token

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """A token valid for an hour, whatever the scopes."""
        return AccessToken(self._token, int(time.time()) + 3600)

    async def close(self) -> None:
        """Nothing to release."""

    async def __aenter__(self) -> StaticToken:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


def msgraph_client(base_url: str) -> GraphServiceClient:
    """msgraph-sdk's client, as an application builds it, pointed at ``base_url``.

    The default request adapter is kept (its retry, redirect and telemetry middleware are
    what is being tested); only its ``base_url`` changes. Kiota's Azure auth provider
    allows plain http for localhost/127.0.0.1 and, with no ``allowed_hosts``, any host;
    the scopes are given so that it does not derive them from the loopback URL.
    """
    client = GraphServiceClient(
        credentials=StaticToken(), scopes=["https://graph.microsoft.com/.default"]
    )
    client.request_adapter.base_url = base_url
    return client


@pytest.fixture
def fake() -> FakeGraph:
    """A fresh demo tenant (Contoso: ~40 users, groups, 8 rooms in 2 room lists)."""
    return FakeGraph.demo()


@pytest.fixture
def base_url(fake: FakeGraph) -> Iterator[str]:
    """``fake`` served on 127.0.0.1: its Graph root, ``http://127.0.0.1:<port>/v1.0``."""
    with fake.serve() as url:
        yield url


@pytest.fixture
def graph(base_url: str) -> GraphServiceClient:
    """msgraph-sdk's ``GraphServiceClient`` talking to ``fake`` over loopback."""
    return msgraph_client(base_url)
