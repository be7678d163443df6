"""Credentials: where access tokens come from.

A credential only fetches a token; caching, refreshing ahead of expiry and single-flight
refresh belong to the client's token manager. msal is imported only when a client
credential first needs a token, so ``import graphlink`` stays light and offline.
"""

from __future__ import annotations

import inspect
import re
import threading
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
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
"""Refresh this long before a token expires (less for a token that lives under 10 minutes)."""


def refresh_margin(lifetime: timedelta | None) -> timedelta:
    """How long before its expiry a token with this ``lifetime`` is replaced.

    5 minutes, but at most half the lifetime the token had when it was fetched: a fixed
    margin longer than the lifetime would refetch a short-lived token on every call. An
    unknown lifetime (``None``) gets the full 5 minutes.
    """
    if lifetime is None:
        return REFRESH_MARGIN
    return max(timedelta(0), min(REFRESH_MARGIN, lifetime / 2))


@attrs.frozen
class AccessToken:
    """A bearer token and when it expires (``None`` when unknown, e.g. a static token)."""

    token: str = attrs.field(repr=False)
    expires: datetime | None = None

    def __repr__(self) -> str:
        return f"AccessToken(token='***', expires={self.expires!r})"

    def fresh(self, now: datetime, lifetime: timedelta | None = None) -> bool:
        """Whether the token may still be used at ``now``.

        It may until 5 minutes before it expires, or half its ``lifetime`` (how long it
        had to live when fetched) when that is shorter: a token living under 10 minutes is
        used for half its life, not refetched on every call.
        """
        return self.expires is None or now < self.expires - refresh_margin(lifetime)


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


def _expiry_problem(expires: object) -> str | None:
    """What makes ``expires`` unusable as a token's expiry, or ``None`` when it is fine."""
    if expires is None:
        return None
    if not isinstance(expires, datetime) or expires.utcoffset() is None:
        return "its expiry is not an aware datetime (nor None)"
    return None


def check_token(value: object, source: str = "the token provider") -> AccessToken:
    """``value`` (a ``str`` or an ``AccessToken``) as a token graphlink can send.

    The one check every token passes before it is used, whatever its credential: a bad
    one would fail inside the HTTP layer, after the request counted as (maybe) sent, with
    the token in the error. Refused with an ``AuthError`` that names no part of it.
    """
    outcome = _checked(value, source)
    if isinstance(outcome, str):
        # Neither this frame nor its callers' may hold the token when the error carries
        # them (callers pass it straight in, as an expression, not through a local).
        del value
        raise AuthError(outcome)
    return outcome


def _checked(value: object, source: str) -> AccessToken | str:
    """``value`` as an ``AccessToken``, or why it cannot be sent (naming no part of it)."""
    if isinstance(value, AccessToken):
        token = value
    elif isinstance(value, str):
        token = AccessToken(value)
    else:
        return (
            f"{source} returned a value of type {type(value).__name__}, not a str or an AccessToken"
        )
    problem = _token_problem(token.token) or _expiry_problem(token.expires)
    if problem is not None:
        return f"{source} returned a token graphlink cannot send: {problem}"
    return token


def _failure(what: str, exc: BaseException) -> str:
    """``exc`` told by its type and where it was raised, not its text (which may quote
    a secret); the exception itself is not chained, since its frames may hold one."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = (
        "" if tb is None else f" (at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno})"
    )
    return f"{what} failed: {type(exc).__name__}{where}"


class Credential:
    """Base of every credential: ``fetch()`` a new token (blocking) or ``afetch()`` it."""

    refreshable: bool = True
    """Whether asking again can give a different token (a 401 is then worth one retry)."""
    source: str = "the credential"
    """How error messages name where the token comes from."""

    def fetch(self) -> AccessToken:
        """Fetch a new token, blocking."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the credential holds (connections); it may not be used afterwards."""

    async def afetch(self) -> AccessToken:
        """Fetch a new token without blocking the event loop (in a worker thread)."""
        import asyncio  # here, not at the top: the blocking client never loads asyncio

        return await asyncio.to_thread(self.fetch)


class StaticToken(Credential):
    """A bearer token given as it is; graphlink never refreshes it."""

    refreshable = False

    def __init__(self, token: str) -> None:
        problem = _token_problem(token)
        if problem is not None:
            del token  # not in the frames the error carries
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

    source = "the token provider"

    def __init__(self, provider: TokenSource) -> None:
        if not callable(provider):
            raise ValidationError("token provider must be callable")
        self._provider = provider

    # The token is passed to check_token as an expression, never kept in a local: a
    # refused one must not be in the frames of the error.

    def fetch(self) -> AccessToken:
        """Call the provider."""
        return check_token(self._sync_value(), self.source)

    async def afetch(self) -> AccessToken:
        """Call the provider, awaiting it if it is async; a sync one runs in a thread."""
        return check_token(await self._async_value(), self.source)

    def _sync_value(self) -> object:
        value = self._call()
        if not inspect.isawaitable(value):
            return value
        if inspect.iscoroutine(value):
            value.close()
        raise AuthError("an async token provider needs AsyncGraphClient")

    async def _async_value(self) -> object:
        if inspect.iscoroutinefunction(self._provider):
            value = self._call()  # only makes the coroutine
        else:
            import asyncio  # here, not at the top: the blocking client never loads asyncio

            value = await asyncio.to_thread(self._call)
        if inspect.isawaitable(value):
            return await self._await(value)
        return value

    # The provider's own error is told by kind and place, not chained: its text and frames
    # may hold the secret it used. Raising after the ``except`` leaves no ``__context__``.
    def _call(self) -> object:
        try:
            return self._provider()
        except AuthError:
            raise
        except Exception as exc:
            failure = _failure(self.source, exc)
        raise AuthError(failure)

    async def _await(self, value: Awaitable[object]) -> object:
        try:
            return await value
        except AuthError:
            raise
        except Exception as exc:
            failure = _failure(self.source, exc)
        raise AuthError(failure)

    def __repr__(self) -> str:
        return f"TokenProvider({getattr(self._provider, '__qualname__', 'callable')})"


_PEM_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.+?-----END [A-Z ]*PRIVATE KEY-----", re.S
)
_PEM_CERT = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


def _msal_certificate(certificate: object) -> dict[str, str] | str:
    """msal's certificate dict for ``certificate`` (PEM text, a .pfx path or msal's dict),
    or why it cannot be one (pure; the answer quotes no key)."""
    if isinstance(certificate, str):
        if certificate.endswith((".pfx", ".p12")):
            return {"private_key_pfx_path": certificate}
        key, cert = _PEM_KEY.search(certificate), _PEM_CERT.search(certificate)
        if key is None or cert is None:
            return "client_certificate PEM text must hold both the private key and the certificate"
        return {"private_key": key.group(0), "public_certificate": cert.group(0)}
    if isinstance(certificate, Mapping) and (
        "private_key_pfx_path" in certificate
        or (
            "private_key" in certificate
            and ("thumbprint" in certificate or "public_certificate" in certificate)
        )
    ):
        return dict(certificate)
    return (
        "client_certificate must be PEM text with the key and certificate, a .pfx path, or "
        "msal's dict with 'private_key' and 'thumbprint' (or 'public_certificate')"
    )


def _scrub(text: str, secrets: list[str]) -> str:
    """``text`` without any of ``secrets`` or a PEM private key in it."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _PEM_KEY.sub("***", text)


@attrs.frozen
class _Refusal:
    """Why the token endpoint gave no token: a message, and a cause holding no secret."""

    message: str
    cause: Exception | None = None


def _answer(result: object, now: datetime) -> AccessToken | _Refusal:
    """The token in msal's answer, or why there is none (pure; quotes no token)."""
    if not isinstance(result, Mapping):
        return _Refusal("token acquisition failed: msal gave no answer")
    if "access_token" not in result:
        error = result.get("error", "unknown_error")
        description = str(result.get("error_description") or "")
        first_line = description.splitlines()[0] if description else ""
        return _Refusal(f"token acquisition failed: {error}: {first_line}".rstrip(": "))
    try:
        expires_in = float(result.get("expires_in", 3599))
    except (TypeError, ValueError):
        return _Refusal("token acquisition failed: the token's expires_in is not a number")
    return AccessToken(str(result["access_token"]), now + timedelta(seconds=expires_in))


def _form(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """msal's form fields as httpx encodes them: msal gives the signed client assertion
    as ``bytes``, which ``requests`` sends as text but httpx would send as ``b'...'``."""
    if data is None:
        return None
    return {
        key: value.decode() if isinstance(value, bytes) else value for key, value in data.items()
    }


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
        timeout = kwargs.get("timeout", self._timeout)
        if isinstance(data, str | bytes):  # a body already encoded
            return self._client.post(
                url, params=params, content=data, headers=headers, timeout=timeout
            )
        return self._client.post(
            url, params=params, data=_form(data), headers=headers, timeout=timeout
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

    source = "the token endpoint"

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

    def _secrets(self) -> list[str]:
        raise NotImplementedError

    def fetch(self) -> AccessToken:
        """Ask Entra ID for an app-only token (msal client credentials).

        A failure is an ``AuthError`` from which no secret can be reached: not its text,
        its cause (at most a copy of the httpx error without its request, whose body holds
        the secret), its context (none) or its traceback (msal's frames, whose locals hold
        the secret or the private key, are not in it).
        """
        outcome = self._acquire()
        if isinstance(outcome, _Refusal):
            raise AuthError(outcome.message) from outcome.cause
        return outcome

    def _acquire(self) -> AccessToken | _Refusal:
        # Failures are returned, not raised: the AuthError is made once msal's exception,
        # and the frames it holds, are gone.
        try:
            app = self._msal_app()
            # The client's token manager decides when a new token is due (ahead of expiry,
            # or after a 401); msal's cache would hand back the one being replaced.
            app.remove_tokens_for_client()
            result = app.acquire_token_for_client(scopes=[self.cloud.scope])
        except httpx.HTTPError as exc:
            text = _scrub(str(exc), self._secrets())
            return _Refusal(f"the token endpoint could not be reached: {text}", detached(exc))
        except Exception as exc:  # msal raises ValueError and others on bad authorities, keys
            text = _scrub(str(exc), self._secrets())
            return _Refusal(f"token acquisition failed: {type(exc).__name__}: {text}")
        answer = _answer(result, datetime.now(UTC))
        if isinstance(answer, _Refusal):  # an endpoint may echo the form it was sent
            return _Refusal(_scrub(answer.message, self._secrets()), answer.cause)
        return answer

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

    def _secrets(self) -> list[str]:
        return [self._secret]


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
        outcome = _msal_certificate(certificate)
        if isinstance(outcome, str):
            del certificate  # not in the frames the error carries
            raise ValidationError(outcome)
        self._certificate = outcome

    def _client_credential(self) -> Any:
        return self._certificate

    def _secrets(self) -> list[str]:
        return [str(self._certificate.get(name) or "") for name in ("private_key", "passphrase")]
