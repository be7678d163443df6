"""Auth: msal client credentials offline, caching, single-flight refresh, national clouds."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest
from harness import FakeTokenEndpoint

from graphlink import AccessToken, AsyncGraphClient, Cloud, GraphClient, errors
from graphlink.auth import ClientCertificate, ClientSecret, StaticToken, TokenProvider

SECRET = "s3cr3t-value-never-shown"


def graph_ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"auth": request.headers["Authorization"]})


def secret_client(cls, endpoint: FakeTokenEndpoint, cloud: Cloud = Cloud.GLOBAL, **kw):
    http = (httpx.Client if cls is GraphClient else httpx.AsyncClient)(
        transport=httpx.MockTransport(graph_ok)
    )
    return cls(
        tenant_id="contoso.onmicrosoft.com",
        client_id="app-id",
        client_secret=SECRET,
        cloud=cloud,
        http_client=http,
        auth_http_client=endpoint.client(),
        **kw,
    )


async def test_single_flight_under_50_concurrent_async_callers() -> None:
    endpoint = FakeTokenEndpoint()
    client = secret_client(AsyncGraphClient, endpoint)
    results = await asyncio.gather(*(client.request("GET", "/users") for _ in range(50)))
    assert len(endpoint.grants) == 1
    assert {r["auth"] for r in results} == {"Bearer token-1"}
    assert client.connected


def test_single_flight_under_threads() -> None:
    endpoint = FakeTokenEndpoint()
    client = secret_client(GraphClient, endpoint)
    barrier = threading.Barrier(20)
    seen: list[str] = []

    def work() -> None:
        barrier.wait()
        seen.append(client.request("GET", "/users")["auth"])

    threads = [threading.Thread(target=work) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(endpoint.grants) == 1
    assert set(seen) == {"Bearer token-1"}


def test_client_credentials_grant_is_well_formed() -> None:
    endpoint = FakeTokenEndpoint()
    client = secret_client(GraphClient, endpoint)
    token = client.access_token()
    assert token.token == "token-1"
    assert token.expires is not None
    assert token.expires > datetime.now(UTC) + timedelta(minutes=55)
    form = parse_qs(endpoint.grants[0].content.decode())
    assert form["grant_type"] == ["client_credentials"]
    assert form["scope"] == ["https://graph.microsoft.com/.default"]
    assert form["client_id"] == ["app-id"]
    assert str(endpoint.grants[0].url).startswith(
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/"
    )


@pytest.mark.parametrize(
    ("cloud", "login", "graph"),
    [
        (Cloud.US_GOV, "login.microsoftonline.us", "https://graph.microsoft.us"),
        (Cloud.US_DOD, "login.microsoftonline.us", "https://dod-graph.microsoft.us"),
        (Cloud.CHINA, "login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
    ],
)
def test_national_clouds_set_authority_host_and_scope(cloud, login, graph) -> None:
    endpoint = FakeTokenEndpoint()
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={})

    client = GraphClient(
        tenant_id="t",
        client_id="c",
        client_secret=SECRET,
        cloud=cloud,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        auth_http_client=endpoint.client(),
    )
    client.request("GET", "/users")
    assert endpoint.grants[0].url.host == login
    assert parse_qs(endpoint.grants[0].content.decode())["scope"] == [f"{graph}/.default"]
    assert seen == [f"{graph}/v1.0/users"]
    assert client.config.base_url == f"{graph}/v1.0"


def test_cloud_by_name() -> None:
    assert Cloud.parse("us_gov") is Cloud.US_GOV
    with pytest.raises(errors.ValidationError):
        Cloud.parse("mars")


def test_token_is_cached_and_refreshed_five_minutes_before_expiry() -> None:
    endpoint = FakeTokenEndpoint(expires_in=600)
    client = secret_client(GraphClient, endpoint)
    manager = client._transport.tokens
    now = [datetime.now(UTC)]
    manager._now = lambda: now[0]
    assert client.access_token().token == "token-1"
    now[0] += timedelta(minutes=4)
    assert client.access_token().token == "token-1"
    now[0] += timedelta(minutes=2)  # 6 of 10 minutes: inside the 5-minute margin
    assert client.access_token().token == "token-2"
    assert len(endpoint.grants) == 2


def test_token_endpoint_failure_is_an_auth_error_without_the_secret() -> None:
    endpoint = FakeTokenEndpoint(fail=True)
    client = secret_client(GraphClient, endpoint)
    with pytest.raises(errors.AuthError) as info:
        client.request("GET", "/users")
    assert "invalid_client" in str(info.value)
    assert SECRET not in str(info.value)
    assert SECRET not in repr(info.value)
    assert client.connected is False


def test_failed_access_token_clears_connected() -> None:
    endpoint = FakeTokenEndpoint()
    client = secret_client(GraphClient, endpoint)
    client.request("GET", "/users")
    assert client.connected
    client._transport.tokens._token = None
    endpoint.fail = True
    with pytest.raises(errors.AuthError):
        client.access_token()
    assert client.connected is False


def test_close_releases_the_msal_connection_pool() -> None:
    client = GraphClient(tenant_id="t", client_id="c", client_secret=SECRET)
    credential = client._transport.tokens.credential
    credential._msal_app = lambda: None  # no network: only the pool matters here
    credential._http_client = None
    import httpx as _httpx

    pool = _httpx.Client()
    credential._http_client = pool
    client.close()
    assert pool.is_closed


def test_certificate_pem_text_is_split_for_msal() -> None:
    pem = (
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n"
    )
    credential = ClientCertificate("t", "c", pem)
    assert credential._certificate == {
        "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        "public_certificate": "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----",
    }
    assert "AAAA" not in repr(credential)


@pytest.mark.parametrize(
    "certificate",
    ["-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", {"private_key": "k"}, {}],
)
def test_incomplete_certificates_are_refused_at_construction(certificate) -> None:
    with pytest.raises(errors.ValidationError):
        ClientCertificate("t", "c", certificate)


def test_token_endpoint_errors_do_not_carry_the_secret() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route", request=request)

    client = GraphClient(
        tenant_id="t",
        client_id="c",
        client_secret=SECRET,
        http_client=httpx.Client(transport=httpx.MockTransport(graph_ok)),
        auth_http_client=httpx.Client(transport=httpx.MockTransport(down)),
    )
    with pytest.raises(errors.AuthError) as info:
        client.access_token()
    # The cause is a copy of httpx's error without its request; nothing else is chained
    # (tests/reliability/test_tokens.py walks every failure's chain and frames).
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert info.value.__cause__.__traceback__ is None
    assert info.value.__cause__.__context__ is None
    assert getattr(info.value.__cause__, "_request", None) is None
    assert info.value.__context__ is None


def test_unreachable_token_endpoint_is_an_auth_error() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route")

    client = GraphClient(
        tenant_id="t",
        client_id="c",
        client_secret=SECRET,
        http_client=httpx.Client(transport=httpx.MockTransport(graph_ok)),
        auth_http_client=httpx.Client(transport=httpx.MockTransport(down)),
    )
    with pytest.raises(errors.AuthError):
        client.access_token()


async def test_async_client_does_not_block_the_loop_on_msal() -> None:
    endpoint = FakeTokenEndpoint()
    client = secret_client(AsyncGraphClient, endpoint)
    loop_thread = threading.get_ident()
    threads: list[int] = []
    original = endpoint.__call__

    def spy(request: httpx.Request) -> httpx.Response:
        threads.append(threading.get_ident())
        return original(request)

    client._transport.tokens.credential._http_client = httpx.Client(
        transport=httpx.MockTransport(spy)
    )
    await client.access_token()
    assert threads
    assert loop_thread not in threads


async def test_async_token_provider() -> None:
    async def provide() -> AccessToken:
        return AccessToken("async-token", datetime.now(UTC) + timedelta(hours=1))

    client = AsyncGraphClient(
        token=provide, http_client=httpx.AsyncClient(transport=httpx.MockTransport(graph_ok))
    )
    assert (await client.request("GET", "/me"))["auth"] == "Bearer async-token"


def test_async_token_provider_on_sync_client_is_an_error() -> None:
    async def provide() -> str:
        return "x"

    client = GraphClient(
        token=provide, http_client=httpx.Client(transport=httpx.MockTransport(graph_ok))
    )
    with pytest.raises(errors.AuthError):
        client.access_token()


def test_static_token_has_unknown_expiry() -> None:
    client = GraphClient(token="abc")
    assert client.access_token() == AccessToken("abc", None)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"token": "a", "client_secret": "b", "tenant_id": "t", "client_id": "c"},
        {"client_secret": "b"},
        {"token": ""},
        {"token": "a\r\nX-Evil: 1"},
        {"token": "a", "timeout": 0},
        {"token": "a", "base_url": "ftp://x"},
    ],
)
def test_bad_construction_is_a_validation_error(kwargs) -> None:
    with pytest.raises(errors.ValidationError):
        GraphClient(**kwargs)


def test_credential_reprs_hide_secrets() -> None:
    assert SECRET not in repr(ClientSecret("t", "c", SECRET))
    assert "abc" not in repr(StaticToken("abc"))
    assert "eyJ0eXAi" not in repr(AccessToken("eyJ0eXAi"))
    assert "TokenProvider" in repr(TokenProvider(lambda: "x"))


def test_msal_answers_are_read_into_tokens_or_refusals() -> None:
    from graphlink.auth import _answer

    now = datetime(2030, 1, 1, tzinfo=UTC)
    answer = _answer({"access_token": "abc", "expires_in": "60"}, now)
    assert answer == AccessToken("abc", now + timedelta(seconds=60))
    refused = _answer({"error": "invalid_client", "error_description": "AADSTS7: no\nTrace"}, now)
    assert not isinstance(refused, AccessToken)
    assert refused.message == "token acquisition failed: invalid_client: AADSTS7: no"
    for odd in (None, {"access_token": "abc", "expires_in": "soon"}):
        refusal = _answer(odd, now)
        assert not isinstance(refusal, AccessToken)
        assert "abc" not in refusal.message


def test_msal_http_sends_forms_as_text_and_bodies_as_given() -> None:
    from graphlink.auth import _MsalHttp

    bodies: list[bytes] = []

    def record(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        return httpx.Response(200)

    http = _MsalHttp(httpx.Client(transport=httpx.MockTransport(record)), 5.0)
    # msal hands the signed client assertion over as bytes: it must go out as text.
    http.post("https://login.example/t", data={"client_assertion": b"eyJ.x.y", "scope": "s"})
    http.post("https://login.example/t", data="grant_type=x")
    http.post("https://login.example/t")
    assert bodies == [b"client_assertion=eyJ.x.y&scope=s", b"grant_type=x", b""]
