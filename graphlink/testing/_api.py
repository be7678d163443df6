"""FakeGraph's HTTP semantics: routing, Graph's wire format, error bodies, $batch, tokens.

:class:`Engine` answers one :class:`Call` with one :class:`Reply` (or a connection-level
fault). It knows nothing about sockets or httpx transports; FakeGraph holds the lock.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import attrs

from graphlink.testing._limits import Fault, mailbox_ref, sliding_window_wait
from graphlink.testing._odata import (
    QueryError,
    decode_token,
    encode_token,
    filter_uses_advanced_features,
    parse_filter,
    run_query,
    select_fields,
)
from graphlink.testing._state import (
    USER_DEFAULT_FIELDS,
    EventRecord,
    GraphFault,
    Mailbox,
    State,
    event_overlaps,
    format_graph_datetime,
    not_found_item,
    parse_graph_datetime,
)

__all__ = ["Call", "ConnectionFault", "Engine", "Reply"]

_JSON_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8"
)
DIRECTORY_PAGE = (100, 999)
OUTLOOK_PAGE = (10, 1000)
PLACES_PAGE = (100, 999)
MAX_BATCH = 20


@attrs.frozen
class Call:
    """One request as FakeGraph sees it (also one item of a ``$batch``)."""

    method: str
    #: The path relative to the version root (``/users/x``) or, off Graph, the URL path.
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any
    raw: bytes
    #: ``scheme://host[:port]`` the request arrived at: links FakeGraph writes use it.
    origin: str
    #: ``v1.0`` / ``beta`` for Graph calls, ``""`` for the token endpoint and upload URLs.
    version: str

    @property
    def root(self) -> str:
        """The Graph root the caller used, e.g. ``https://graph.microsoft.com/v1.0``."""
        return f"{self.origin}/{self.version}"

    def param(self, name: str) -> str | None:
        """A query parameter by OData name, with or without ``$``, case-insensitive."""
        bare = name.lstrip("$").lower()
        for key, value in self.query.items():
            if key.lower().lstrip("$") == bare:
                return value
        return None

    def header(self, name: str) -> str | None:
        """A request header, case-insensitive."""
        low = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == low), None)

    def prefer(self, name: str) -> str | None:
        """A ``Prefer`` preference value (``odata.maxpagesize``, ``outlook.timezone``)."""
        for part in (self.header("Prefer") or "").split(","):
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == name.lower():
                return value.strip().strip('"')
        return None


@attrs.frozen
class Reply:
    """A response before it becomes bytes: status, JSON or text body, headers."""

    status: int
    body: Any = None
    text: str | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    raw: bytes | None = None


@attrs.frozen
class ConnectionFault:
    """Not a response: the connection is reset, or stalls until the client gives up."""

    kind: str  # "reset" | "timeout"


Handler = Callable[["Engine", Call, "re.Match[str]"], Reply]
_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []
_LOGIN_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []

_U = r"/(?:users/(?P<user>[^/]+)|me)"
_CAL = (
    _U + r"(?:/calendar|/calendars/(?P<cal>[^/]+)|/calendarGroup/calendars/(?P<cal2>[^/]+)"
    r"|/calendarGroups/[^/]+/calendars/(?P<cal3>[^/]+))?"
)


def route(method: str, pattern: str, *, login: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler for ``method`` on a path regex (matched whole, any case)."""

    def register(fn: Handler) -> Handler:
        table = _LOGIN_ROUTES if login else _ROUTES
        table.append((method, re.compile(pattern, re.IGNORECASE), fn))
        return fn

    return register


def _user_ref(m: re.Match[str]) -> str:
    return m.groupdict().get("user") or "me"


def _cal_ref(m: re.Match[str]) -> str | None:
    d = m.groupdict()
    return d.get("cal") or d.get("cal2") or d.get("cal3")


def error_body(code: str, message: str, request_id: str, client_request_id: str) -> dict[str, Any]:
    """Graph's error body, with ``innerError`` as Graph writes it."""
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id,
                "client-request-id": client_request_id,
            },
        }
    }


def _json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(status=status, body=body, headers=dict(headers or {}))


def _empty(status: int, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(status=status, headers=dict(headers or {}))


# =========================================================================== engine


class Engine:
    """Answers calls against a :class:`State`. Callers hold FakeGraph's lock."""

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

    # ------------------------------------------------------------------ entry points

    def respond(self, call: Call, *, inner: bool = False) -> Reply | ConnectionFault:
        """Answer one call: faults, auth, mailbox rate limit, then the route's handler."""
        request_id = str(uuid.uuid4())
        client_request_id = call.header("client-request-id") or request_id
        fault = next(
            (f for f in self.faults if f.matches(call.method, call.path, inner=inner)), None
        )
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
            if fault.kind in ("reset", "timeout"):
                return ConnectionFault(fault.kind)
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
                return self._dispatch(_LOGIN_ROUTES, call, login=True)
            if not inner:
                self._check_auth(call)
            self._check_rate(call)
            return self._dispatch(_ROUTES, call, login=False)
        except GraphFault as exc:
            body = error_body(exc.code, exc.message, request_id, client_request_id)
            return _json(exc.status, body, exc.headers)
        except QueryError as exc:
            body = error_body(exc.code, exc.message, request_id, client_request_id)
            return _json(exc.status, body)

    def _dispatch(
        self, table: Sequence[tuple[str, re.Pattern[str], Handler]], call: Call, *, login: bool
    ) -> Reply:
        path = call.path.rstrip("/") or "/"
        allowed = False
        for method, pattern, handler in table:
            m = pattern.fullmatch(path)
            if m is None:
                continue
            allowed = True
            if method == call.method.upper():
                return handler(self, call, m)
        if login:
            return _json(404, {"error": "not_found", "error_description": f"No route {path}"})
        if allowed:
            raise GraphFault(
                405,
                "Request_BadRequest",
                "Specified HTTP method is not allowed for the request target.",
            )
        raise GraphFault(
            400,
            "BadRequest",
            f"Resource not found for the segment '{path.rsplit('/', 1)[-1]}'.",
        )

    def _fault_reply(self, fault: Fault, request_id: str, client_request_id: str) -> Reply:
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = _seconds(fault.retry_after)
        if fault.kind == "malformed_json":
            return Reply(
                status=fault.status,
                raw=b'{"value": [{"id": "1", "displayName": "trunc',
                headers={"Content-Type": _JSON_TYPE, **headers},
            )
        if fault.kind == "204_with_body":
            return Reply(status=204, raw=b'{"unexpected":"body"}', headers=headers)
        code, message = _default_error(fault.status)
        body = error_body(
            fault.code or code, fault.message or message, request_id, client_request_id
        )
        return _json(fault.status, body, headers)

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
        """The mailbox an Outlook request targets (a user id when known), else None."""
        ref = mailbox_ref(path)
        if ref is None:
            return None
        user = self.state.find_user(ref)
        return str(user["id"]) if user is not None else ref.lower()

    def throttled_reply(self) -> Reply:
        """The 429 Exchange sends over the mailbox concurrency limit."""
        rid = str(uuid.uuid4())
        return _json(
            429,
            {
                "error": {
                    "code": "ApplicationThrottled",
                    "message": "Application is over its MailboxConcurrency limit.",
                }
            },
            {"Retry-After": _seconds(self.throttle_retry_after), "request-id": rid},
        )

    def issue_token(self) -> tuple[str, int]:
        """A new opaque access token and its lifetime in seconds."""
        token = "eyJ0eXAiOiJKV1QiLCJub25jZSI6ImZha2UifQ." + secrets.token_urlsafe(32)
        self.tokens[token] = time.time() + self.token_lifetime
        return token, self.token_lifetime


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


# =========================================================================== collections


def _page_size(call: Call, kind: str) -> int:
    default, maximum = {"directory": DIRECTORY_PAGE, "outlook": OUTLOOK_PAGE}.get(kind, PLACES_PAGE)
    top = call.param("top")
    if top is None:
        pref = call.prefer("odata.maxpagesize")
        if pref and pref.isdigit() and kind != "directory":
            return max(1, min(int(pref), maximum))
        return default
    if not top.lstrip("-").isdigit():
        raise GraphFault(400, "BadRequest", f"Invalid value '{top}' for $top query option.")
    n = int(top)
    if kind == "directory" and not 1 <= n <= maximum:
        raise GraphFault(
            400,
            "Request_BadRequest",
            f"Invalid page size specified: '{n}'. Must be between 1 and {maximum} inclusive.",
        )
    if n < 1:
        raise GraphFault(400, "BadRequest", f"Invalid value '{top}' for $top query option.")
    return min(n, maximum)


_UNSUPPORTED = "Unsupported Query."
_SEARCH_NEEDS_HEADER = (
    "Request with $search query parameter only works through MSGraph with a special request "
    "header: 'ConsistencyLevel: eventual'"
)


def check_directory_query(call: Call, *, count_segment: bool = False) -> None:
    """Graph's advanced-query rule: some queries need ConsistencyLevel + ``$count=true``."""
    eventual = (call.header("ConsistencyLevel") or "").lower() == "eventual"
    count = (call.param("count") or "").lower() == "true"
    if call.param("search") is not None and not eventual:
        raise GraphFault(400, "Request_UnsupportedQuery", _SEARCH_NEEDS_HEADER)
    if (count_segment or count) and not eventual:
        raise GraphFault(400, "Request_UnsupportedQuery", _UNSUPPORTED)
    flt = call.param("filter")
    features = parse_filter(flt)[1] if flt else frozenset()
    advanced = filter_uses_advanced_features(features) or bool(flt and call.param("orderby"))
    if advanced and not (eventual and count):
        raise GraphFault(400, "Request_UnsupportedQuery", _UNSUPPORTED)


def _select(call: Call) -> list[str] | None:
    raw = call.param("select")
    return [s.strip() for s in raw.split(",") if s.strip()] if raw else None


Defaults = Sequence[str] | Callable[[Mapping[str, Any]], Sequence[str] | None] | None


def project(
    item: Mapping[str, Any], select: Sequence[str] | None, default: Defaults
) -> dict[str, Any]:
    """``$select`` projection, or the collection's default property set."""
    if select:
        return select_fields(item, select)
    if callable(default):
        default = default(item)
    if default:
        return select_fields(item, default)
    return dict(item)


def _link(call: Call, **replace: str) -> str:
    params = {
        k: v
        for k, v in call.query.items()
        if k.lower().lstrip("$") not in ("skip", "skiptoken", "deltatoken")
    }
    params.update(replace)
    return f"{call.root}{call.path}?" + urlencode(params, safe="$,'():/@=*")


def collection(
    call: Call,
    items: Sequence[Mapping[str, Any]],
    *,
    kind: str,
    context: str,
    default_select: Defaults = None,
    count_segment: bool = False,
    keep: Sequence[str] = (),
) -> Reply:
    """Serve any collection: filter, search, order, ``$count``, ``$select`` and paging.

    ``kind`` is ``directory`` (``$skiptoken`` paging, 100/999, advanced-query rules),
    ``outlook`` (``$skip`` paging, 10/1000) or ``places``.
    """
    if kind == "directory":
        check_directory_query(call, count_segment=count_segment)
    size = _page_size(call, kind)
    offset = 0
    skiptoken = call.param("skiptoken")
    if skiptoken:
        offset = int(decode_token(skiptoken).get("o", 0))
    elif call.param("skip"):
        skip = call.param("skip") or "0"
        if not skip.isdigit():
            raise GraphFault(400, "BadRequest", f"Invalid value '{skip}' for $skip query option.")
        offset = int(skip)
    result = run_query(
        items,
        filter=call.param("filter"),
        search=(call.param("search") if kind == "directory" else None),
        orderby=call.param("orderby"),
        offset=offset,
        page_size=size,
    )
    if count_segment:
        return Reply(status=200, text=str(result.count), headers={"Content-Type": "text/plain"})
    select = _select(call)
    if select and keep:
        select = [*select, *keep]
    body: dict[str, Any] = {"@odata.context": f"{call.root}/$metadata#{context}"}
    if (call.param("count") or "").lower() == "true" and offset == 0:
        body["@odata.count"] = result.count
    if result.next_offset is not None:
        if kind == "directory" or kind == "places":
            body["@odata.nextLink"] = _link(
                call, **{"$skiptoken": encode_token({"o": result.next_offset})}
            )
        else:
            body["@odata.nextLink"] = _link(call, **{"$skip": str(result.next_offset)})
    body["value"] = [project(i, select, default_select) for i in result.items]
    return _json(200, body)


# =========================================================================== directory


def _typed(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {"@odata.type": f"#microsoft.graph.{kind}", **data}


@route("GET", r"/users")
def _list_users(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    return collection(
        call,
        list(e.state.users.values()),
        kind="directory",
        context="users",
        default_select=USER_DEFAULT_FIELDS,
    )


@route("GET", r"/users/\$count")
def _count_users(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    return collection(
        call, list(e.state.users.values()), kind="directory", context="users", count_segment=True
    )


@route("GET", r"/groups")
def _list_groups(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    return collection(call, list(e.state.groups.values()), kind="directory", context="groups")


@route("GET", r"/groups/\$count")
def _count_groups(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    return collection(
        call, list(e.state.groups.values()), kind="directory", context="groups", count_segment=True
    )


@route("GET", r"/(?P<kind>users|groups)/delta")
def _delta(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    """Delta rounds: ``$skiptoken`` pages a round, ``$deltatoken`` starts the next one."""
    kind = m["kind"].lower()
    st = e.state
    skiptoken, deltatoken = call.param("skiptoken"), call.param("deltatoken")
    if skiptoken:
        state = decode_token(skiptoken)
    elif deltatoken == "latest":
        state = {"since": st.version, "upto": st.version, "o": 0, "s": _select(call)}
    elif deltatoken:
        token = decode_token(deltatoken)
        state = {"since": token["since"], "upto": st.version, "o": 0, "s": token.get("s")}
    else:
        state = {"since": 0, "upto": st.version, "o": 0, "s": _select(call)}
    since, upto, offset, select = state["since"], state["upto"], state["o"], state.get("s")
    table = st.users if kind == "users" else st.groups
    rows: list[dict[str, Any]] = []
    for oid, data in table.items():
        changed = st.changed.get(oid, 0)
        if since < changed <= upto:
            row = project(data, select, USER_DEFAULT_FIELDS if kind == "users" else None)
            row["id"] = oid
            if kind == "groups" and (not select or "members" in [s.lower() for s in select]):
                row["members@delta"] = _member_delta(st, oid, since, upto)
            rows.append(row)
    for version, dkind, oid in st.deleted:
        if since < version <= upto and dkind + "s" == kind:
            rows.append({"id": oid, "@removed": {"reason": "deleted"}})
    size = 100
    pref = call.prefer("odata.maxpagesize")
    if pref and pref.isdigit():
        size = max(1, int(pref))
    page = rows[offset : offset + size]
    body: dict[str, Any] = {"@odata.context": f"{call.root}/$metadata#{kind}"}
    base = f"{call.root}/{kind}/delta?"
    if offset + size < len(rows):
        nxt = encode_token({**state, "o": offset + size})
        body["@odata.nextLink"] = base + urlencode({"$skiptoken": nxt}, safe="$")
    else:
        tok = encode_token({"since": upto, "s": select})
        body["@odata.deltaLink"] = base + urlencode({"$deltatoken": tok}, safe="$")
    body["value"] = page
    return _json(200, body)


def _member_delta(st: State, gid: str, since: int, upto: int) -> list[dict[str, Any]]:
    if since == 0:
        return [
            {"@odata.type": f"#microsoft.graph.{st.directory_object(mid)[0]}", "id": mid}
            for mid in st.members.get(gid, [])
        ]
    out: dict[str, dict[str, Any]] = {}
    for version, group, member, added in st.member_log:
        if group == gid and since < version <= upto:
            kind = "user" if member in st.users or member not in st.groups else "group"
            entry: dict[str, Any] = {"@odata.type": f"#microsoft.graph.{kind}", "id": member}
            if not added:
                entry["@removed"] = {"reason": "deleted"}
            out[member] = entry
    return list(out.values())


@route("GET", r"/(?:users/(?P<user>[^/]+)|me)")
def _get_user(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    user = e.state.user(_user_ref(m))
    body = project(user, _select(call), USER_DEFAULT_FIELDS)
    return _json(200, {"@odata.context": f"{call.root}/$metadata#users/$entity", **body})


@route("PATCH", r"/(?:users/(?P<user>[^/]+)|me)")
def _update_user(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    user = e.state.user(_user_ref(m))
    if not isinstance(call.body, Mapping):
        raise GraphFault(400, "Request_BadRequest", "A JSON object body is required.")
    user.update({k: v for k, v in call.body.items() if k != "id"})
    e.state.touch(str(user["id"]))
    return _empty(204)


@route("GET", r"/groups/(?P<group>[^/]+)")
def _get_group(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    group = e.state.group(m["group"])
    body = project(group, _select(call), None)
    return _json(200, {"@odata.context": f"{call.root}/$metadata#groups/$entity", **body})


@route("GET", _U + r"/manager")
def _manager(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    user = e.state.user(_user_ref(m))
    manager_id = e.state.managers.get(str(user["id"]))
    if manager_id is None or manager_id not in e.state.users:
        raise GraphFault(
            404,
            "Request_ResourceNotFound",
            "Resource 'manager' does not exist or one of its queried reference-property "
            "objects are not present.",
        )
    body = project(_typed("user", e.state.users[manager_id]), _select(call), USER_DEFAULT_FIELDS)
    return _json(200, {"@odata.context": f"{call.root}/$metadata#directoryObjects/$entity", **body})


@route("GET", _U + r"/directReports")
def _direct_reports(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    uid = str(e.state.user(_user_ref(m))["id"])
    reports = [
        _typed("user", e.state.users[r])
        for r, mgr in e.state.managers.items()
        if mgr == uid and r in e.state.users
    ]
    return collection(
        call,
        reports,
        kind="directory",
        context="directoryObjects",
        default_select=USER_DEFAULT_FIELDS,
        keep=("@odata.type",),
    )


_CAST = r"(?:/microsoft\.graph\.(?P<cast>user|group|device|orgContact|servicePrincipal))?"
_COUNT = r"(?P<count>/\$count)?"


def _directory_objects(e: Engine, ids: Sequence[str], cast: str | None) -> list[dict[str, Any]]:
    out = []
    for oid in ids:
        kind, data = e.state.directory_object(oid)
        if cast is None or cast.lower() == kind:
            out.append(_typed(kind, data))
    return out


def _objects_reply(
    call: Call, objs: list[dict[str, Any]], cast: str | None, counted: bool
) -> Reply:
    context = f"{cast}s" if cast else "directoryObjects"
    return collection(
        call,
        objs,
        kind="directory",
        context=context,
        default_select=_object_defaults,
        count_segment=counted,
        keep=("@odata.type",),
    )


def _object_defaults(item: Mapping[str, Any]) -> Sequence[str] | None:
    if str(item.get("@odata.type", "")).endswith(".user"):
        return (*USER_DEFAULT_FIELDS, "@odata.type")
    return None


@route("GET", _U + r"/(?P<rel>memberOf|transitiveMemberOf)" + _CAST + _COUNT)
def _member_of(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    uid = str(e.state.user(_user_ref(m))["id"])
    transitive = m["rel"].lower().startswith("transitive")
    ids = e.state.transitive_groups_of(uid) if transitive else e.state.groups_of(uid)
    return _objects_reply(call, _directory_objects(e, ids, m["cast"]), m["cast"], bool(m["count"]))


@route("GET", r"/groups/(?P<group>[^/]+)/(?P<rel>members|transitiveMembers)" + _CAST + _COUNT)
def _members(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    gid = str(e.state.group(m["group"])["id"])
    transitive = m["rel"].lower().startswith("transitive")
    ids = e.state.transitive_members_of(gid) if transitive else e.state.members.get(gid, [])
    return _objects_reply(call, _directory_objects(e, ids, m["cast"]), m["cast"], bool(m["count"]))


# =========================================================================== calendars, events


def render_event(rec: EventRecord, call: Call) -> dict[str, Any]:
    """An event as Graph returns it: start/end in UTC or the ``Prefer: outlook.timezone``."""
    tz_name = call.prefer("outlook.timezone")
    data = {k: v for k, v in rec.data.items() if not k.startswith("_")}
    data["start"] = format_graph_datetime(rec.start, tz_name)
    data["end"] = format_graph_datetime(rec.end, tz_name)
    if data.get("transactionId") is None:
        data.pop("transactionId", None)
    return data


def _prefer_headers(call: Call) -> dict[str, str]:
    tz_name = call.prefer("outlook.timezone")
    return {"Preference-Applied": f'outlook.timezone="{tz_name}"'} if tz_name else {}


@route("GET", _U + r"/calendars")
def _calendars(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(_user_ref(m))
    return collection(
        call,
        list(box.calendars.values()),
        kind="outlook",
        context=f"users('{box.owner_id}')/calendars",
        keep=("id",),
    )


@route("GET", _U + r"(?:/calendar|/calendars/(?P<cal>[^/]+))")
def _calendar(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(_user_ref(m))
    cal = e.state.calendar(box, m["cal"])
    body = project(cal, _select(call), None)
    return _json(
        200,
        {
            "@odata.context": f"{call.root}/$metadata#users('{box.owner_id}')/calendars/$entity",
            **body,
        },
    )


def _events_reply(call: Call, box: Mailbox, recs: Sequence[EventRecord]) -> Reply:
    items = [render_event(r, call) for r in recs]
    reply = collection(
        call,
        items,
        kind="outlook",
        context=f"users('{box.owner_id}')/events",
        keep=("id", "@odata.etag"),
    )
    return attrs.evolve(reply, headers={**reply.headers, **_prefer_headers(call)})


@route("GET", _CAL + r"/events")
def _list_events(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(_user_ref(m))
    cal = e.state.calendar(box, _cal_ref(m))
    recs = [r for r in box.events.values() if r.calendar_id == cal["id"]]
    return _events_reply(call, box, recs)


@route("GET", _CAL + r"/calendarView")
def _calendar_view(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(_user_ref(m))
    cal = e.state.calendar(box, _cal_ref(m))
    start_raw, end_raw = call.param("startDateTime"), call.param("endDateTime")
    if not start_raw or not end_raw:
        raise GraphFault(
            400,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime.",
        )
    start, end = parse_graph_datetime(start_raw), parse_graph_datetime(end_raw)
    recs = sorted(
        (
            r
            for r in box.events.values()
            if r.calendar_id == cal["id"] and event_overlaps(r, start, end)
        ),
        key=lambda r: (r.start, r.end),
    )
    return _events_reply(call, box, recs)


@route("POST", _CAL + r"/events")
def _create_event(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(_user_ref(m))
    if not isinstance(call.body, Mapping):
        raise GraphFault(400, "ErrorInvalidRequest", "The request body must be a JSON object.")
    rec = e.state.create_event(box, _cal_ref(m), call.body)
    body = {
        "@odata.context": f"{call.root}/$metadata#users('{box.owner_id}')/events/$entity",
        **render_event(rec, call),
    }
    return _json(201, body, _prefer_headers(call))


def _event_in(e: Engine, m: re.Match[str]) -> tuple[Mailbox, EventRecord]:
    box = e.state.mailbox(_user_ref(m))
    return box, e.state.event(box, m["event"])


_EVENT = _CAL + r"/events/(?P<event>[^/]+)"


@route("GET", _EVENT)
def _get_event(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box, rec = _event_in(e, m)
    body = project(render_event(rec, call), _select(call), None)
    if _select(call):
        body = {"@odata.etag": rec.data["@odata.etag"], "id": rec.id, **body}
    return _json(
        200,
        {"@odata.context": f"{call.root}/$metadata#users('{box.owner_id}')/events/$entity", **body},
        _prefer_headers(call),
    )


@route("PATCH", _EVENT)
def _update_event(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box, rec = _event_in(e, m)
    if not isinstance(call.body, Mapping):
        raise GraphFault(400, "ErrorInvalidRequest", "The request body must be a JSON object.")
    e.state.update_event(box, rec, call.body)
    return _json(200, render_event(rec, call), _prefer_headers(call))


@route("DELETE", _EVENT)
def _delete_event(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box, rec = _event_in(e, m)
    e.state.delete_event(box, rec)
    return _empty(204)


@route("POST", _EVENT + r"/(?P<action>accept|tentativelyAccept|decline|cancel)")
def _event_action(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box, rec = _event_in(e, m)
    action = m["action"].lower()
    if action == "cancel":
        e.state.cancel(box, rec)
    else:
        response = {
            "accept": "accepted",
            "tentativelyaccept": "tentativelyAccepted",
            "decline": "declined",
        }[action]
        e.state.respond(box, rec, response)
    return _empty(202)


def _attachment(body: Mapping[str, Any]) -> dict[str, Any]:
    att = dict(body)
    att.setdefault("@odata.type", "#microsoft.graph.fileAttachment")
    att["id"] = "AAMkAtt" + secrets.token_urlsafe(12)
    att["lastModifiedDateTime"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    att.setdefault("isInline", False)
    content = att.get("contentBytes")
    att["size"] = len(base64.b64decode(content)) if isinstance(content, str) else 0
    return att


@route("GET", _EVENT + r"/attachments")
def _event_attachments(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    _box, rec = _event_in(e, m)
    return collection(call, rec.data.get("_attachments", []), kind="outlook", context="attachments")


@route("POST", _EVENT + r"/attachments")
def _add_event_attachment(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    _box, rec = _event_in(e, m)
    att = _attachment(call.body or {})
    rec.data.setdefault("_attachments", []).append(att)
    rec.data["hasAttachments"] = True
    return _json(201, att)


@route("POST", _U + r"/calendar/getSchedule")
def _get_schedule(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    e.state.mailbox(_user_ref(m))
    # Graph reads JSON property names case-insensitively (the docs send "Schedules").
    body = {str(k)[:1].lower() + str(k)[1:]: v for k, v in (call.body or {}).items()}
    schedules = list(body.get("schedules") or [])
    if not schedules or len(schedules) > 20:
        raise GraphFault(
            400, "ErrorInvalidParameter", "The number of schedules must be between 1 and 20."
        )
    if "startTime" not in body or "endTime" not in body:
        raise GraphFault(400, "ErrorInvalidParameter", "startTime and endTime are required.")
    start, end = parse_graph_datetime(body["startTime"]), parse_graph_datetime(body["endTime"])
    if end <= start or end - start >= timedelta(days=42):
        raise GraphFault(
            400,
            "ErrorInvalidParameter",
            "The time window must be positive and shorter than 42 days.",
        )
    interval = int(body.get("availabilityViewInterval") or 30)
    if not 5 <= interval <= 1440:
        raise GraphFault(
            400, "ErrorInvalidParameter", "availabilityViewInterval must be between 5 and 1440."
        )
    tz_name = call.prefer("outlook.timezone")
    out = [_schedule(e.state, str(s), start, end, interval, tz_name) for s in schedules]
    body_out = {
        "@odata.context": f"{call.root}/$metadata#Collection(microsoft.graph.scheduleInformation)",
        "value": out,
    }
    return _json(200, body_out, _prefer_headers(call))


_STATUS_DIGIT = {"free": 0, "tentative": 1, "busy": 2, "oof": 3, "workingelsewhere": 4}


def _schedule(
    st: State, who: str, start: datetime, end: datetime, interval: int, tz_name: str | None
) -> dict[str, Any]:
    box = st.mailbox_for_address(who)
    if box is None:
        return {
            "scheduleId": who,
            "availabilityView": "",
            "scheduleItems": [],
            "error": {
                "message": "The specified object was not found in the store., The process "
                "failed to get the correct properties.",
                "responseCode": "ErrorMailRecipientNotFound",
            },
        }
    recs = sorted(
        (
            r
            for r in box.events.values()
            if event_overlaps(r, start, end) and not r.data.get("isCancelled")
        ),
        key=lambda r: r.start,
    )
    items = []
    for r in recs:
        status = str(r.data.get("showAs") or "busy")
        item: dict[str, Any] = {
            "isPrivate": r.data.get("sensitivity") == "private",
            "status": status,
            "subject": r.data.get("subject"),
            "location": (r.data.get("location") or {}).get("displayName", ""),
            "start": format_graph_datetime(r.start, tz_name),
            "end": format_graph_datetime(r.end, tz_name),
        }
        items.append(item)
    view = []
    slot = timedelta(minutes=interval)
    t = start
    while t < end:
        worst = 0
        for r in recs:
            if r.start < t + slot and r.end > t:
                worst = max(
                    worst, _STATUS_DIGIT.get(str(r.data.get("showAs") or "busy").lower(), 2)
                )
        view.append(str(worst))
        t += slot
    return {
        "scheduleId": who,
        "availabilityView": "".join(view),
        "scheduleItems": items,
        "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000",
            "endTime": "17:00:00.0000000",
            "timeZone": {"name": tz_name or "UTC"},
        },
    }


# =========================================================================== mail


@route("POST", _U + r"/sendMail")
def _send_mail(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(_user_ref(m))
    if len(call.raw) > 4 * 1024 * 1024:
        raise GraphFault(
            413,
            "RequestEntityTooLarge",
            "The request is larger than the 4 MB a sendMail request may carry; "
            "use an upload session for large attachments.",
        )
    content_type = (call.header("Content-Type") or "").lower()
    if content_type.startswith("text/plain"):
        e.state.send_mime(box, call.raw)
        return _empty(202)
    body = call.body if isinstance(call.body, Mapping) else {}
    message = body.get("message")
    if not isinstance(message, Mapping):
        raise GraphFault(400, "ErrorInvalidRequest", "The message property is required.")
    save = body.get("saveToSentItems", True)
    e.state.send_mail(box, message, save=save is not False and save != "false")
    return _empty(202)


@route("POST", _U + r"/messages")
def _create_draft(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(_user_ref(m))
    mid = "AAMkMsg" + secrets.token_urlsafe(16)
    msg = {"id": mid, "isDraft": True, "hasAttachments": False, **(call.body or {})}
    msg["id"] = mid
    msg.setdefault("attachments", [])
    box.messages[mid] = msg
    return _json(
        201,
        {
            "@odata.context": f"{call.root}/$metadata#users('{box.owner_id}')/messages/$entity",
            **{k: v for k, v in msg.items() if k != "attachments"},
        },
    )


def _message(e: Engine, m: re.Match[str]) -> tuple[Mailbox, dict[str, Any]]:
    box = e.state.mailbox(_user_ref(m))
    msg = box.messages.get(m["msg"])
    if msg is None:
        raise not_found_item()
    return box, msg


@route("POST", _U + r"/messages/(?P<msg>[^/]+)/attachments")
def _add_message_attachment(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    _box, msg = _message(e, m)
    att = _attachment(call.body or {})
    msg["attachments"].append(att)
    msg["hasAttachments"] = True
    return _json(201, att)


@route("POST", _U + r"/messages/(?P<msg>[^/]+)/send")
def _send_draft(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box, msg = _message(e, m)
    e.state.send_mail(box, msg)
    del box.messages[msg["id"]]
    return _empty(202)


@route(
    "POST",
    r"/(?:users/(?P<user>[^/]+)|me)/(?P<parent>messages|events)/(?P<item>[^/]+)/attachments/createUploadSession",
)
def _create_upload_session(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(_user_ref(m))
    parent = m["parent"].lower()
    target: dict[str, Any]
    if parent == "messages":
        msg = box.messages.get(m["item"])
        if msg is None:
            raise not_found_item()
        target = msg
    else:
        target = e.state.event(box, m["item"]).data
    item = (call.body or {}).get("AttachmentItem") or {}
    size = int(item.get("size") or 0)
    if item.get("attachmentType", "file") != "file" or size <= 0:
        raise GraphFault(
            400, "ErrorInvalidRequest", "AttachmentItem needs attachmentType 'file' and a size."
        )
    if size > 150 * 1024 * 1024:
        raise GraphFault(400, "ErrorAttachmentSizeLimitExceeded", "The attachment exceeds 150 MB.")
    sid = secrets.token_urlsafe(12)
    expires = datetime.now(UTC) + timedelta(hours=2)
    e.state.upload_sessions[sid] = {
        "item": dict(item),
        "size": size,
        "data": bytearray(),
        "target": target,
        "owner": box.owner_id,
        "parent": parent,
    }
    return _json(
        201,
        {
            "@odata.context": f"{call.root}/$metadata#microsoft.graph.uploadSession",
            "uploadUrl": f"{call.origin}/upload/{sid}?authtoken={secrets.token_urlsafe(16)}",
            "expirationDateTime": expires.strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
            "nextExpectedRanges": ["0-"],
        },
    )


# =========================================================================== places


def _place_context(call: Call, name: str) -> str:
    return name


@route("GET", r"/places/microsoft\.graph\.(?P<kind>room|roomList)")
def _list_places(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    wanted = "#microsoft.graph.room" if m["kind"].lower() == "room" else "#microsoft.graph.roomList"
    items = [p for p in e.state.places.values() if p["@odata.type"] == wanted]
    reply = collection(
        call, items, kind="places", context=f"places/microsoft.graph.{m['kind']}", keep=("id",)
    )
    return reply


@route("GET", r"/places/(?P<place>[^/]+)/microsoft\.graph\.roomList/rooms")
def _rooms_in_list(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    rooms = e.state.rooms(m["place"])
    return collection(
        call,
        list(rooms),
        kind="places",
        context=f"places('{m['place']}')/microsoft.graph.roomList/rooms",
        keep=("id",),
    )


@route("GET", r"/places/(?P<place>[^/]+)")
def _get_place(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    place = e.state.place(m["place"])
    return _json(
        200,
        {
            "@odata.context": f"{call.root}/$metadata#places/$entity",
            **project(place, _select(call), None),
        },
    )


# =========================================================================== subscriptions


_SUB_REQUIRED = ("changeType", "notificationUrl", "resource", "expirationDateTime")


@route("GET", r"/subscriptions")
def _list_subscriptions(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    return collection(
        call, list(e.state.subscriptions.values()), kind="places", context="subscriptions"
    )


@route("POST", r"/subscriptions")
def _create_subscription(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    body = call.body if isinstance(call.body, Mapping) else {}
    missing = [k for k in _SUB_REQUIRED if not body.get(k)]
    if missing:
        raise GraphFault(400, "InvalidRequest", f"Required field(s) missing: {', '.join(missing)}.")
    expires = parse_graph_datetime(body["expirationDateTime"])
    if expires <= datetime.now(UTC):
        raise GraphFault(
            400, "InvalidRequest", "Subscription expiration can only be in the future."
        )
    sid = str(uuid.uuid4())
    sub = {
        "@odata.context": f"{call.root}/$metadata#subscriptions/$entity",
        "id": sid,
        "resource": body["resource"],
        "applicationId": "24d3b144-21ae-4080-943f-7067b395b913",
        "changeType": body["changeType"],
        "clientState": body.get("clientState"),
        "notificationUrl": body["notificationUrl"],
        "lifecycleNotificationUrl": body.get("lifecycleNotificationUrl"),
        "expirationDateTime": body["expirationDateTime"],
        "creatorId": e.state.new_id("app", "creator"),
        "includeResourceData": bool(body.get("includeResourceData", False)),
        "latestSupportedTlsVersion": body.get("latestSupportedTlsVersion", "v1_2"),
        "encryptionCertificate": body.get("encryptionCertificate"),
        "encryptionCertificateId": body.get("encryptionCertificateId"),
        "notificationUrlAppId": None,
    }
    e.state.subscriptions[sid] = {k: v for k, v in sub.items() if k != "@odata.context"}
    return _json(201, sub)


def _subscription(e: Engine, sid: str) -> dict[str, Any]:
    sub = e.state.subscriptions.get(sid)
    if sub is None:
        raise GraphFault(
            404, "ResourceNotFound", f"The object was not found: subscription '{sid}'."
        )
    return sub


@route("GET", r"/subscriptions/(?P<sub>[^/]+)")
def _get_subscription(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    return _json(200, _subscription(e, m["sub"]))


@route("PATCH", r"/subscriptions/(?P<sub>[^/]+)")
def _renew_subscription(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    sub = _subscription(e, m["sub"])
    body = call.body if isinstance(call.body, Mapping) else {}
    if "expirationDateTime" in body:
        parse_graph_datetime(body["expirationDateTime"])
        sub["expirationDateTime"] = body["expirationDateTime"]
    return _json(200, sub)


@route("DELETE", r"/subscriptions/(?P<sub>[^/]+)")
def _delete_subscription(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    _subscription(e, m["sub"])
    del e.state.subscriptions[m["sub"]]
    return _empty(204)


@route("POST", r"/subscriptions/(?P<sub>[^/]+)/reauthorize")
def _reauthorize(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    _subscription(e, m["sub"])
    return _empty(204)


# =========================================================================== $batch


@route("POST", r"/\$batch")
def _batch(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    """JSON batching: at most 20 requests, ``dependsOn``, per-item status, any order."""
    body = call.body if isinstance(call.body, Mapping) else None
    requests = body.get("requests") if body else None
    if not isinstance(requests, list) or not requests:
        raise GraphFault(400, "BadRequest", "Invalid batch payload format.")
    if len(requests) > MAX_BATCH:
        raise GraphFault(
            400, "BadRequest", f"Number of batch request steps exceeds the maximum of {MAX_BATCH}."
        )
    ids = [str(r.get("id", "")) for r in requests]
    lowered = [i.lower() for i in ids]
    if any(not i for i in ids) or len(set(lowered)) != len(lowered):
        raise GraphFault(400, "BadRequest", "Batch request ids must be unique and non-empty.")
    for r in requests:
        for dep in r.get("dependsOn") or ():
            if str(dep).lower() not in lowered:
                raise GraphFault(
                    400, "BadRequest", f"Request '{r['id']}' depends on unknown id '{dep}'."
                )
    results: dict[str, dict[str, Any]] = {}
    for r in _dependency_order(requests):
        rid = str(r["id"])
        deps = [str(d) for d in r.get("dependsOn") or ()]
        failed = [d for d in deps if results.get(d, {}).get("status", 500) >= 400]
        if failed:
            results[rid] = {
                "id": rid,
                "status": 424,
                "body": error_body(
                    "FailedDependency",
                    "Dependent request failed.",
                    str(uuid.uuid4()),
                    str(uuid.uuid4()),
                ),
            }
            continue
        results[rid] = _batch_item(e, call, r)
    # Graph answers in no particular order: FakeGraph interleaves from both ends.
    ordered = [results[i] for i in ids]
    shuffled = [x for pair in zip(ordered[1::2], ordered[0::2], strict=False) for x in pair]
    if len(ordered) % 2:
        shuffled.append(ordered[-1])
    return _json(200, {"responses": shuffled})


def _dependency_order(requests: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    done: set[str] = set()
    out: list[Mapping[str, Any]] = []
    pending = list(requests)
    while pending:
        progressed = False
        for r in list(pending):
            if all(str(d) in done for d in r.get("dependsOn") or ()):
                out.append(r)
                done.add(str(r["id"]))
                pending.remove(r)
                progressed = True
        if not progressed:
            raise GraphFault(400, "BadRequest", "Batch dependencies form a cycle.")
    return out


def _batch_item(e: Engine, outer: Call, r: Mapping[str, Any]) -> dict[str, Any]:
    from urllib.parse import parse_qsl, unquote, urlsplit

    url = str(r.get("url", ""))
    split = urlsplit(url if "://" in url else "/" + url.lstrip("/"))
    path = unquote(split.path)
    prefix = "/" + outer.version
    if path.lower().startswith(prefix.lower() + "/"):
        path = path[len(prefix) :]
    headers = {str(k): str(v) for k, v in (r.get("headers") or {}).items()}
    body = r.get("body")
    raw = json.dumps(body).encode() if body is not None else b""
    if body is not None and not any(k.lower() == "content-type" for k in headers):
        return {
            "id": str(r["id"]),
            "status": 400,
            "body": error_body(
                "BadRequest",
                "Content-Type header is required when a body is present.",
                str(uuid.uuid4()),
                str(uuid.uuid4()),
            ),
        }
    inner = Call(
        method=str(r.get("method", "GET")).upper(),
        path=path,
        query=dict(parse_qsl(split.query, keep_blank_values=True)),
        headers=headers,
        body=body,
        raw=raw,
        origin=outer.origin,
        version=outer.version,
    )
    reply = e.respond(inner, inner=True)
    if isinstance(reply, ConnectionFault):
        return {
            "id": str(r["id"]),
            "status": 504,
            "body": error_body(
                "GatewayTimeout",
                "The inner request timed out.",
                str(uuid.uuid4()),
                str(uuid.uuid4()),
            ),
        }
    item: dict[str, Any] = {"id": str(r["id"]), "status": reply.status}
    out_headers = {
        k: v
        for k, v in reply.headers.items()
        if k.lower() not in ("request-id", "client-request-id")
    }
    if reply.body is not None:
        out_headers.setdefault("Content-Type", _JSON_TYPE)
        item["body"] = reply.body
    elif reply.text is not None:
        item["body"] = reply.text
    if out_headers:
        item["headers"] = out_headers
    return item


# =========================================================================== uploads


@route("PUT", r"/upload/(?P<sid>[^/]+)", login=True)
def _upload_chunk(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    session = e.state.upload_sessions.get(m["sid"])
    if session is None:
        return _json(
            404,
            {
                "error": {
                    "code": "ErrorItemNotFound",
                    "message": "The upload session was not found.",
                }
            },
        )
    rng = call.header("Content-Range") or ""
    match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", rng.strip())
    if match is None:
        return _json(
            400,
            {
                "error": {
                    "code": "ErrorInvalidRequest",
                    "message": "A valid Content-Range header is required.",
                }
            },
        )
    first, last, total = (int(x) for x in match.groups())
    data: bytearray = session["data"]
    if first != len(data) or last - first + 1 != len(call.raw) or total != session["size"]:
        return _json(
            416,
            {
                "error": {
                    "code": "ErrorInvalidRange",
                    "message": "The Content-Range does not match the next expected range.",
                }
            },
        )
    if len(call.raw) > 4 * 1024 * 1024:
        return _json(
            413,
            {
                "error": {
                    "code": "RequestEntityTooLarge",
                    "message": "Upload chunks must be 4 MB or less.",
                }
            },
        )
    data.extend(call.raw)
    if len(data) < total:
        return _json(200, {"expirationDateTime": "", "nextExpectedRanges": [f"{len(data)}-"]})
    item = session["item"]
    att = _attachment(
        {
            "name": item.get("name"),
            "contentType": item.get("contentType", "application/octet-stream"),
            "contentBytes": base64.b64encode(bytes(data)).decode(),
            "isInline": item.get("isInline", False),
            "contentId": item.get("contentId"),
        }
    )
    target = session["target"]
    key = "attachments" if session["parent"] == "messages" else "_attachments"
    target.setdefault(key, []).append(att)
    target["hasAttachments"] = True
    del e.state.upload_sessions[m["sid"]]
    owner, parent = session["owner"], session["parent"]
    location = f"{call.origin}/v1.0/users('{owner}')/{parent}/attachments('{att['id']}')"
    return _empty(201, {"Location": location})


@route("DELETE", r"/upload/(?P<sid>[^/]+)", login=True)
def _cancel_upload(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    e.state.upload_sessions.pop(m["sid"], None)
    return _empty(204)


# =========================================================================== token endpoint


@route("GET", r"/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration", login=True)
def _openid_configuration(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    base = f"{call.origin}/{m['tenant']}"
    return _json(
        200,
        {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{call.origin}/{m['tenant']}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"https://login.microsoftonline.com/{e.state.tenant_id}/v2.0",
            "request_uri_parameter_supported": False,
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "msgraph_host": "graph.microsoft.com",
        },
    )


@route("GET", r"/common/discovery/instance", login=True)
def _instance_discovery(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    endpoint = call.param("authorization_endpoint") or ""
    tenant_base = (
        endpoint.split("/oauth2/")[0] if "/oauth2/" in endpoint else f"{call.origin}/common"
    )
    return _json(
        200,
        {
            "tenant_discovery_endpoint": f"{tenant_base}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [],
        },
    )


def _aad_error(status: int, error: str, code: int, description: str) -> Reply:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return _json(
        status,
        {
            "error": error,
            "error_description": f"AADSTS{code}: {description}",
            "error_codes": [code],
            "timestamp": now,
            "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
        },
    )


@route("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", login=True)
def _token(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    form = call.body if isinstance(call.body, Mapping) else {}
    grant = form.get("grant_type")
    client_id = str(form.get("client_id") or "")
    if grant != "client_credentials":
        return _aad_error(
            400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
        )
    if not client_id:
        return _aad_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        )
    scope = str(form.get("scope") or "")
    if not any(s.endswith("/.default") for s in scope.split()):
        return _aad_error(
            400,
            "invalid_scope",
            1002012,
            f"The provided value for scope {scope} is not valid. Client credential "
            "flows must have a scope value with /.default suffixed to the resource "
            "identifier (application ID URI).",
        )
    if e.apps:
        if client_id not in e.apps:
            return _aad_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the "
                f"directory '{m['tenant']}'.",
            )
        if "client_assertion" not in form and form.get("client_secret") != e.apps[client_id]:
            return _aad_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in "
                "the request is the client secret value, not the client secret ID.",
            )
    token, lifetime = e.issue_token()
    return _json(
        200,
        {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": token,
        },
    )
