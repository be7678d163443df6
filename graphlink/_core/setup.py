"""Turning constructor options into a config and a credential (pure, shared by both clients).

The options are defined once, by [`AsyncGraphClient`][graphlink.AsyncGraphClient]'s
keyword-only signature (names, types, defaults; the blocking client's is generated from
it). ``Options`` mirrors their types so that ``resolve`` is type-checked; a test pins
that the signature, ``Options`` and [`GraphConfig`][graphlink.GraphConfig] agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict, Unpack

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

__all__ = ["CREDENTIALS", "OPTIONS", "Options", "Settings", "resolve"]


class Options(TypedDict):
    """The client's constructor options as its signature types them, ``http_client`` aside.

    (``http_client`` is the client's own: its type is the flavour's httpx client.) Every
    key is always present: the client passes each of its parameters, defaults included.
    """

    tenant_id: str | None
    client_id: str | None
    client_secret: str | None
    client_certificate: Mapping[str, str] | str | None
    token: str | AccessToken | Callable[[], Any] | Credential | None
    service_account: str | None
    mailer_from: str | None
    conference_type: str | None
    cloud: Cloud | str
    rate_limit: RatePolicy | None
    retry: RetryPolicy | None
    email_templates: Mapping[str, Any] | None
    timeout: float
    max_response_bytes: int | None
    base_url: str | None
    auth_http_client: httpx.Client | None


OPTIONS = Options.__required_keys__
"""The names of the options ``resolve`` reads."""

CREDENTIALS = ("client_secret", "client_certificate", "token")
"""The options that name a credential: exactly one of them is given."""


@attrs.frozen
class Settings:
    """What a client is built from."""

    config: GraphConfig
    credential: Credential


def _credential(options: Options, cloud: Cloud, timeout: float) -> Credential:
    named: Mapping[str, object] = options
    given = [name for name in CREDENTIALS if named[name] is not None]
    if len(given) != 1:
        what = " and ".join(given) if given else "none"
        raise ValidationError(
            f"give exactly one of client_secret, client_certificate or token (got {what})"
        )
    token = options["token"]
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
    tenant_id, client_id = options["tenant_id"], options["client_id"]
    if not tenant_id or not client_id:
        raise ValidationError("tenant_id and client_id are required with client credentials")
    http_client = options["auth_http_client"]
    certificate = options["client_certificate"]
    if certificate is not None:
        return ClientCertificate(
            tenant_id, client_id, certificate, cloud=cloud, http_client=http_client, timeout=timeout
        )
    # Exactly one credential was given, and neither a token nor a certificate.
    secret = str(options["client_secret"])
    return ClientSecret(
        tenant_id, client_id, secret, cloud=cloud, http_client=http_client, timeout=timeout
    )


def resolve(**options: Unpack[Options]) -> Settings:
    """Validate the constructor options and derive the config and credential."""
    cloud = Cloud.parse(options["cloud"])
    timeout = options["timeout"]
    if not isinstance(timeout, int | float) or timeout <= 0:
        raise ValidationError("timeout must be a positive number of seconds")
    base_url = options["base_url"]
    if base_url is not None:
        if not isinstance(base_url, str) or not base_url.startswith(("https://", "http://")):
            raise ValidationError("base_url must be an http(s) URL")
        base_url = base_url.rstrip("/")
    max_bytes = options["max_response_bytes"]
    if max_bytes is not None and (
        isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0
    ):
        raise ValidationError("max_response_bytes must be a positive number of bytes, or None")
    rate_limit = options["rate_limit"]
    if rate_limit is not None and not isinstance(rate_limit, RatePolicy):
        raise ValidationError("rate_limit must be a graphlink.ratelimit policy")
    retry = options["retry"]
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise ValidationError("retry must be a graphlink.retry.RetryPolicy")
    named: Mapping[str, object] = options
    for name in ("service_account", "mailer_from"):
        value = named[name]
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValidationError(f"{name} must be a non-empty string")
    credential = _credential(options, cloud, float(timeout))
    config = GraphConfig(
        tenant_id=options["tenant_id"],
        client_id=options["client_id"],
        service_account=options["service_account"],
        mailer_from=options["mailer_from"],
        conference_type=options["conference_type"],
        cloud=cloud,
        base_url=base_url if base_url is not None else cloud.base_url,
        rate_limit=rate_limit if rate_limit is not None else default_policy(),
        retry=retry if retry is not None else RetryPolicy(),
        email_templates=options["email_templates"],
        timeout=float(timeout),
        max_response_bytes=max_bytes,
    )
    return Settings(config, credential)
