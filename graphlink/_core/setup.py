"""Turning constructor arguments into a config and a credential (pure, shared by both clients)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import httpx

from graphlink._config import Cloud, GraphConfig
from graphlink.auth import (
    AccessToken,
    ClientCertificate,
    ClientSecret,
    Credential,
    StaticToken,
    TokenProvider,
)
from graphlink.errors import ValidationError
from graphlink.ratelimit import RatePolicy, default_policy
from graphlink.retry import RetryPolicy

__all__ = ["Settings", "placeos_arguments", "resolve"]


@attrs.frozen
class Settings:
    """What a client is built from."""

    config: GraphConfig
    credential: Credential


def _credential(
    *,
    tenant_id: str | None,
    client_id: str | None,
    client_secret: str | None,
    client_certificate: Mapping[str, str] | str | None,
    token: str | AccessToken | Callable[[], Any] | Credential | None,
    cloud: Cloud,
    auth_http_client: httpx.Client | None,
    timeout: float,
) -> Credential:
    given = [
        name
        for name, value in (
            ("client_secret", client_secret),
            ("client_certificate", client_certificate),
            ("token", token),
        )
        if value is not None
    ]
    if len(given) != 1:
        what = " and ".join(given) if given else "none"
        raise ValidationError(
            f"give exactly one of client_secret, client_certificate or token (got {what})"
        )
    if token is not None:
        if isinstance(token, Credential):
            return token
        if isinstance(token, AccessToken):
            return StaticToken(token.token)
        if isinstance(token, str):
            return StaticToken(token)
        if callable(token):
            return TokenProvider(token)
        raise ValidationError("token must be a str, an AccessToken or a callable")
    if not tenant_id or not client_id:
        raise ValidationError("tenant_id and client_id are required with client credentials")
    if client_secret is not None:
        return ClientSecret(
            tenant_id,
            client_id,
            client_secret,
            cloud=cloud,
            http_client=auth_http_client,
            timeout=timeout,
        )
    assert client_certificate is not None
    return ClientCertificate(
        tenant_id,
        client_id,
        client_certificate,
        cloud=cloud,
        http_client=auth_http_client,
        timeout=timeout,
    )


def resolve(
    *,
    tenant_id: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    client_certificate: Mapping[str, str] | str | None = None,
    token: str | AccessToken | Callable[[], Any] | Credential | None = None,
    service_account: str | None = None,
    mailer_from: str | None = None,
    conference_type: str | None = None,
    cloud: Cloud | str = Cloud.GLOBAL,
    rate_limit: RatePolicy | None = None,
    retry: RetryPolicy | None = None,
    email_templates: Mapping[str, Any] | None = None,
    timeout: float = 30.0,
    base_url: str | None = None,
    auth_http_client: httpx.Client | None = None,
) -> Settings:
    """Validate constructor arguments and derive the config and credential."""
    cloud = Cloud.parse(cloud)
    if not isinstance(timeout, int | float) or timeout <= 0:
        raise ValidationError("timeout must be a positive number of seconds")
    if base_url is not None:
        if not base_url.startswith(("https://", "http://")):
            raise ValidationError("base_url must be an http(s) URL")
        base = base_url.rstrip("/")
    else:
        base = cloud.base_url
    if rate_limit is not None and not isinstance(rate_limit, RatePolicy):
        raise ValidationError("rate_limit must be a graphlink.ratelimit policy")
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise ValidationError("retry must be a graphlink.retry.RetryPolicy")
    for name, value in (("service_account", service_account), ("mailer_from", mailer_from)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValidationError(f"{name} must be a non-empty string")
    credential = _credential(
        tenant_id=tenant_id,
        client_id=client_id,
        client_secret=client_secret,
        client_certificate=client_certificate,
        token=token,
        cloud=cloud,
        auth_http_client=auth_http_client,
        timeout=float(timeout),
    )
    config = GraphConfig(
        tenant_id=tenant_id,
        client_id=client_id,
        service_account=service_account,
        mailer_from=mailer_from,
        conference_type=conference_type,
        cloud=cloud,
        base_url=base,
        rate_limit=rate_limit if rate_limit is not None else default_policy(),
        retry=retry if retry is not None else RetryPolicy(),
        email_templates=email_templates,
        timeout=float(timeout),
    )
    return Settings(config, credential)


#: Constructor arguments that name a credential: one given as an override replaces the
#: settings' client secret.
CREDENTIAL_ARGUMENTS = ("client_secret", "client_certificate", "token")


def placeos_arguments(
    settings: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Constructor arguments from the PlaceOS driver's settings JSON, taken unchanged.

    Reads ``calendar_service_account``, ``calendar_config{tenant, client_id, client_secret,
    conference_type}``, ``rate_limit``, ``mailer_from`` and ``email_templates``.
    ``overrides`` (constructor arguments) win; a credential among them replaces the
    settings' client secret, and then the settings need none.
    """
    overrides = dict(overrides or {})
    if not isinstance(settings, Mapping):
        raise ValidationError("PlaceOS settings must be a mapping (the driver's settings JSON)")
    calendar = settings.get("calendar_config") or {}
    if not isinstance(calendar, Mapping):
        raise ValidationError("calendar_config must be an object")
    own_credential = any(overrides.get(k) is not None for k in CREDENTIAL_ARGUMENTS)
    required = (
        ("tenant", "client_id") if own_credential else ("tenant", "client_id", "client_secret")
    )
    missing = [k for k in required if not calendar.get(k)]
    if missing:
        raise ValidationError(f"calendar_config is missing {', '.join(missing)}")
    templates = settings.get("email_templates") or None
    if templates is not None and not isinstance(templates, Mapping):
        raise ValidationError("email_templates must be an object {event: {who: {...}}}")
    arguments: dict[str, Any] = {
        "tenant_id": calendar["tenant"],
        "client_id": calendar["client_id"],
        "client_secret": None if own_credential else calendar["client_secret"],
        "conference_type": calendar.get("conference_type") or None,
        "service_account": settings.get("calendar_service_account") or None,
        "mailer_from": settings.get("mailer_from") or None,
        "email_templates": templates,
    }
    rate_limit = settings.get("rate_limit")
    if rate_limit is not None:
        if isinstance(rate_limit, bool) or not isinstance(rate_limit, int | float):
            raise ValidationError("rate_limit must be a number of requests per second")
        if rate_limit <= 0:
            raise ValidationError("rate_limit must be positive")
        arguments["rate_limit"] = default_policy(rate_limit=rate_limit)
    return {**arguments, **overrides}
