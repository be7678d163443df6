"""graphlink's clients against FakeGraph: the token flow, raw access, paging, the demo."""

from __future__ import annotations

import io

from graphlink.testing import FakeGraph


def test_client_signs_in_through_the_fake_token_endpoint() -> None:
    fake = FakeGraph.demo(check_tokens=True)
    with fake.client(tenant_id=fake.tenant_id, client_id="app", client_secret="s") as client:
        token = client.access_token()
        assert token.expires is not None
        users = list(client.paginate("/users", params={"$top": "10"}))
        assert len(users) == 43
        assert client.connected
    paths = [r.path for r in fake.requests[:3]]
    assert paths[0].endswith("/v2.0/.well-known/openid-configuration")
    assert paths[1].endswith("/oauth2/v2.0/token")


async def test_async_client_raw_access() -> None:
    fake = FakeGraph.demo()
    async with fake.async_client() as client:
        manager = await client.request("GET", "/users/adelev@contoso.com/manager")
        assert manager is not None
        assert manager["displayName"] == "Megan Bowen"
        rooms = [r async for r in client.paginate("/places/microsoft.graph.room")]
        assert len(rooms) == 8


def test_demo_runs_offline() -> None:
    from graphlink._demo import STEPS, main

    out = io.StringIO()
    assert main(out=out) == 0
    text = out.getvalue()
    for number, registered in enumerate(STEPS, 1):
        assert f"{number}. {registered.title}" in text
    assert "queue_size=" in text
    assert "1 × 429" in text
