"""FakeGraph's request engine: faults, auth, mailbox rate limits, then the route table.

``Engine`` answers one ``Call`` with one ``Reply`` (or a ``ConnectionFault``). It knows
nothing about sockets or httpx transports; FakeGraph holds the lock. The routes it
dispatches to are in ``graphlink.testing._routes``, one module per area.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections import deque

import attrs

from graphlink.testing._conventions import (
    action_body,
    check_query_options,
    is_action,
    spellings,
)
from graphlink.testing._limits import BatchPlan, Fault, mailbox_ref, sliding_window_wait
from graphlink.testing._odata import QueryError
from graphlink.testing._routes import ROUTES
from graphlink.testing._routes.batch import plan_items
from graphlink.testing._state import GraphFault, State
from graphlink.testing._wire import (
    JSON_TYPE,
    Call,
    ConnectionFault,
    Reply,
    bare_error_reply,
    error_body,
    json_reply,
)

__all__ = ["Engine"]


class Engine:
    """Answers calls against a ``State``. Callers hold FakeGraph's lock."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.faults: list[Fault] = []
        self.mailbox_rate: tuple[int, float] | None = None
        self.rate_history: dict[str, deque[float]] = {}
        self.check_tokens = False
        self.tokens: dict[str, float] = {}  # token -> expiry (monotonic-free wall time)
        self.apps: dict[str, str] = {}  # client_id -> secret
        self.token_lifetime = 3599
        self.throttle_retry_after = 1.0
        #: Requests one mailbox may have in flight (None: unlimited). FakeGraph's
        #: transports and server count them; ``$batch`` items are admitted against it.
        self.mailbox_concurrency: int | None = 4
        #: Requests in flight per mailbox key (None: not a mailbox), kept by FakeGraph.
        self.in_flight: dict[str | None, int] = {}
        #: The plan FakeGraph made when the ``$batch`` being answered arrived (its items'
        #: slots were reserved then); None: the route plans against ``in_flight`` itself.
        self.batch_plan: BatchPlan | None = None
        #: 429s answered so far, ``$batch`` items included.
        self.throttled = 0

    # ------------------------------------------------------------------ entry points

    def respond(self, call: Call, *, inner: bool = False) -> Reply | ConnectionFault:
        """Answer one call: faults, auth, mailbox rate limit, then the route's handler.

        A fault armed with ``acted`` runs the call as usual first (auth, limits and the
        route, with all its side effects), then answers the fault instead: its status, a
        ``ConnectionFault``, or (``truncated``) the real answer cut short.
        """
        request_id = str(uuid.uuid4())
        client_request_id = call.header("client-request-id") or request_id
        # A fault's path matches the path as sent or as the routes spell it (a test arming
        # ``/places/microsoft.graph.room`` means the ``graph.room`` msgraph-sdk sends).
        paths = spellings(call.path)[0] + [call.path] if call.version else [call.path]
        fault = next(
            (f for f in self.faults if any(f.matches(call.method, p, inner=inner) for p in paths)),
            None,
        )
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
            real = None
            if fault.acted:
                # The server acts on the request; the client never sees its answer whole.
                real = self._respond(
                    call, inner=inner, request_id=request_id, client_request_id=client_request_id
                )
            if fault.kind in ("reset", "timeout"):
                return ConnectionFault(fault.kind, acted=fault.acted)
            if fault.kind == "truncated" and real is not None:
                reply = attrs.evolve(real, truncated=True)
            else:
                reply = self._fault_reply(fault, request_id, client_request_id)
        else:
            reply = self._respond(
                call, inner=inner, request_id=request_id, client_request_id=client_request_id
            )
        headers = {"request-id": request_id, "client-request-id": client_request_id}
        headers.update(reply.headers)
        return attrs.evolve(reply, headers=headers)

    def _respond(
        self, call: Call, *, inner: bool, request_id: str, client_request_id: str
    ) -> Reply:
        try:
            if not call.version:
                return self._dispatch(call, graph=False)
            if not inner:
                self._check_auth(call)
            self._check_rate(call)
            check_query_options(call.query_items or call.query.items())
            return self._dispatch(call, graph=True)
        except GraphFault as exc:
            body = error_body(exc.code, exc.message, request_id, client_request_id)
            return json_reply(exc.status, body, exc.headers)
        except QueryError as exc:
            body = error_body(exc.code, exc.message, request_id, client_request_id)
            return json_reply(exc.status, body)

    def _dispatch(self, call: Call, *, graph: bool) -> Reply:
        """The handler of the first route matching method and path, or the miss Graph answers.

        Graph paths are matched in their canonical spelling (``_conventions``): the
        ``graph.`` alias as ``microsoft.graph.``, ``delta()`` as ``delta``; when no route is
        written with a segment's qualified name, without the qualifier (a bound operation
        called as ``microsoft.graph.sendMail``). An action's body reaches its handler as
        ``ActionParameters`` (parameter names in any case), and ``call.path`` in the spelling
        that matched (canonical, or unqualified), without a trailing slash.
        """
        path = call.path.rstrip("/") or "/"
        candidates, qualified = spellings(path) if graph else ([path], frozenset[int]())
        allowed = False
        for candidate in candidates:
            for r in ROUTES:
                if r.graph != graph:
                    continue
                m = r.pattern.fullmatch(candidate)
                if m is None or _keys_a_qualified_name(m, qualified):
                    continue
                allowed = True
                if r.method == call.method.upper():
                    # The handler sees the path as its route spells it: links it writes
                    # from ``call.path`` say ``delta``, not the ``delta()`` a client sent.
                    call = attrs.evolve(call, path=candidate)
                    if graph and is_action(call.method, candidate):
                        call = attrs.evolve(call, body=action_body(call.body))
                    reply = r.handler(self, call, m)
                    if graph and r.method not in ("GET", "HEAD"):
                        self.state.record_changes()  # queue change notifications
                    return reply
            if allowed:
                break
        if not graph:
            return json_reply(404, {"error": "not_found", "error_description": f"No route {path}"})
        if allowed:
            raise GraphFault(
                405,
                "Request_BadRequest",
                "Specified HTTP method is not allowed for the request target.",
            )
        raise GraphFault(
            400, "BadRequest", f"Resource not found for the segment '{_unknown_segment(path)}'."
        )

    def _fault_reply(self, fault: Fault, request_id: str, client_request_id: str) -> Reply:
        headers: dict[str, str] = {}
        if isinstance(fault.retry_after, str):
            headers["Retry-After"] = fault.retry_after  # as given: an HTTP date
        elif fault.retry_after is not None:
            headers["Retry-After"] = _seconds(fault.retry_after)
        if fault.kind == "malformed_json":
            return Reply(
                status=fault.status,
                raw=b'{"value": [{"id": "1", "displayName": "trunc',
                headers={"Content-Type": JSON_TYPE, **headers},
            )
        if fault.kind == "204_with_body":
            return Reply(status=204, raw=b'{"unexpected":"body"}', headers=headers)
        code, message = _default_error(fault.status)
        body = error_body(
            fault.code or code, fault.message or message, request_id, client_request_id
        )
        return attrs.evolve(
            json_reply(fault.status, body, headers), truncated=fault.kind == "truncated"
        )

    def _check_auth(self, call: Call) -> None:
        auth = call.header("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        if not token or scheme.lower() != "bearer":
            raise GraphFault(401, "InvalidAuthenticationToken", "Access token is empty.")
        if not self.check_tokens:
            return
        expiry = self.tokens.get(token)
        if expiry is None:
            raise GraphFault(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed.")
        if expiry <= time.time():
            raise GraphFault(
                401,
                "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.",
            )

    def _check_rate(self, call: Call) -> None:
        if self.mailbox_rate is None:
            return
        key = self.mailbox_key(call.path)
        if key is None:
            return
        rate, per = self.mailbox_rate
        history = self.rate_history.setdefault(key, deque())
        wait = sliding_window_wait(history, time.monotonic(), rate, per)
        if wait is not None:
            raise GraphFault(
                429,
                "ApplicationThrottled",
                "Application is over its MailboxConcurrency limit.",
                {"Retry-After": _seconds(wait)},
            )

    def mailbox_key(self, path: str) -> str | None:
        """The mailbox an Outlook request targets (a user id when known), else None.

        In any spelling the routes accept: ``/users/x/graph.sendMail`` counts against the
        mailbox as ``/users/x/sendMail`` does.
        """
        ref = mailbox_ref(spellings(path)[0][-1])
        if ref is None:
            return None
        user = self.state.find_user(ref)
        return str(user["id"]) if user is not None else ref.lower()

    def plan_batch(self, call: Call) -> BatchPlan:
        """Which items of a ``POST /$batch`` call the mailbox concurrency limit refuses."""
        return plan_items(self, call)

    def throttled_reply(self) -> Reply:
        """The 429 Exchange sends over the mailbox concurrency limit."""
        return bare_error_reply(
            429,
            "ApplicationThrottled",
            "Application is over its MailboxConcurrency limit.",
            {"Retry-After": _seconds(self.throttle_retry_after), "request-id": str(uuid.uuid4())},
        )

    def issue_token(self) -> tuple[str, int]:
        """A new opaque access token and its lifetime in seconds."""
        token = "eyJ0eXAiOiJKV1QiLCJub25jZSI6ImZha2UifQ." + secrets.token_urlsafe(32)
        self.tokens[token] = time.time() + self.token_lifetime
        return token, self.token_lifetime


def _keys_a_qualified_name(m: re.Match[str], qualified: frozenset[int]) -> bool:
    """True when ``m`` captured a whole qualified segment (by index) as a key: not a match."""
    text = m.string
    for name, value in m.groupdict().items():
        if not value:
            continue
        start, end = m.span(name)
        whole = (start == 0 or text[start - 1] == "/") and (end == len(text) or text[end] == "/")
        if whole and text.count("/", 0, start) in qualified:
            return True
    return False


def _resolves(path: str) -> bool:
    """True when some Graph route matches ``path`` (any method), in any accepted spelling."""
    candidates, qualified = spellings(path)
    return any(
        r.graph and (m := r.pattern.fullmatch(c)) and not _keys_a_qualified_name(m, qualified)
        for c in candidates
        for r in ROUTES
    )


def _unknown_segment(path: str) -> str:
    """The segment Graph names in "Resource not found for the segment ...": the one after
    the longest prefix of ``path`` that is a resource, else the last (as sent)."""
    segments = path.strip("/").split("/")
    for k in range(len(segments) - 1, 0, -1):
        if _resolves("/" + "/".join(segments[:k])):
            return segments[k]
    return segments[-1]


def _seconds(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text or "0"


def _default_error(status: int) -> tuple[str, str]:
    return {
        400: ("BadRequest", "Bad request."),
        401: ("InvalidAuthenticationToken", "Access token has expired or is not yet valid."),
        403: ("Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
        404: ("Request_ResourceNotFound", "Resource does not exist."),
        409: ("Conflict", "Conflict."),
        429: ("TooManyRequests", "Please retry again later."),
        500: ("InternalServerError", "Internal server error."),
        502: ("BadGateway", "Bad gateway."),
        503: ("ServiceUnavailable", "The service is temporarily unavailable."),
        504: ("GatewayTimeout", "The gateway timed out."),
    }.get(status, ("generalException", "An error occurred."))
