"""Both clients: same surface, settings, redaction, logging, light import."""

from __future__ import annotations

import inspect
import logging
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import graphlink
from graphlink import AsyncGraphClient, Cloud, GraphClient, errors

ROOT = Path(__file__).resolve().parents[2]
SECRET = "very-secret-client-secret"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOi.payload.signature"


def public_members(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in dir(obj) if not name.startswith("_")}


def describe(cls: type) -> dict[str, str]:
    """Public names with their kind and signature, async-ness aside."""
    out = {}
    for name, member in public_members(cls).items():
        if isinstance(member, property):
            out[name] = "property"
        elif callable(member):
            out[name] = str(inspect.signature(member)).replace("Async", "")
        else:
            out[name] = type(member).__name__
    return out


def test_sync_and_async_clients_expose_the_same_methods() -> None:
    assert describe(GraphClient) == describe(AsyncGraphClient)
    for name, member in public_members(AsyncGraphClient).items():
        sync_member = getattr(GraphClient, name)
        if inspect.iscoroutinefunction(member):
            assert not inspect.iscoroutinefunction(sync_member), name


def test_sync_and_async_namespaces_match() -> None:
    sync = GraphClient(token="t")
    async_ = AsyncGraphClient(token="t")
    for name, member in public_members(sync).items():
        if hasattr(member, "__dict__") and type(member).__module__.startswith(
            "graphlink.resources"
        ):
            assert describe(type(member)) == describe(type(getattr(async_, name))), name


def test_paginators_match() -> None:
    assert describe(graphlink.Paginator) == {
        k.replace("__aiter__", "__iter__"): v for k, v in describe(graphlink.AsyncPaginator).items()
    }


def test_generated_sync_code_is_current() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/unasync.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_public_names_are_documented() -> None:
    for name in graphlink.__all__:
        assert f"`{name}`" in (graphlink.__doc__ or ""), name
        if name != "__version__":
            assert inspect.getdoc(getattr(graphlink, name)), name


def test_retry_module_exports_only_the_policy() -> None:
    import graphlink.retry

    assert graphlink.retry.__all__ == ["RetryPolicy"]
    assert not hasattr(graphlink.retry, "Outcome")


def test_import_is_light() -> None:
    code = (
        "import sys, graphlink, graphlink.errors, graphlink.retry, graphlink.ratelimit\n"
        "heavy = [m for m in ('msal', 'segno', 'redis', 'graphlink.testing') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == ""


def test_reprs_and_config_hide_secrets() -> None:
    client = GraphClient(tenant_id="t", client_id="c", client_secret=SECRET)
    credential = client._transport.tokens.credential
    for text in (repr(client), repr(client.config), str(client.config), repr(credential)):
        assert SECRET not in text
    assert "ClientSecret(tenant_id='t'" in repr(credential)
    static = GraphClient(token=TOKEN)
    assert TOKEN not in repr(static) + repr(static.config) + repr(vars(static))


def test_logs_and_errors_never_show_the_token(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"error": {"code": "ErrorAccessDenied", "message": "no"}})

    client = GraphClient(
        token=TOKEN, http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    with (
        caplog.at_level(logging.DEBUG, logger="graphlink"),
        pytest.raises(errors.GraphAPIError) as info,
    ):
        client.request("GET", "/users/x/events")
    assert "GET /v1.0/users/x/events -> 403 (attempt 1" in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN not in str(info.value) + repr(info.value) + repr(info.value.body)


def test_from_placeos_settings_reads_the_driver_json() -> None:
    settings = {
        "calendar_service_account": "svc@contoso.com",
        "calendar_config": {
            "tenant": "contoso.onmicrosoft.com",
            "client_id": "app",
            "client_secret": SECRET,
            "conference_type": "teamsForBusiness",
        },
        "mailer_from": "noreply@contoso.com",
        "email_templates": {"visitor": {"checkin": {"subject": "Hi %{name}"}}},
    }
    for cls in (GraphClient, AsyncGraphClient):
        client = cls.from_placeos_settings(settings)
        config = client.config
        assert config.tenant_id == "contoso.onmicrosoft.com"
        assert config.client_id == "app"
        assert config.service_account == "svc@contoso.com"
        assert config.mailer_from == "noreply@contoso.com"
        assert config.sender == "noreply@contoso.com"
        assert config.conference_type == "teamsForBusiness"
        assert config.email_templates["visitor"]["checkin"]["subject"] == "Hi %{name}"
        assert config.cloud is Cloud.GLOBAL
        assert SECRET not in repr(client) + repr(config)


def test_placeos_settings_with_a_credential_override() -> None:
    settings = {"calendar_config": {"tenant": "t", "client_id": "c", "client_secret": "s"}}
    client = GraphClient.from_placeos_settings(settings, token="static")
    assert client.access_token().token == "static"
    bare = {"calendar_config": {"tenant": "t", "client_id": "c"}}
    assert GraphClient.from_placeos_settings(bare, token="x").config.tenant_id == "t"


def test_placeos_rate_limit_selects_the_driver_limiter() -> None:
    from graphlink.ratelimit import AllOf, PerMailbox, PlaceOSLimiter

    settings = {"calendar_config": {"tenant": "t", "client_id": "c", "client_secret": "s"}}
    assert isinstance(GraphClient.from_placeos_settings(settings).config.rate_limit, PerMailbox)
    limited = GraphClient.from_placeos_settings({**settings, "rate_limit": 5}).config.rate_limit
    # The driver's limiter, and Exchange's per-mailbox cap the driver lacked.
    assert isinstance(limited, AllOf)
    kinds = {type(p) for p in limited.policies}
    assert kinds == {PlaceOSLimiter, PerMailbox}
    assert next(p for p in limited.policies if isinstance(p, PlaceOSLimiter)).rate_limit == 5


@pytest.mark.parametrize(
    "settings",
    [
        {
            "calendar_config": {"tenant": "t", "client_id": "c", "client_secret": "s"},
            "email_templates": "abc",
        },
        {},
        {"calendar_config": {"tenant": "t", "client_id": "c"}},
        {
            "calendar_config": {"tenant": "t", "client_id": "c", "client_secret": "s"},
            "rate_limit": "x",
        },
        {
            "calendar_config": {"tenant": "t", "client_id": "c", "client_secret": "s"},
            "rate_limit": 0,
        },
    ],
)
def test_bad_placeos_settings(settings) -> None:
    with pytest.raises(errors.ValidationError):
        GraphClient.from_placeos_settings(settings)


def test_context_managers_close_owned_pools() -> None:
    with GraphClient(token="t") as client:
        http = client._transport.http
    assert http.is_closed

    import asyncio

    async def run() -> bool:
        async with AsyncGraphClient(token="t") as client:
            http = client._transport.http
        return bool(http.is_closed)

    assert asyncio.run(run())


def test_injected_http_client_is_left_open() -> None:
    http = httpx.Client()
    with GraphClient(token="t", http_client=http):
        pass
    assert not http.is_closed
    http.close()


@pytest.mark.parametrize(
    "kwargs",
    [{"cloud": None}, {"cloud": 3}, {"retry": "x"}, {"rate_limit": object()}],
    ids=["cloud-none", "cloud-int", "retry", "rate-limit"],
)
def test_bad_arguments_are_validation_errors(kwargs) -> None:
    with pytest.raises(errors.ValidationError):
        GraphClient(token="t", **kwargs)


@pytest.mark.parametrize("kwargs", [{"max_retries": -1}, {"deadline": -1}, {"backoff_base": "x"}])
def test_bad_retry_policies_are_validation_errors(kwargs) -> None:
    with pytest.raises(errors.ValidationError):
        graphlink.RetryPolicy(**kwargs)


def test_bad_limits_are_validation_errors() -> None:
    client = GraphClient(token="t")
    for limit in ("5", -1, 2.5, True):
        with pytest.raises(errors.ValidationError):
            client.paginate("/users", limit=limit)  # type: ignore[arg-type]
        with pytest.raises(errors.ValidationError):
            client.users.list(limit=limit)  # type: ignore[arg-type]


def test_an_unknown_http_method_is_refused_before_sending(harness) -> None:
    h = harness(lambda request: httpx.Response(200, json={}))
    with pytest.raises(errors.ValidationError, match="unknown HTTP method 'GETT'"):
        h.request("GETT", "/users")
    assert h.requests == []


def test_connected_tracks_success_and_failure() -> None:
    state = {"fail": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if state["fail"]:
            raise httpx.ConnectError("down")
        return httpx.Response(200, json={})

    client = GraphClient(
        token="t",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        retry=graphlink.RetryPolicy(max_retries=0),
    )
    assert client.connected is False
    client.request("GET", "/users")
    assert client.connected is True
    state["fail"] = True
    with pytest.raises(errors.TransportError):
        client.request("GET", "/users")
    assert client.connected is False
