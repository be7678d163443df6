"""Calendar routes: calendars, events, calendarView, instances, responses, attachments.

Request shapes (what graphlink's calendar code must send):

- ``GET {CALENDAR}/calendarView?startDateTime=..&endDateTime=..`` (both required, ISO 8601;
  an offset in the value is honoured, none means UTC; at most 1,825 days apart). Returns
  single events and the occurrences of series (never the masters), sorted by start.
- ``GET {CALENDAR}/calendarView/delta?startDateTime=..&endDateTime=..``: a delta round over
  the window (``$skiptoken`` nextLinks, then a ``$deltatoken`` deltaLink whose next round
  returns what was created, changed or removed since; an unknown or expired token is 410).
- ``GET {CALENDAR}/events``: single events and series masters, unexpanded.
- ``GET {CALENDAR}/events/{masterId}/instances?startDateTime=..&endDateTime=..``: the
  series' occurrences in the window.
- ``POST {CALENDAR}/events`` (201), ``GET|PATCH|DELETE {CALENDAR}/events/{id}`` (200, 200,
  204) and ``POST .../events/{id}/accept|tentativelyAccept|decline|cancel`` (202), where
  ``{id}`` may be an occurrence's id. A create or update body naming a property the
  event type does not have is Graph's ``400 RequestBodyRead`` (``check_event_body``).

``{CALENDAR}`` is ``/users/{id|upn}`` or ``/me``, optionally followed by ``/calendar``,
``/calendars/{id}`` or ``/calendarGroups/{id}/calendars/{id}``. Collections page with
``$top`` (default 10, at most 1,000) or ``Prefer: odata.maxpagesize=N`` and ``$skip``
nextLinks; ``Prefer: outlook.timezone="<IANA or Windows name>"`` renders ``start``/``end``
in that zone and is answered with ``Preference-Applied``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import attrs

from graphlink.testing._odata import decode_token, encode_token
from graphlink.testing._routes._collections import (
    ATTACHMENT,
    EntityType,
    Navigation,
    collection,
    entity_body,
    selected,
)
from graphlink.testing._routes._table import CALENDAR, USER, calendar_ref, route, user_ref
from graphlink.testing._state import (
    DeltaSync,
    EventLike,
    EventRecord,
    GraphFault,
    Mailbox,
    check_event_body,
    file_attachment,
    fingerprint,
    format_graph_datetime,
    parse_graph_datetime,
    zone,
)
from graphlink.testing._wire import Call, Reply, empty_reply, json_reply, prefer_applied

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine

#: calendarView's widest window (observed: microsoftgraph/microsoft-graph-docs#6284).
MAX_VIEW_DAYS = 1825

_EXTENDED = ("multiValueExtendedProperties", "singleValueExtendedProperties")


def event_type(box: Mailbox) -> EntityType:
    """Event for ``$expand``: FakeGraph embeds ``attachments`` (an event stored in ``box``;
    an occurrence has none of its own), not its other navigations (resources/event.md,
    "Relationships")."""

    def attachments(item: Mapping[str, Any]) -> list[dict[str, Any]]:
        rec = box.events.get(str(item.get("id")))
        return list(rec.data.get("_attachments", [])) if rec is not None else []

    return EntityType(
        "event",
        {"attachments": Navigation(attachments, many=True, limit=None)},
        frozenset(n.lower() for n in ("calendar", "extensions", "instances", *_EXTENDED)),
    )


#: Calendar for ``$expand``: FakeGraph embeds none of its navigations (calendar.md).
CALENDAR_TYPE = EntityType(
    "calendar",
    unmodelled=frozenset(
        n.lower() for n in ("calendarPermissions", "calendarView", "events", *_EXTENDED)
    ),
)


def render_event(rec: EventLike, call: Call) -> dict[str, Any]:
    """An event as Graph returns it: start/end in UTC or the ``Prefer: outlook.timezone``."""
    tz_name = call.prefer("outlook.timezone")
    data = {k: v for k, v in rec.data.items() if not k.startswith("_")}
    data["start"] = format_graph_datetime(rec.start, tz_name)
    data["end"] = format_graph_datetime(rec.end, tz_name)
    if data.get("transactionId") is None:
        data.pop("transactionId", None)
    if data.get("type") not in ("occurrence", "exception"):
        data.pop("originalStart", None)
    return data


def prefer_headers(call: Call) -> dict[str, str]:
    """``Preference-Applied`` for an honoured ``Prefer: outlook.timezone``."""
    tz_name = call.prefer("outlook.timezone")
    return {"Preference-Applied": f'outlook.timezone="{tz_name}"'} if tz_name else {}


@route("GET", USER + r"/calendars")
def _calendars(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(user_ref(m))
    return collection(
        call,
        list(box.calendars.values()),
        kind="outlook",
        context=f"users('{box.owner_id}')/calendars",
        keep=("id",),
        entity=CALENDAR_TYPE,
    )


@route("GET", USER + r"(?:/calendar|/calendars/(?P<cal>[^/]+))")
def _calendar(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(user_ref(m))
    cal = e.state.calendar(box, m["cal"])
    context = f"users('{box.owner_id}')/calendars/$entity"
    return json_reply(200, entity_body(call, cal, context, entity=CALENDAR_TYPE))


def _events_reply(
    call: Call, box: Mailbox, recs: Sequence[EventLike], context: str | None = None
) -> Reply:
    tz_name = call.prefer("outlook.timezone")
    if tz_name:
        zone(tz_name)  # an unknown zone is Graph's 400 even when there is nothing to render
    reply = collection(
        call,
        recs,
        kind="outlook",
        context=context or f"users('{box.owner_id}')/events",
        keep=("id", "@odata.etag"),
        render=lambda rec: render_event(rec, call),
        entity=event_type(box),
    )
    return attrs.evolve(reply, headers=prefer_applied(reply.headers, prefer_headers(call)))


def _window(call: Call) -> tuple[datetime, datetime]:
    """calendarView's and instances' required window (Graph's 400s when it is missing)."""
    start_raw, end_raw = call.param("startDateTime"), call.param("endDateTime")
    if not start_raw or not end_raw:
        raise GraphFault(
            400,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime.",
        )
    start, end = parse_graph_datetime(start_raw), parse_graph_datetime(end_raw)
    if end - start > timedelta(days=MAX_VIEW_DAYS):
        raise GraphFault(
            400,
            "ErrorInvalidRequest",
            "Your request can't be completed. The range between the start and end dates is "
            f"greater than the allowed range. Maximum number of days: {MAX_VIEW_DAYS}",
        )
    return start, end


@route("GET", CALENDAR + r"/events")
def _list_events(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(user_ref(m))
    cal = e.state.calendar(box, calendar_ref(m))
    recs = [r for r in box.events.values() if r.calendar_id == cal["id"]]
    return _events_reply(call, box, recs)


@route("GET", CALENDAR + r"/calendarView")
def _calendar_view(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    """calendarView: singles and occurrences in the window; cancelled meetings included."""
    box = e.state.mailbox(user_ref(m))
    cal = e.state.calendar(box, calendar_ref(m))
    start, end = _window(call)
    view = e.state.view(box, start, end, str(cal["id"]))
    return _events_reply(call, box, view, f"users('{box.owner_id}')/calendarView")


@route("GET", CALENDAR + r"/calendarView/delta")
def _calendar_view_delta(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    """A calendarView delta round: changed events in full, deleted ones as ``@removed``.

    A round's items are fixed when it starts (paged by ``Prefer: odata.maxpagesize``,
    default 10, answered with ``Preference-Applied``); its deltaLink's token names what the
    client then has seen. Links are written on the canonical path (``delta``, not the
    ``delta()`` a Kiota client sends), as Graph writes them.
    """
    st = e.state
    skip, token = call.param("skiptoken"), call.param("deltatoken")
    if skip:
        page = decode_token(skip)  # a QueryError (400) when it is not FakeGraph's
        offset = page.get("o", 0)
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            raise GraphFault(
                400, "BadRequest", f"The specified page token value '{skip}' is invalid."
            )
        round_id = str(page.get("r"))
        if round_id not in st.delta_rounds:
            raise st.sync_gone()
        rows, next_token = st.delta_rounds[round_id]
    else:
        if token:
            sync = st.sync(token)
            box = st.mailboxes.get(sync.owner_id)
            if box is None:
                raise st.sync_gone()
        else:
            box = st.mailbox(user_ref(m))
            cid = str(st.calendar(box, calendar_ref(m))["id"])
            start, end = _window(call)
            sync = DeltaSync(box.owner_id, cid, start, end, {})
        view = st.view(box, sync.start, sync.end, sync.calendar_id)
        now = {rec.id: fingerprint(rec) for rec in view}
        rows = [render_event(r, call) for r in view if sync.seen.get(r.id) != now[r.id]]
        rows += [
            {"@odata.type": "#microsoft.graph.event", "id": eid, "@removed": {"reason": "deleted"}}
            for eid in sync.seen
            if eid not in now
        ]
        next_token = st.remember_sync(attrs.evolve(sync, seen=now))
        round_id, offset = st.start_round(rows, next_token), 0
    asked = call.prefer("odata.maxpagesize") or ""
    size = max(1, int(asked)) if asked.isdigit() else 10
    headers = prefer_headers(call)
    if asked.isdigit():
        headers = prefer_applied(headers, {"Preference-Applied": f"odata.maxpagesize={size}"})
    base = f"{call.root}{quote(call.path, safe='/@=')}?"
    body: dict[str, Any] = {"@odata.context": f"{call.root}/$metadata#Collection(event)"}
    if offset + size < len(rows):
        nxt = encode_token({"r": round_id, "o": offset + size})
        body["@odata.nextLink"] = base + urlencode({"$skiptoken": nxt}, safe="$")
    else:
        st.delta_rounds.pop(round_id, None)
        body["@odata.deltaLink"] = base + urlencode({"$deltatoken": next_token}, safe="$")
    body["value"] = rows[offset : offset + size]
    return json_reply(200, body, headers)


@route("POST", CALENDAR + r"/events")
def _create_event(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(user_ref(m))
    if not isinstance(call.body, Mapping):
        raise GraphFault(400, "ErrorInvalidRequest", "The request body must be a JSON object.")
    rec = e.state.create_event(box, calendar_ref(m), check_event_body(call.body))
    body = {
        "@odata.context": f"{call.root}/$metadata#users('{box.owner_id}')/events/$entity",
        **render_event(rec, call),
    }
    return json_reply(201, body, prefer_headers(call))


def _event_in(e: Engine, m: re.Match[str]) -> tuple[Mailbox, EventRecord]:
    """A stored event (attachments live on stored events only)."""
    box = e.state.mailbox(user_ref(m))
    return box, e.state.event(box, m["event"])


def _any_event_in(e: Engine, m: re.Match[str]) -> tuple[Mailbox, EventLike]:
    """A stored event or an occurrence of a series."""
    box = e.state.mailbox(user_ref(m))
    return box, e.state.find_event(box, m["event"])


_EVENT = CALENDAR + r"/events/(?P<event>[^/]+)"


@route("GET", _EVENT + r"/instances")
def _instances(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    """A series' occurrences in the window (``startDateTime``/``endDateTime`` required)."""
    box = e.state.mailbox(user_ref(m))
    master = e.state.series_master(box, m["event"])
    start, end = _window(call)
    occurrences = e.state.occurrences(box, master, start, end)
    context = f"users('{box.owner_id}')/events('{master.id}')/instances"
    return _events_reply(call, box, occurrences, context)


@route("GET", _EVENT)
def _get_event(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box, rec = _any_event_in(e, m)
    context = f"users('{box.owner_id}')/events/$entity"
    body = entity_body(call, render_event(rec, call), context, entity=event_type(box))
    if selected(call):  # an event's etag and id come with any $select
        context_link = body.pop("@odata.context")
        body = {
            "@odata.context": context_link,
            "@odata.etag": rec.data["@odata.etag"],
            "id": rec.id,
            **body,
        }
    return json_reply(200, body, prefer_headers(call))


@route("PATCH", _EVENT)
def _update_event(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box, rec = _any_event_in(e, m)
    if not isinstance(call.body, Mapping):
        raise GraphFault(400, "ErrorInvalidRequest", "The request body must be a JSON object.")
    e.state.update_event(box, rec, check_event_body(call.body))
    return json_reply(
        200, render_event(e.state.find_event(box, rec.id), call), prefer_headers(call)
    )


@route("DELETE", _EVENT)
def _delete_event(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box, rec = _any_event_in(e, m)
    e.state.delete_event(box, rec)
    return empty_reply(204)


@route("POST", _EVENT + r"/(?P<action>accept|tentativelyAccept|decline|cancel)")
def _event_action(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box, rec = _any_event_in(e, m)
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
    return empty_reply(202)


@route("GET", _EVENT + r"/attachments")
def _event_attachments(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    _box, rec = _event_in(e, m)
    return collection(
        call,
        rec.data.get("_attachments", []),
        kind="outlook",
        context="attachments",
        entity=ATTACHMENT,
    )


@route("POST", _EVENT + r"/attachments")
def _add_event_attachment(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    _box, rec = _event_in(e, m)
    att = file_attachment(call.body or {})
    rec.data.setdefault("_attachments", []).append(att)
    rec.data["hasAttachments"] = True
    return json_reply(201, att)
