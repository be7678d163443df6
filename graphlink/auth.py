"""Credentials: where access tokens come from.

A credential only fetches a token; caching, refreshing ahead of expiry and single-flight
refresh belong to the client's token manager. msal is imported only when a client
credential first needs a token, so ``import graphlink`` stays light and offline.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import threading
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import httpx

from graphlink._config import Cloud
from graphlink._core.redact import detached
from graphlink.errors import AuthError, ValidationError

__all__ = [
    "AccessToken",
    "ClientCertificate",
    "ClientSecret",
    "Credential",
    "StaticToken",
    "TokenProvider",
]

REFRESH_MARGIN = timedelta(minutes=5)
"""Refresh this long before a token expires."""


@attrs.frozen
class AccessToken:
    """A bearer token and when it expires (``None`` when unknown, e.g. a static token)."""

    token: str = attrs.field(repr=False)
    expires: datetime | None = None

    def __repr__(self) -> str:
        return f"AccessToken(token='***', expires={self.expires!r})"

    def fresh(self, now: datetime) -> bool:
        """Whether the token may still be used at ``now`` (5 minutes of margin)."""
        return self.expires is None or now < self.expires - REFRESH_MARGIN


TokenSource = Callable[[], "str | AccessToken | Awaitable[str | AccessToken]"]


def _token_problem(token: object) -> str | None:
    """What makes ``token`` unusable as a bearer token, or ``None`` when it is fine.

    The answer never quotes the token: it goes into error messages.
    """
    if not isinstance(token, str) or not token.strip():
        return "it is empty or not a string"
    if any(ch in token for ch in "\r\n"):
        return "it contains CR or LF (a trailing newline read from a file?)"
    if not token.isascii() or not token.isprintable():
        return "it contains characters an HTTP header cannot carry (only printable ASCII)"
    if token != token.strip():
        return "it starts or ends with whitespace"
    return None


def check_token(token: AccessToken, source: str = "the token provider") -> AccessToken:
    """Refuse, with an ``AuthError`` naming no part of it, a token that cannot be sent.

    Tokens from providers are checked as static tokens are: a bad one would fail inside
    the HTTP layer, after the request was counted as (maybe) sent, with the token in the
    error.
    """
    problem = _token_problem(token.token)
    if problem is not None:
        raise AuthError(f"{source} returned a token graphlink cannot send: {problem}")
    return token


def _as_token(value: object) -> AccessToken:
    if isinstance(value, AccessToken):
        return check_token(value)
    if isinstance(value, str) and value:
        return check_token(AccessToken(value))
    raise AuthError("the token provider must return a non-empty str or an AccessToken")


class Credential:
    """Base of every credential: ``fetch()`` a new token (blocking) or ``afetch()`` it."""

    refreshable: bool = True
    """Whether asking again can give a different token (a 401 is then worth one retry)."""

    def fetch(self) -> AccessToken:
        """Fetch a new token, blocking."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the credential holds (connections); it may not be used afterwards."""

    async def afetch(self) -> AccessToken:
        """Fetch a new token without blocking the event loop (in a worker thread)."""
        return await asyncio.to_thread(self.fetch)


class StaticToken(Credential):
    """A bearer token given as it is; graphlink never refreshes it."""

    refreshable = False

    def __init__(self, token: str) -> None:
        problem = _token_problem(token)
        if problem is not None:
            raise ValidationError(f"the token cannot be used: {problem}")
        self._token = AccessToken(token)

    def fetch(self) -> AccessToken:
        """The same token, always."""
        return self._token

    async def afetch(self) -> AccessToken:
        """The same token, always."""
        return self._token

    def __repr__(self) -> str:
        return "StaticToken('***')"


class TokenProvider(Credential):
    """A callable returning a token, sync or async.

    The token is a ``str`` or an [`AccessToken`][graphlink.auth.AccessToken]. An async
    callable works with [`AsyncGraphClient`][graphlink.AsyncGraphClient] only.
    """

    def __init__(self, provider: TokenSource) -> None:
        if not callable(provider):
            raise ValidationError("token provider must be callable")
        self._provider = provider

    def fetch(self) -> AccessToken:
        """Call the provider."""
        try:
            value = self._provider()
        except AuthError:
            raise
        except Exception as exc:
            raise AuthError(f"the token provider failed: {type(exc).__name__}") from exc
        if inspect.isawaitable(value):
            if inspect.iscoroutine(value):
                value.close()
            raise AuthError("an async token provider needs AsyncGraphClient")
        return _as_token(value)

    async def afetch(self) -> AccessToken:
        """Call the provider, awaiting it if it is async; a sync one runs in a thread."""
        if inspect.iscoroutinefunction(self._provider):
            try:
                value = await self._provider()
            except AuthError:
                raise
            except Exception as exc:
                raise AuthError(f"the token provider failed: {type(exc).__name__}") from exc
            return _as_token(value)
        return await asyncio.to_thread(self.fetch)

    def __repr__(self) -> str:
        return f"TokenProvider({getattr(self._provider, '__qualname__', 'callable')})"


_PEM_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.+?-----END [A-Z ]*PRIVATE KEY-----", re.S
)
_PEM_CERT = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


def _pem_credential(pem: str) -> dict[str, str]:
    """msal's certificate dict from PEM text holding a private key and its certificate."""
    key, cert = _PEM_KEY.search(pem), _PEM_CERT.search(pem)
    if key is None or cert is None:
        raise ValidationError(
            "client_certificate PEM text must hold both the private key and the certificate"
        )
    return {"private_key": key.group(0), "public_certificate": cert.group(0)}


class _MsalHttp:
    """msal's HTTP client interface over an httpx.Client (so tests can stay offline)."""

    def __init__(self, client: httpx.Client, timeout: float) -> None:
        self._client = client
        self._timeout = timeout

    def post(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        return self._client.post(
            url,
            params=params,
            data=data,
            headers=headers,
            timeout=kwargs.get("timeout", self._timeout),
        )

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        return self._client.get(
            url, params=params, headers=headers, timeout=kwargs.get("timeout", self._timeout)
        )

    def close(self) -> None:
        self._client.close()


class _MsalCredential(Credential):
    """msal client credentials flow; the app object is created on first use."""

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        *,
        cloud: Cloud = Cloud.GLOBAL,
        http_client: httpx.Client | None = None,
        timeout: float = 30.0,
    ) -> None:
        for name, value in (("tenant_id", tenant_id), ("client_id", client_id)):
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(f"{name} must be a non-empty string")
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.cloud = cloud
        self._http_client = http_client
        self._owns_http = http_client is None
        self._timeout = timeout
        self._app: Any = None
        self._app_lock = threading.Lock()

    def _client_credential(self) -> Any:
        raise NotImplementedError

    def _msal_app(self) -> Any:
        with self._app_lock:
            if self._app is None:
                import msal  # imported lazily: msal is heavy and may touch the network

                if self._http_client is None:
                    self._http_client = httpx.Client()
                http = _MsalHttp(self._http_client, self._timeout)
                self._app = msal.ConfidentialClientApplication(
                    self.client_id,
                    authority=self.cloud.authority(self.tenant_id),
                    client_credential=self._client_credential(),
                    http_client=http,
                    token_cache=msal.TokenCache(),
                    # The authority is one of Microsoft's clouds, known in advance: no
                    # instance-discovery round trip.
                    instance_discovery=False,
                )
            return self._app

    def fetch(self) -> AccessToken:
        """Ask Entra ID for an app-only token (msal client credentials)."""
        try:
            app = self._msal_app()
            # The client's token manager decides when a new token is due (ahead of expiry,
            # or after a 401); msal's cache would hand back the one being replaced.
            app.remove_tokens_for_client()
            result = app.acquire_token_for_client(scopes=[self.cloud.scope])
        except httpx.HTTPError as exc:
            cause = detached(exc)  # the request's body holds the client secret
            raise AuthError(f"the token endpoint could not be reached: {exc}") from cause
        except AuthError:
            raise
        except Exception as exc:  # msal raises ValueError and others on bad authorities
            raise AuthError(f"token acquisition failed: {type(exc).__name__}: {exc}") from exc
        if not isinstance(result, Mapping) or "access_token" not in result:
            error = result.get("error", "unknown_error") if isinstance(result, Mapping) else ""
            description = result.get("error_description", "") if isinstance(result, Mapping) else ""
            first_line = str(description).splitlines()[0] if description else ""
            raise AuthError(f"token acquisition failed: {error}: {first_line}".rstrip(": "))
        expires_in = float(result.get("expires_in", 3599))
        expires = datetime.now(UTC) + timedelta(seconds=expires_in)
        return AccessToken(str(result["access_token"]), expires)

    def close(self) -> None:
        """Close the connection pool graphlink opened for msal (not one it was given)."""
        with self._app_lock:
            if self._owns_http and self._http_client is not None:
                self._http_client.close()
                self._http_client = None
                self._app = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(tenant_id={self.tenant_id!r}, client_id={self.client_id!r}, "
            f"cloud={self.cloud.name}, secret='***')"
        )


class ClientSecret(_MsalCredential):
    """App-only credentials with a client secret."""

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        *,
        cloud: Cloud = Cloud.GLOBAL,
        http_client: httpx.Client | None = None,
        timeout: float = 30.0,
    ) -> None:
        super().__init__(
            tenant_id, client_id, cloud=cloud, http_client=http_client, timeout=timeout
        )
        if not isinstance(client_secret, str) or not client_secret:
            raise ValidationError("client_secret must be a non-empty string")
        self._secret = client_secret

    def _client_credential(self) -> Any:
        return self._secret


class ClientCertificate(_MsalCredential):
    """App-only credentials with a certificate.

    ``certificate`` is msal's dict (``{"private_key": PEM, "thumbprint": hex,
    "public_certificate"?: PEM}``) or the PEM text of a private key with its certificate.
    """

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        certificate: Mapping[str, str] | str,
        *,
        cloud: Cloud = Cloud.GLOBAL,
        http_client: httpx.Client | None = None,
        timeout: float = 30.0,
    ) -> None:
        super().__init__(
            tenant_id, client_id, cloud=cloud, http_client=http_client, timeout=timeout
        )
        if isinstance(certificate, str):
            if certificate.endswith((".pfx", ".p12")):
                certificate = {"private_key_pfx_path": certificate}
            else:
                certificate = _pem_credential(certificate)
        elif not isinstance(certificate, Mapping) or not (
            "private_key_pfx_path" in certificate
            or (
                "private_key" in certificate
                and ("thumbprint" in certificate or "public_certificate" in certificate)
            )
        ):
            raise ValidationError(
                "client_certificate must be PEM text with the key and certificate, a .pfx "
                "path, or msal's dict with 'private_key' and 'thumbprint' (or "
                "'public_certificate')"
            )
        self._certificate = dict(certificate)

    def _client_credential(self) -> Any:
        return self._certificate
