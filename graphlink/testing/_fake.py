"""FakeGraph: an in-memory Microsoft Graph for tests, benchmarks and the demo."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import attrs
import httpx

from graphlink.testing import _snapshot
from graphlink.testing._builders import attendee, camel, event_json, ref, when
from graphlink.testing._conventions import canonical_path
from graphlink.testing._engine import Engine
from graphlink.testing._limits import BatchPlan, Fault, FaultKind
from graphlink.testing._recorded import RecordedRequest
from graphlink.testing._snapshot import SnapshotSource
from graphlink.testing._state import SentMail, State
from graphlink.testing._webhooks import WebhookMixin, calls_out
from graphlink.testing._wire import (
    Call,
    ConnectionFault,
    reply_content,
    split_version,
    to_call,
    to_response,
)

if TYPE_CHECKING:
    from graphlink import AsyncGraphClient, GraphClient

__all__ = ["FakeGraph", "RecordedRequest"]

GRAPH_ROOT = "https://graph.microsoft.com/v1.0"
_REDACTED_FORM_KEYS = ("client_secret", "client_assertion")


@attrs.define
class _Ticket:
    key: str | None
    #: For a ``$batch``: its items' plan, and the slots they hold per mailbox meanwhile.
    plan: BatchPlan | None = None


class FakeGraph(WebhookMixin):
    """An in-memory Microsoft Graph speaking Graph's wire format.

    It holds users, groups (with nesting), managers, mailboxes with calendars and events,
    rooms, sent mail and subscriptions, and answers the requests graphlink sends with
    Graph's status codes, paging, error bodies and limits. Reach it in-process with
    [`client`][graphlink.testing.FakeGraph.client] /
    [`async_client`][graphlink.testing.FakeGraph.async_client] /
    [`transport`][graphlink.testing.FakeGraph.transport], or over a real loopback socket
    with [`serve`][graphlink.testing.FakeGraph.serve].

    Change notifications: ``POST /subscriptions`` validates the notification URL with
    Graph's handshake; changes to the events a subscription watches are POSTed to it by
    [`deliver`][graphlink.testing.FakeGraph.deliver], lifecycle events by
    [`send_lifecycle`][graphlink.testing.FakeGraph.send_lifecycle] (``adeliver`` and
    ``asend_lifecycle`` from async code).

    Inside a ``$batch`` each item is throttled on its own: Outlook items beyond their
    mailbox's ``mailbox_concurrency`` (counting the requests already in flight to it) are
    answered an item-level ``429`` with ``Retry-After`` in the item's headers and never
    run, their dependents get ``424``, and every item that runs counts against
    ``mailbox_rate``. See [`throttled`][graphlink.testing.FakeGraph.throttled].

    Its data can be saved as JSON and loaded again: [`dump`][graphlink.testing.FakeGraph.dump],
    [`load`][graphlink.testing.FakeGraph.load], [`reset`][graphlink.testing.FakeGraph.reset]
    (the format is in docs/emulator.md). ``python -m graphlink fake`` serves one on its own.

    Args:
        latency: Seconds added to every HTTP request by the transports and the server,
            once per request: a ``$batch`` costs ``latency`` once, whatever its items
            (Graph's own pace inside a batch, about 4 Outlook items at a time, is not
            modelled).
        mailbox_concurrency: Requests one mailbox may have in flight before Exchange's
            ``429 ApplicationThrottled`` (Graph's limit is 4; ``None`` switches it off).
            A ``$batch``'s admitted Outlook items hold their mailboxes' slots while the
            batch is in flight.
        mailbox_rate: ``(requests, seconds)`` allowed per mailbox, e.g. ``(10_000, 600)``
            as Graph documents; ``None`` (the default) switches it off. ``$batch`` items
            count one each.
        check_tokens: Accept only tokens issued by the fake's token endpoint (and not
            expired). By default any bearer token is accepted; a missing one is a 401.
        tenant_domain: The domain of the users the builders and
            [`demo`][graphlink.testing.FakeGraph.demo] create.
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        mailbox_concurrency: int | None = 4,
        mailbox_rate: tuple[int, float] | None = None,
        check_tokens: bool = False,
        tenant_domain: str = "contoso.com",
    ) -> None:
        self._lock = threading.RLock()
        self._state = State(tenant_domain=tenant_domain)
        self._engine = Engine(self._state)
        self._engine.mailbox_rate = mailbox_rate
        self._engine.check_tokens = check_tokens
        self._engine.mailbox_concurrency = mailbox_concurrency
        self._requests: list[RecordedRequest] = []
        self._in_flight = self._engine.in_flight
        #: Seconds added to every HTTP request (transports and server), once per ``$batch``.
        self.latency = latency
        #: Seconds a stalled (``timeout`` fault) socket connection is held open at most.
        self.stall_seconds = 30.0
        #: The highest number of requests seen in flight at once, per mailbox.
        self.peak_in_flight: dict[str, int] = {}

    # ================================================================== state access

    @property
    def tenant_id(self) -> str:
        """The fake tenant's id (a stable GUID derived from the tenant domain)."""
        return self._state.tenant_id

    @property
    def domain(self) -> str:
        """The tenant's email domain."""
        return self._state.tenant_domain

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    @property
    def sent_mail(self) -> list[SentMail]:
        """Every message accepted by ``sendMail`` or a draft's ``send``, oldest first."""
        with self._lock:
            return list(self._state.sent_mail)

    @property
    def mailbox_concurrency(self) -> int | None:
        """Per-mailbox in-flight limit (``None``: unlimited); ``$batch`` items count too."""
        return self._engine.mailbox_concurrency

    @mailbox_concurrency.setter
    def mailbox_concurrency(self, value: int | None) -> None:
        with self._lock:
            self._engine.mailbox_concurrency = value

    @property
    def throttled(self) -> int:
        """How many 429s FakeGraph has answered, ``$batch`` items included.

        Every 429 counts: over ``mailbox_concurrency`` or ``mailbox_rate``, armed with
        [`fail_next`][graphlink.testing.FakeGraph.fail_next], whole requests and items
        alike. A cumulative count (read it before and after to measure a stretch of work).
        ``requests`` records the ``$batch`` itself, not its items.
        """
        with self._lock:
            return self._engine.throttled

    @property
    def mailbox_rate(self) -> tuple[int, float] | None:
        """``(requests, seconds)`` allowed per mailbox, or None when not limited."""
        return self._engine.mailbox_rate

    @mailbox_rate.setter
    def mailbox_rate(self, value: tuple[int, float] | None) -> None:
        with self._lock:
            self._engine.mailbox_rate = value
            self._engine.rate_history.clear()

    @property
    def check_tokens(self) -> bool:
        """Whether only tokens issued by the fake's token endpoint are accepted."""
        return self._engine.check_tokens

    @check_tokens.setter
    def check_tokens(self, value: bool) -> None:
        self._engine.check_tokens = value

    @property
    def me(self) -> str | None:
        """The user ``/me`` stands for (None: ``/me`` answers Graph's app-only 400)."""
        return self._state.me

    @me.setter
    def me(self, user: Any) -> None:
        with self._lock:
            self._state.me = None if user is None else self._state.resolve_ref(user)

    def register_app(self, client_id: str, client_secret: str) -> None:
        """Make the token endpoint check credentials: unknown apps and wrong secrets fail.

        Until an app is registered, any ``client_id``/``client_secret`` gets a token.
        """
        with self._lock:
            self._engine.apps[client_id] = client_secret

    def issue_token(self) -> str:
        """A valid access token, as the token endpoint would issue it."""
        with self._lock:
            return self._engine.issue_token()[0]

    def expire_tokens(self) -> None:
        """Expire every issued token (with ``check_tokens``, Graph calls then get 401)."""
        with self._lock:
            for token in self._engine.tokens:
                self._engine.tokens[token] = 0.0

    # ================================================================== builders

    def add_user(
        self,
        mail: str | None = None,
        display_name: str | None = None,
        *,
        id: str | None = None,  # noqa: A002 - Graph's name
        manager: Any = None,
        mailbox: bool = True,
        **fields: Any,
    ) -> dict[str, Any]:
        """Add a user (with a mailbox and a default calendar unless ``mailbox=False``).

        ``fields`` are Graph user properties, in Graph's camelCase or in snake_case
        (``job_title="Engineer"``, ``accountEnabled=False``). Returns the user's Graph JSON.

        >>> fake = FakeGraph()
        >>> fake.add_user("ada@contoso.com", "Ada Lovelace", department="R&D")["givenName"]
        'Ada'
        """
        with self._lock:
            data = self._state.add_user(mail, display_name, user_id=id, fields=camel(fields))
            if mailbox:
                self._state.add_mailbox(data)
            if manager is not None:
                self.set_manager(data["id"], manager)
            return dict(data)

    def update_user(self, user: Any, **fields: Any) -> dict[str, Any]:
        """Change a user's properties (recorded for ``/users/delta``)."""
        with self._lock:
            uid = self._state.resolve_ref(user)
            self._state.users[uid].update(camel(fields))
            self._state.touch(uid)
            return dict(self._state.users[uid])

    def remove_user(self, user: Any) -> None:
        """Delete a user, its mailbox and memberships (``@removed`` in ``/users/delta``)."""
        with self._lock:
            self._state.remove_directory_object(self._state.resolve_ref(user))

    def set_manager(self, user: Any, manager: Any) -> None:
        """Set (or, with ``manager=None``, clear) a user's manager."""
        with self._lock:
            uid = self._state.resolve_ref(user)
            if manager is None:
                self._state.managers.pop(uid, None)
            else:
                self._state.managers[uid] = self._state.resolve_ref(manager)
            self._state.touch(uid)

    def add_group(
        self,
        display_name: str,
        members: Iterable[Any] = (),
        *,
        id: str | None = None,  # noqa: A002 - Graph's name
        mail: str | None = None,
        unified: bool = False,
        description: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Add a group. ``members`` are users or groups (ids, addresses or builder results).

        ``unified=True`` makes a Microsoft 365 group (``groupTypes: ["Unified"]``,
        mail-enabled); otherwise a security group, mail-enabled when ``mail`` is given.
        """
        with self._lock:
            data = self._state.add_group(
                display_name,
                group_id=id,
                mail=mail,
                unified=unified,
                description=description,
                fields=camel(fields),
            )
            for member in members:
                self._state.add_member(data["id"], self._state.resolve_ref(member))
            return dict(data)

    def add_member(self, group: Any, member: Any) -> None:
        """Add a user or a group to a group."""
        with self._lock:
            gid = str(self._state.group(str(ref(group)))["id"])
            self._state.add_member(gid, self._state.resolve_ref(member))

    def remove_member(self, group: Any, member: Any) -> None:
        """Remove a member from a group."""
        with self._lock:
            gid = str(self._state.group(str(ref(group)))["id"])
            self._state.remove_member(gid, self._state.resolve_ref(member))

    def remove_group(self, group: Any) -> None:
        """Delete a group (``@removed`` in ``/groups/delta``)."""
        with self._lock:
            self._state.remove_directory_object(str(self._state.group(str(ref(group)))["id"]))

    def add_room(
        self,
        display_name: str,
        email: str | None = None,
        *,
        capacity: int | None = None,
        building: str | None = None,
        floor: int | None = None,
        room_list: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Add a room: a place (``/places/microsoft.graph.room``) with its own mailbox.

        Rooms accept invitations automatically. ``room_list`` is the address of a room
        list, created on first use. Returns the room's Graph JSON.
        """
        with self._lock:
            nickname = "".join(ch for ch in display_name if ch.isalnum())
            email = email or f"{nickname.lower()}@{self.domain}"
            self._state.add_room_user(email, display_name)
            place = self._state.add_room(
                email,
                display_name,
                capacity=capacity,
                building=building,
                floor=floor,
                room_list=room_list,
                fields=camel(fields),
            )
            return dict(place)

    def add_calendar(self, mailbox: Any, name: str) -> dict[str, Any]:
        """Add a secondary calendar to a mailbox; returns its Graph JSON."""
        with self._lock:
            box = self._state.mailbox(str(ref(mailbox)))
            return dict(self._state.add_calendar(box, name))

    def add_event(
        self,
        mailbox: Any,
        subject: str,
        start: datetime | str,
        end: datetime | str,
        *,
        attendees: Sequence[str | Mapping[str, Any]] = (),
        location: str | None = None,
        body: str | None = None,
        calendar: str | None = None,
        time_zone: str | None = None,
        online: bool = False,
        recurrence: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Add an event organised by ``mailbox``, exactly as ``POST …/events`` would.

        ``start``/``end`` are aware datetimes or ISO strings (read in ``time_zone``, UTC by
        default). The event's zone (``start.timeZone``, the wall clock a series follows) is
        ``time_zone`` when given, else an aware datetime's own ``ZoneInfo``, else UTC.
        Attendees (addresses or Graph attendee dicts) with a mailbox in the fake get their
        copy; rooms accept. ``recurrence`` is Graph's ``patternedRecurrence``
        (``{"pattern": {...}, "range": {...}}``): the event is then a series master, whose
        occurrences calendarView, ``instances`` and getSchedule expand. Returns the
        organiser's event JSON (times in UTC).
        """
        with self._lock:
            box = self._state.mailbox(str(ref(mailbox)))
            payload: dict[str, Any] = {
                "subject": subject,
                "start": when(start, time_zone),
                "end": when(end, time_zone),
                "attendees": [attendee(self._state, a) for a in attendees],
            }
            if location is not None:
                payload["location"] = {"displayName": location}
            if body is not None:
                payload["body"] = {"contentType": "html", "content": body}
            if online:
                payload["isOnlineMeeting"] = True
                payload["onlineMeetingProvider"] = "teamsForBusiness"
            if recurrence is not None:
                payload["recurrence"] = dict(recurrence)
            payload.update(camel(fields))
            return event_json(self._state.create_event(box, calendar, payload))

    def events(self, mailbox: Any) -> list[dict[str, Any]]:
        """The events stored in a mailbox (all calendars), ordered by start, times in UTC.

        What ``GET /users/{id}/events`` lists: single events and series masters
        (``type: seriesMaster``), unexpanded; occurrences are computed by the views
        (calendarView, ``instances``, getSchedule) and are not listed here. Attendees' copies
        of a meeting are in their own mailboxes; a cancelled copy stays with
        ``isCancelled: true``.
        """
        with self._lock:
            box = self._state.mailbox(str(ref(mailbox)))
            return [event_json(rec) for rec in sorted(box.events.values(), key=lambda r: r.start)]

    # ================================================================== faults

    def fail_next(
        self,
        status: int = 503,
        *,
        retry_after: float | str | None = None,
        times: int = 1,
        path: str | None = None,
        method: str | None = None,
        code: str | None = None,
        message: str | None = None,
        fault: FaultKind = "status",
        acted: bool = False,
    ) -> None:
        """Make the next matching request(s) fail.

        Each fault means the same in-process (the transports, ``client()``) and over the
        socket (``serve()``): the client sees the same httpx outcome, so graphlink draws
        the same conclusion (retry, or "may have been processed") either way.

        * ``"status"`` (the default): Graph's error body for ``status`` (``code``,
          ``message``), with ``Retry-After`` when given.
        * ``"reset"``: the connection is reset (TCP RST) once the server has the request,
          before any answer: unread (nothing happens), or with ``acted`` after serving
          it. The client cannot tell which: the request went out, so it may have been
          processed (graphlink does not repeat a POST). ``httpx.ReadError`` either way.
          No fault fails a connection *before* the request leaves (a server cannot
          refuse one for a request it has not seen): point a client at a closed port.
        * ``"timeout"``: no answer until the client gives up: ``httpx.ReadTimeout`` at
          once in-process; over ``serve()`` the connection stalls (at most
          ``stall_seconds``) until the client's read timeout.
        * ``"malformed_json"``: a complete answer with ``status`` and a JSON
          ``Content-Type`` whose body breaks off mid-JSON.
        * ``"truncated"``: status line, headers (the whole body's ``Content-Length``) and
          half the body, then the connection closes: reading the body raises
          ``httpx.RemoteProtocolError``. With ``acted`` the real answer is cut (the event
          was created, its JSON lost half-way; an answer without a body is cut before
          its status line); without, ``status``'s error body is.
        * ``"204_with_body"``: ``204`` with a JSON body and its ``Content-Length``, as a
          misbehaving proxy might send. HTTP/1.1 clients read no body after a 204 (RFC
          9110 §15.3.5), so the client gets an empty 204. Over ``serve()`` the server
          then closes the connection; a real server's stray bytes would instead be read
          as the next answer on that connection, which FakeGraph does not model.

        Graph documents none of these but the statuses: they model what networks,
        gateways and proxies do. Inside a ``$batch`` (path-bound faults hit the matching
        items), ``"reset"``, ``"timeout"`` and ``"truncated"`` make the item's answer a
        ``504 GatewayTimeout`` (a guess at what Graph's front end answers for an item whose
        backend failed); a status is the item's status.

        Args:
            status: The HTTP status to answer (with Graph's error body for it).
            retry_after: Seconds for a ``Retry-After`` header (fractions allowed: ``0.01``
                is sent as ``0.01``), or a ``str`` sent as it is, such as an HTTP date
                (``email.utils.format_datetime(when, usegmt=True)``).
            times: How many matching requests fail.
            path: Only requests whose path (relative to ``/v1.0``) contains this text, or
                matches it as a glob when it has ``*``/``?``. Path-bound faults also hit
                the matching requests inside a ``$batch``. A path matches in any spelling
                the routes accept, whichever it is armed in: ``/places/microsoft.graph.room``
                and ``/places/graph.room`` arm both, ``/users/delta()`` also ``/users/delta``,
                ``/users/x/sendMail`` also ``.../graph.sendMail``.
            method: Only requests with this HTTP method.
            code: The error ``code`` (default: Graph's usual one for the status; a 401's
                says the token expired).
            message: The error ``message``.
            fault: What goes wrong (see above).
            acted: The fault happens *after* the server acted: the request is served as
                usual (the event is created, the mail is sent), then the client gets the
                fault instead of the answer. ``False`` (the default): the route never
                runs, nothing happens on the server.
        """
        with self._lock:
            self._engine.faults.append(
                Fault(
                    kind=fault,
                    status=status,
                    retry_after=retry_after,
                    times=times,
                    # The spelling requests are matched in (``graph.`` alias, ``delta()``).
                    path=None if path is None else canonical_path(path),
                    method=method,
                    code=code,
                    message=message,
                    acted=acted,
                )
            )

    def clear_faults(self) -> None:
        """Disarm every planned fault."""
        with self._lock:
            self._engine.faults.clear()

    # ================================================================== request handling

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request (thread-safe); the core every transport and the server use.

        Latency and the per-mailbox concurrency limit are applied by the transports and
        the server around this call (called directly, a ``$batch``'s items are still
        admitted against the requests counted in flight). Faults surface as a client
        sees them (see [`fail_next`][graphlink.testing.FakeGraph.fail_next]): ``reset``
        raises ``httpx.ReadError``, ``timeout`` ``httpx.ReadTimeout``; a ``truncated``
        answer raises ``httpx.RemoteProtocolError`` when its body is read.
        """
        return self._answer(request, None)

    def _answer(self, request: httpx.Request, plan: BatchPlan | None) -> httpx.Response:
        """``handle``, given the ``$batch`` plan made (and reserved) when it arrived."""
        call = to_call(request)
        handshakes = self._handshakes_for(call)  # without the lock: receivers may call back
        with self._lock:
            self._engine.batch_plan, self._state.handshakes = plan, handshakes
            try:
                outcome = self._engine.respond(call)
            finally:
                self._engine.batch_plan, self._state.handshakes = None, {}
            status: int | None = None
            if not isinstance(outcome, ConnectionFault):
                # A truncated answer without a body is cut before its status line.
                cut_early = outcome.truncated and not reply_content(outcome)[0]
                status = None if cut_early else outcome.status
            self._record(call, request, status)
        # The messages are httpx's own over a socket, so both ways in read the same.
        if isinstance(outcome, ConnectionFault):
            if outcome.kind == "reset":
                raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
            raise httpx.ReadTimeout("timed out", request=request)
        if status is None:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return to_response(outcome, request)

    def _record(self, call: Call, request: httpx.Request, status: int | None) -> None:
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        body: Any = call.body
        if isinstance(body, dict) and not call.version:
            body = {k: ("***" if k in _REDACTED_FORM_KEYS else v) for k, v in body.items()}
        elif body is None and call.raw:
            body = call.raw
        if status == 429:
            self._engine.throttled += 1
        self._requests.append(
            RecordedRequest(
                method=call.method,
                url=str(request.url),
                path=call.path,
                query=dict(call.query),
                headers=headers,
                body=body,
                status=status,
            )
        )

    def _enter(self, request: httpx.Request) -> _Ticket | httpx.Response:
        """Count a request in flight for its mailbox, or answer Exchange's concurrency 429.

        A ``$batch`` is planned on arrival: its Outlook items over their mailboxes' limit
        are marked throttled, and the admitted ones hold their slots until it is answered.
        """
        version, path = split_version(unquote(request.url.path))
        with self._lock:
            key = self._engine.mailbox_key(path) if version else None
            current = self._in_flight.get(key, 0)
            limit = self.mailbox_concurrency
            if key is not None and limit is not None and current >= limit:
                reply = self._engine.throttled_reply()
                self._record(to_call(request), request, reply.status)
                return to_response(reply, request)
            plan = None
            is_batch = request.method.upper() == "POST" and path.rstrip("/").lower() == "/$batch"
            if version and is_batch:
                plan = self._engine.plan_batch(to_call(request))
                for box, slots in plan.reserved.items():
                    self._occupy(box, slots)
            self._occupy(key, 1)
            return _Ticket(key, plan)

    def _occupy(self, key: str | None, slots: int) -> None:
        count = self._in_flight.get(key, 0) + slots
        self._in_flight[key] = count
        if key is not None:
            self.peak_in_flight[key] = max(self.peak_in_flight.get(key, 0), count)

    def _leave(self, ticket: _Ticket) -> None:
        with self._lock:
            self._in_flight[ticket.key] -= 1
            if ticket.plan is not None:
                for box, slots in ticket.plan.reserved.items():
                    self._in_flight[box] -= slots

    def _handle_blocking(self, request: httpx.Request) -> httpx.Response:
        """For threads: latency and concurrency accounting around ``handle``.

        See [`handle`][graphlink.testing.FakeGraph.handle].
        """
        ticket = self._enter(request)
        if isinstance(ticket, httpx.Response):
            return ticket
        try:
            if self.latency:
                time.sleep(self.latency)
            return self._answer(request, ticket.plan)
        finally:
            self._leave(ticket)

    async def _handle_async(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        ticket = self._enter(request)
        if isinstance(ticket, httpx.Response):
            return ticket
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            if calls_out(request):  # a handshake: keep the loop free for the receiver
                return await asyncio.to_thread(self._answer, request, ticket.plan)
            return self._answer(request, ticket.plan)
        finally:
            self._leave(ticket)

    # ================================================================== ways in

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport answering from this fake: ``httpx.Client(transport=...)``."""
        from graphlink.testing._transport import FakeTransport

        return FakeTransport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An async httpx transport: ``httpx.AsyncClient(transport=...)``."""
        from graphlink.testing._transport import AsyncFakeTransport

        return AsyncFakeTransport(self)

    def client(self, **kw: Any) -> GraphClient:
        """A [`GraphClient`][graphlink.GraphClient] wired to this fake in-process.

        Defaults: ``token="fake-token"``, ``base_url`` Graph's real root (so links look
        real), ``http_client`` on [`transport`][graphlink.testing.FakeGraph.transport];
        with ``tenant_id``/``client_id``/``client_secret`` given, msal's requests go to
        the fake's token endpoint too. Every keyword is passed through.
        """
        from graphlink import GraphClient

        return GraphClient(**self._client_kwargs(kw, asynchronous=False))

    def async_client(self, **kw: Any) -> AsyncGraphClient:
        """An [`AsyncGraphClient`][graphlink.AsyncGraphClient] wired to this fake in-process."""
        from graphlink import AsyncGraphClient

        return AsyncGraphClient(**self._client_kwargs(kw, asynchronous=True))

    def _client_kwargs(self, kw: dict[str, Any], *, asynchronous: bool) -> dict[str, Any]:
        out = dict(kw)
        uses_msal = "client_secret" in out or "client_certificate" in out
        if not uses_msal:
            out.setdefault("token", "fake-token")
        out.setdefault("base_url", GRAPH_ROOT)
        if "http_client" not in out:
            out["http_client"] = (
                httpx.AsyncClient(transport=self.async_transport())
                if asynchronous
                else httpx.Client(transport=self.transport())
            )
        if uses_msal:
            out.setdefault("auth_http_client", httpx.Client(transport=self.transport()))
        return out

    @contextmanager
    def serve(self, port: int = 0, host: str = "127.0.0.1") -> Iterator[str]:
        """Serve this fake over HTTP on ``host`` (loopback, a free port by default).

        Yields the Graph root, e.g. ``http://127.0.0.1:50123/v1.0``; the token endpoint is
        ``http://127.0.0.1:50123/{tenant}/oauth2/v2.0/token`` on the same server. Links
        the fake writes (``@odata.nextLink``, upload URLs) use the host each request was
        sent to. FakeGraph checks no credentials: bind beyond loopback knowingly.
        """
        from graphlink.testing._transport import serve

        with serve(self, port, host) as base_url:
            yield base_url

    # ================================================================== seeds

    @classmethod
    def demo(cls, **kw: Any) -> FakeGraph:
        """A FakeGraph seeded with a small believable organisation (Contoso).

        About three dozen people in four departments with managers, nested groups, a
        Microsoft 365 group, eight rooms in two buildings, a service account and a week of
        meetings around today. The same every run (apart from the dates).
        """
        from graphlink.testing._seed import seed_demo

        fake = cls(**kw)
        seed_demo(fake)
        return fake

    @classmethod
    def load(cls, source: SnapshotSource, **kw: Any) -> FakeGraph:
        """A FakeGraph holding a snapshot: a JSON file's path, or the dict ``dump`` returns.

        The tenant (domain and id) is the snapshot's; ``kw`` are the other constructor
        options. The format is in docs/emulator.md. A file that is not a snapshot raises
        [`SnapshotError`][graphlink.testing.SnapshotError] (a ``ValueError``) saying where.
        """
        data = _snapshot.read_snapshot(source)
        fake = cls(tenant_domain=_snapshot.snapshot_domain(data, "contoso.com"), **kw)
        _snapshot.restore(fake._state, data)
        return fake

    def dump(self, path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """The tenant's data as a snapshot, written to ``path`` as JSON when given.

        Users (with managers, calendars, events and drafts), groups and their members, rooms
        and room lists, sent mail. Not kept: recorded requests, faults, subscriptions (and
        their notifications and deliveries), delta tokens, upload sessions, issued tokens,
        counters and configuration.
        ``FakeGraph.load`` of the result dumps the same again.
        """
        with self._lock:
            data = _snapshot.snapshot(self._state)
        if path is not None:
            _snapshot.write_snapshot(data, path)
        return data

    def reset(self, snapshot: SnapshotSource | None = None) -> None:
        """Forget everything: back to an empty tenant, or to ``snapshot`` when given.

        Tenant data, sent mail, subscriptions and their notifications, delta tokens,
        recorded requests, armed faults, the throttling history and counters all go. The
        configuration stays: ``latency``, the mailbox limits, ``check_tokens``, registered
        apps, issued tokens, the webhook client and timeout. A bad ``snapshot`` raises
        before anything is forgotten.
        """
        if snapshot is None:
            state = State(tenant_domain=self.domain)
        else:  # built aside: nothing is shared until it is complete
            data = _snapshot.read_snapshot(snapshot)
            state = State(tenant_domain=_snapshot.snapshot_domain(data, self.domain))
            _snapshot.restore(state, data)
        with self._lock:
            old = self._state
            state.webhook_client, state.webhook_timeout = old.webhook_client, old.webhook_timeout
            self._state = self._engine.state = state
            self._engine.faults.clear()
            self._engine.rate_history.clear()
            self._engine.throttled = 0
            self._requests.clear()
            self.peak_in_flight.clear()

    def __repr__(self) -> str:
        with self._lock:
            st = self._state
            events = sum(len(b.events) for b in st.mailboxes.values())
            return (
                f"<FakeGraph users={len(st.users)} groups={len(st.groups)} "
                f"rooms={len(st.rooms())} events={events}>"
            )
