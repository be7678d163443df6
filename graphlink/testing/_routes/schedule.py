"""Free/busy: ``POST /users/{id}/calendar/getSchedule`` with Graph's limits and errors.

The request (property names are read case-insensitively, as Graph does: the concept
docs send ``"Schedules"``)::

    POST /users/{id|upn}/calendar/getSchedule        (or /me/calendar/getSchedule)
    Prefer: outlook.timezone="Pacific Standard Time"    (optional: the items' zone)
    {"schedules": ["a@contoso.com", ...],              (1 to 20 addresses)
     "startTime": {"dateTime": "2024-03-15T09:00:00", "timeZone": "Pacific Standard Time"},
     "endTime":   {"dateTime": "2024-03-15T18:00:00", "timeZone": "Pacific Standard Time"},
     "availabilityViewInterval": 30}                   (minutes, 5 to 1440, default 30)

answers ``200 {"value": [scheduleInformation, ...]}``, one per address in order. Each
mailbox's single events and the occurrences of its series in the window become
``scheduleItems`` (cancelled meetings are left out); ``availabilityView`` has one digit
per interval (0 free, 1 tentative, 2 busy, 3 oof, 4 workingElsewhere).

Limits and errors (``concepts/outlook-get-free-busy-schedule.md``; codes as observed):

- More than ``MAX_SCHEDULES`` (20) addresses: ``400 ErrorMailboxDataArrayTooBig`` "There are
  too many target users in the EmailAddress array. The allowed size = 20; the actual size =
  21." The code and message are observed (microsoftgraph/microsoft-graph-docs#7047); the
  limit there was 100 while the docs say 20: FakeGraph enforces the documented 20.
- A window of ``MAX_WINDOW_DAYS`` (42) days or more: ``400 ErrorTimeIntervalTooBig`` "The
  requested time duration specified for FreeBusyViewOptions.TimeWindow is too long. The
  allowed limit = 42 days; the actual limit = N days." The code and message are observed
  (microsoftgraph/microsoft-graph-docs PR #19703, where the limit was 62 days and the docs
  were changed to say so; the free/busy concept page still says "less than 42 days"):
  FakeGraph enforces the stricter 42.
- An interval outside 5-1440 minutes or longer than the window:
  ``400 ErrorInvalidMergedFreeBusyInterval`` (observed: microsoftgraph/microsoft-graph-docs
  #6450).
- An end not after the start: ``400 ErrorInvalidTimeInterval`` "The time duration
  specified for FreeBusyViewOptions.TimeWindow is invalid." (code and message observed in
  microsoftgraph/msgraph-sdk-dotnet#2349, for another cause: a guess for this one).
- No ``schedules`` or no ``startTime``/``endTime``: ``400 ErrorInvalidParameter`` (a guess).
- An address FakeGraph does not know: an item ``{"scheduleId", "error": {"message":
  "Unable to resolve e-mail address <x> to an Active Directory object.", "responseCode":
  "5009"}}`` and nothing else (observed: microsoftgraph/microsoft-graph-docs#11225). A user
  without a mailbox: the same with ``responseCode`` ``"5016"`` "Proxy web request failed."
  (a third party's live report).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from graphlink.testing._routes._table import USER, route, user_ref
from graphlink.testing._routes.calendar import prefer_headers
from graphlink.testing._state import GraphFault, State, format_graph_datetime, parse_graph_datetime
from graphlink.testing._wire import Call, Reply, json_reply

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine

__all__ = ["MAX_SCHEDULES", "MAX_WINDOW_DAYS"]

#: The most addresses one getSchedule may ask about (documented).
MAX_SCHEDULES = 20
#: A getSchedule window must be shorter than this many days (documented).
MAX_WINDOW_DAYS = 42
_STATUS_DIGIT = {"free": 0, "tentative": 1, "busy": 2, "oof": 3, "workingelsewhere": 4}


@route("POST", USER + r"/calendar/getSchedule")
def _get_schedule(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    """getSchedule on the two paths calendar-getschedule.md documents (``/me/calendar`` and
    ``/users/{id}/calendar``). Graph's metadata also binds it to ``/calendars/{id}`` (Kiota
    clients expose that), undocumented: FakeGraph leaves it unserved."""
    e.state.mailbox(user_ref(m))
    # Graph reads JSON property names case-insensitively (the docs send "Schedules").
    body = {str(k)[:1].lower() + str(k)[1:]: v for k, v in (call.body or {}).items()}
    schedules = body.get("schedules")
    if not isinstance(schedules, list) or not schedules:
        raise GraphFault(400, "ErrorInvalidParameter", "At least one schedule is required.")
    if len(schedules) > MAX_SCHEDULES:
        raise GraphFault(
            400,
            "ErrorMailboxDataArrayTooBig",
            "There are too many target users in the EmailAddress array. The allowed size = "
            f"{MAX_SCHEDULES}; the actual size = {len(schedules)}.",
        )
    if not body.get("startTime") or not body.get("endTime"):
        raise GraphFault(400, "ErrorInvalidParameter", "startTime and endTime are required.")
    start, end = parse_graph_datetime(body["startTime"]), parse_graph_datetime(body["endTime"])
    if end <= start:
        raise GraphFault(
            400,
            "ErrorInvalidTimeInterval",
            "The time duration specified for FreeBusyViewOptions.TimeWindow is invalid.",
        )
    if end - start >= timedelta(days=MAX_WINDOW_DAYS):
        days = -((start - end) // timedelta(days=1))
        raise GraphFault(
            400,
            "ErrorTimeIntervalTooBig",
            "The requested time duration specified for FreeBusyViewOptions.TimeWindow is too "
            f"long. The allowed limit = {MAX_WINDOW_DAYS} days; the actual limit = {days} days.",
        )
    interval = int(body.get("availabilityViewInterval") or 30)
    if not 5 <= interval <= 1440 or timedelta(minutes=interval) > end - start:
        raise GraphFault(
            400,
            "ErrorInvalidMergedFreeBusyInterval",
            "The specified merged free/busy interval is not valid. Specify an interval that is "
            "less than the free/busy time window and between 5 and 1440 minutes.",
        )
    tz_name = call.prefer("outlook.timezone")
    out = [_schedule(e.state, str(s), start, end, interval, tz_name) for s in schedules]
    body_out = {
        "@odata.context": f"{call.root}/$metadata#Collection(microsoft.graph.scheduleInformation)",
        "value": out,
    }
    return json_reply(200, body_out, prefer_headers(call))


def _schedule(
    st: State, who: str, start: datetime, end: datetime, interval: int, tz_name: str | None
) -> dict[str, Any]:
    """One address's ``scheduleInformation`` (or its ``error`` item)."""
    box = st.mailbox_for_address(who)
    if box is None:
        known = st.find_user(who) is not None
        return {
            "scheduleId": who,
            "error": (
                {"message": "Proxy web request failed.", "responseCode": "5016"}
                if known
                else {
                    "message": f"Unable to resolve e-mail address {who} to an Active "
                    "Directory object.",
                    "responseCode": "5009",
                }
            ),
        }
    recs = [r for r in st.view(box, start, end) if not r.data.get("isCancelled")]
    items = []
    slot = timedelta(minutes=interval)
    slots = -((start - end) // slot)
    view = [0] * slots
    for r in recs:
        data = r.data
        status = str(data.get("showAs") or "busy")
        items.append(
            {
                "isPrivate": data.get("sensitivity") == "private",
                "status": status,
                "subject": data.get("subject"),
                "location": (data.get("location") or {}).get("displayName", ""),
                "start": format_graph_datetime(r.start, tz_name),
                "end": format_graph_datetime(r.end, tz_name),
            }
        )
        digit = _STATUS_DIGIT.get(status.lower(), 2)
        first = max(0, (r.start - start) // slot)
        last = min(slots, -((start - r.end) // slot)) if r.end > r.start else first + 1
        for i in range(first, min(last, slots)):
            view[i] = max(view[i], digit)
    return {
        "scheduleId": who,
        "availabilityView": "".join(map(str, view)),
        "scheduleItems": items,
        "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000",
            "endTime": "17:00:00.0000000",
            "timeZone": {"name": tz_name or "UTC"},
        },
    }
