"""AsyncGraphClient.

This is the async source (``_client_sync.py`` is generated from it: edit here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import attrs
import httpx

from graphlink._config import Cloud, GraphConfig
from graphlink._core.request import Listing, Operation, Params, RequestSpec
from graphlink._core.setup import OPTIONS, resolve
from graphlink._transport._async import AsyncPaginator, AsyncTokenManager, AsyncTransport
from graphlink._transport._io_async import HttpClient
from graphlink.auth import AccessToken, Credential
from graphlink.ratelimit import RatePolicy
from graphlink.retry import RetryPolicy

if TYPE_CHECKING:
    from graphlink.resources._async.batch import AsyncBatch
    from graphlink.resources._async.calendar import AsyncCalendars, AsyncEvents, AsyncRooms
    from graphlink.resources._async.directory import AsyncGroups, AsyncUsers
    from graphlink.resources._async.mail import AsyncMail
    from graphlink.resources._async.subscriptions import AsyncSubscriptions

__all__ = ["AsyncGraphClient"]


class AsyncGraphClient:
    """A Microsoft Graph client for asyncio; [`GraphClient`][graphlink.GraphClient] is its blocking twin.

    Give exactly one way to authenticate: ``client_secret`` or ``client_certificate`` (with
    ``tenant_id`` and ``client_id``; msal client credentials), or ``token``. Every call goes
    through one transport that owns rate limiting, retries, auth and paging.

    The options documented below are the credentials and HTTP clients; every other option
    is the [`GraphConfig`][graphlink.GraphConfig] attribute of the same name, documented
    there (``client.config`` holds them).

    Args:
        client_secret: The app's client secret.
        client_certificate: The app's certificate: PEM text (key and certificate), a
            ``.pfx`` path, or msal's dict (``private_key``, ``thumbprint``).
        token: A static bearer token (``str`` or [`AccessToken`][graphlink.AccessToken]),
            a callable returning one, or a [`Credential`][graphlink.auth.Credential].
        http_client: The ``httpx.AsyncClient`` to send with (tests inject a
            ``MockTransport``); left open on close. None: the client makes (and closes) one.
        auth_http_client: The ``httpx.Client`` msal's token requests go through.
    """  # noqa: E501 - the summary line names both clients in full

    def __init__(
        self,
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
        max_response_bytes: int | None = 64 * 1024 * 1024,
        http_client: HttpClient | None = None,
        base_url: str | None = None,
        auth_http_client: httpx.Client | None = None,
    ) -> None:
        # The signature above is where the options are defined: pass them all on, as given.
        options = {name: value for name, value in locals().items() if name in OPTIONS}
        settings = resolve(**options)
        self.config: GraphConfig = settings.config
        """The configuration in force (no secrets)."""
        self._transport = AsyncTransport(
            http=http_client if http_client is not None else HttpClient(),
            owns_http=http_client is None,
            base_url=self.config.base_url,
            tokens=AsyncTokenManager(settings.credential),
            retry=self.config.retry,
            limiter=self.config.rate_limit,
            timeout=self.config.timeout,
            max_response_bytes=self.config.max_response_bytes,
        )

    # The facades are made on first use (each imports its resources and models then), so
    # importing and constructing a client stay cheap. They hold nothing but the transport
    # and config: should two threads each make one at once (Python 3.12+ takes no lock),
    # both work alike and the client keeps one.

    @cached_property
    def users(self) -> AsyncUsers:
        """Users, their managers and groups."""
        from graphlink.resources._async.directory import AsyncUsers

        return AsyncUsers(self._transport)

    @cached_property
    def groups(self) -> AsyncGroups:
        """Groups and their members."""
        from graphlink.resources._async.directory import AsyncGroups

        return AsyncGroups(self._transport)

    @cached_property
    def calendars(self) -> AsyncCalendars:
        """Calendars and free/busy."""
        from graphlink.resources._async.calendar import AsyncCalendars

        return AsyncCalendars(self._transport, self.config)

    @cached_property
    def events(self) -> AsyncEvents:
        """Calendar events: book, list, change, answer, cancel."""
        from graphlink.resources._async.calendar import AsyncEvents

        return AsyncEvents(self._transport, self.config)

    @cached_property
    def rooms(self) -> AsyncRooms:
        """Rooms and room lists."""
        from graphlink.resources._async.calendar import AsyncRooms

        return AsyncRooms(self._transport)

    @cached_property
    def mail(self) -> AsyncMail:
        """Sending mail, plain or from the client's templates."""
        from graphlink.resources._async.mail import AsyncMail

        return AsyncMail(self._transport, self.config)

    @cached_property
    def subscriptions(self) -> AsyncSubscriptions:
        """Change-notification subscriptions (receive them with ``graphlink.notifications``)."""
        from graphlink.resources._async.subscriptions import AsyncSubscriptions

        return AsyncSubscriptions(self._transport)

    @classmethod
    def from_placeos_settings(cls, settings: Mapping[str, Any], **overrides: Any) -> Self:
        """Build a client from the PlaceOS driver's settings JSON, unchanged.

        ``overrides`` are constructor arguments that win over the settings (e.g.
        ``http_client``).
        """
        from graphlink.placeos._settings import client_arguments  # the adapter, on use

        return cls(**client_arguments(settings, overrides))

    @property
    def connected(self) -> bool:
        """True after a successful token and request; false after an auth or network failure."""
        return self._transport.connected

    @property
    def queue_size(self) -> int:
        """Calls waiting in the rate limiter now."""
        return self._transport.queue_size

    @property
    def in_flight_size(self) -> int:
        """Calls being sent now."""
        return self._transport.in_flight_size

    async def access_token(self, user_id: str | None = None) -> AccessToken:
        """The service's current access token (fetched or refreshed when needed).

        ``user_id`` is accepted for the driver's signature; app-only tokens serve every
        mailbox.
        """
        return await self._transport.access_token()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Call any Graph endpoint through the same limits, retries and auth.

        ``path`` is relative to the Graph root (``/users/x/events``) and used as given:
        percent-encode ids yourself ([`segment`][graphlink.segment]). Returns the JSON body, or
        ``None`` for an empty answer. ``idempotent`` overrides the method's default for the
        retry rules (a POST is not retried after it may have been processed).
        """
        from graphlink._core.parse import raw  # with the models: loaded on first use

        spec = RequestSpec(method=method, url=path, params=params, headers=headers, json=json)
        if idempotent is not None:
            spec = attrs.evolve(spec, idempotent=idempotent)
        return await self._transport.call(Operation(spec=spec, parse=raw))

    def batch(self) -> AsyncBatch:
        """Queue requests and send them together in ``$batch`` calls (``async with``).

        ```python
        async with client.batch() as batch:
            booked = batch.events.create("Stand-up", start, end, calendar_id=room)
            ada = batch.users.get("ada@contoso.com")
        booked.result()  # the Event, or that request's typed error
        ```
        """
        from graphlink.resources._async.batch import AsyncBatch

        return AsyncBatch(self._transport, self.config)

    def paginate(
        self,
        path: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[dict[str, Any]]:
        """Every item of a Graph collection, page after page, as raw dicts."""
        from graphlink._core.parse import raw_items  # with the models: loaded on first use

        spec = RequestSpec(method="GET", url=path, params=params, headers=headers)
        return self._transport.paginate(Listing(spec=spec, parse_items=raw_items, limit=limit))

    async def close(self) -> None:
        """Close the connection pool (unless it was given as ``http_client``)."""
        await self._transport.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        config = self.config
        return (
            f"{type(self).__name__}(tenant_id={config.tenant_id!r}, "
            f"client_id={config.client_id!r}, cloud={config.cloud.name}, "
            f"base_url={config.base_url!r})"
        )
