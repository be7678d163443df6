"""docs_env.tenant(): real-tenant clients reach FakeGraph during an example, and only then."""

from __future__ import annotations

import asyncio
import os

import docs_env
import pytest

from graphlink import AsyncGraphClient, Cloud, GraphClient

REAL = {
    "tenant_id": "contoso.onmicrosoft.com",
    "client_id": "00000000-0000-0000-0000-000000000000",
    "client_secret": "s3cret",
}


def test_a_client_built_for_a_real_tenant_talks_to_the_fake() -> None:
    init = GraphClient.__init__
    with docs_env.active():
        fake = docs_env.tenant()
        with GraphClient(**REAL, cloud=Cloud.US_GOV) as client:
            assert client.users.get("meganb@contoso.com").display_name == "Megan Bowen"
        paths = [r.path for r in fake.requests]
        assert any(p.endswith("/oauth2/v2.0/token") for p in paths)  # msal asked the fake
        assert client.config.base_url == "https://graph.microsoft.us/v1.0"
    assert GraphClient.__init__ is init  # undone when the example ends


def test_the_async_client_too() -> None:
    async def main() -> str:
        async with AsyncGraphClient(**REAL) as client:
            return (await client.users.get("meganb@contoso.com")).display_name

    with docs_env.active():
        docs_env.tenant()
        assert asyncio.run(main()) == "Megan Bowen"


def test_env_and_tenant_only_inside_an_example() -> None:
    with pytest.raises(RuntimeError):
        docs_env.tenant()
    with docs_env.active():
        docs_env.env(GRAPHLINK_DOCS_PROBE="1")
        assert os.environ["GRAPHLINK_DOCS_PROBE"] == "1"
    assert "GRAPHLINK_DOCS_PROBE" not in os.environ
