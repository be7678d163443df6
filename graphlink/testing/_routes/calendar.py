"""Calendar routes: calendars, events, calendarView, responses, attachments, getSchedule."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from graphlink.testing._routes._collections import collection, project, selected
from graphlink.testing._routes._table import CALENDAR, USER, calendar_ref, route, user_ref
from graphlink.testing._state import (
    EventRecord,
    GraphFault,
    Mailbox,
    State,
    event_overlaps,
    file_attachment,
    format_graph_datetime,
    parse_graph_datetime,
)
from graphlink.testing._wire import Call, Reply, empty_reply, json_reply

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine


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


@route("GET", USER + r"/calendars")
def _calendars(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(user_ref(m))
    return collection(
        call,
        list(box.calendars.values()),
        kind="outlook",
        context=f"users('{box.owner_id}')/calendars",
        keep=("id",),
    )


@route("GET", USER + r"(?:/calendar|/calendars/(?P<cal>[^/]+))")
def _calendar(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(user_ref(m))
    cal = e.state.calendar(box, m["cal"])
    body = project(cal, selected(call), None)
    return json_reply(
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


@route("GET", CALENDAR + r"/events")
def _list_events(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(user_ref(m))
    cal = e.state.calendar(box, calendar_ref(m))
    recs = [r for r in box.events.values() if r.calendar_id == cal["id"]]
    return _events_reply(call, box, recs)


@route("GET", CALENDAR + r"/calendarView")
def _calendar_view(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(user_ref(m))
    cal = e.state.calendar(box, calendar_ref(m))
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


@route("POST", CALENDAR + r"/events")
def _create_event(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(user_ref(m))
    if not isinstance(call.body, Mapping):
        raise GraphFault(400, "ErrorInvalidRequest", "The request body must be a JSON object.")
    rec = e.state.create_event(box, calendar_ref(m), call.body)
    body = {
        "@odata.context": f"{call.root}/$metadata#users('{box.owner_id}')/events/$entity",
        **render_event(rec, call),
    }
    return json_reply(201, body, _prefer_headers(call))


def _event_in(e: Engine, m: re.Match[str]) -> tuple[Mailbox, EventRecord]:
    box = e.state.mailbox(user_ref(m))
    return box, e.state.event(box, m["event"])


_EVENT = CALENDAR + r"/events/(?P<event>[^/]+)"


@route("GET", _EVENT)
def _get_event(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box, rec = _event_in(e, m)
    body = project(render_event(rec, call), selected(call), None)
    if selected(call):
        body = {"@odata.etag": rec.data["@odata.etag"], "id": rec.id, **body}
    return json_reply(
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
    return json_reply(200, render_event(rec, call), _prefer_headers(call))


@route("DELETE", _EVENT)
def _delete_event(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box, rec = _event_in(e, m)
    e.state.delete_event(box, rec)
    return empty_reply(204)


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
    return empty_reply(202)


@route("GET", _EVENT + r"/attachments")
def _event_attachments(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    _box, rec = _event_in(e, m)
    return collection(call, rec.data.get("_attachments", []), kind="outlook", context="attachments")


@route("POST", _EVENT + r"/attachments")
def _add_event_attachment(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    _box, rec = _event_in(e, m)
    att = file_attachment(call.body or {})
    rec.data.setdefault("_attachments", []).append(att)
    rec.data["hasAttachments"] = True
    return json_reply(201, att)


@route("POST", USER + r"/calendar/getSchedule")
def _get_schedule(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    e.state.mailbox(user_ref(m))
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
    return json_reply(200, body_out, _prefer_headers(call))


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
