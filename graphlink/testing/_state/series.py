"""Recurring meetings: a series master's occurrences, computed on demand, and their changes.

A series master is stored like any event (``type: seriesMaster``, with its
``recurrence``). Its occurrences are never stored: a view (calendarView, ``instances``,
getSchedule) computes the ones it needs from the master, and each gets a stable id that
the mailbox remembers (``Mailbox.occurrences``) so ``GET/PATCH/DELETE /events/{id}`` and
the responses work on it.

What an occurrence keeps on its master, per mailbox copy (FakeGraph's simplification of
Exchange's exceptions):

- ``_removed``: the occurrence keys no longer in this calendar (deleted, cancelled by the
  organizer in their own calendar, declined by the attendee);
- ``_exceptions``: key -> the properties that differ from the series (a PATCH, the
  attendee's answer, ``isCancelled`` when the organizer cancelled that occurrence, the
  organizer's view of an attendee's answer). An occurrence with overrides is rendered as
  ``type: exception``, as Graph marks a changed occurrence. A moved occurrence keeps its
  new times in ``_start`` / ``_end`` (UTC ISO).

An occurrence's key is its original local date in the series' zone (Outlook allows one
occurrence per day).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs

from graphlink.testing._state.calendar import (
    CalendarState,
    check_can_cancel,
    check_can_respond,
    event_overlaps,
    occurrence_ical_uid,
)
from graphlink.testing._state.common import (
    GraphFault,
    exchange_id,
    not_found_item,
    parse_graph_datetime,
    utc_stamp,
    zone,
)
from graphlink.testing._state.mailboxes import EventRecord, Mailbox
from graphlink.testing._state.recurrence import occurrence_dates, series_zone_name

__all__ = ["EventLike", "Occurrence", "SeriesState"]

#: Properties a PATCH of an occurrence cannot change.
_FIXED = frozenset(
    {"id", "organizer", "iCalUId", "type", "seriesMasterId", "recurrence", "start", "end"}
)


@attrs.define
class Occurrence:
    """One occurrence of a series in one mailbox: computed from its master, never stored."""

    id: str
    master: EventRecord
    #: The original local date in the series' zone (ISO), unique within the series.
    key: str
    original_start: datetime
    start: datetime
    end: datetime

    @property
    def calendar_id(self) -> str:
        """The calendar of its series."""
        return self.master.calendar_id

    @property
    def overrides(self) -> dict[str, Any]:
        """What differs from the series for this occurrence (empty: a plain occurrence)."""
        exceptions: dict[str, dict[str, Any]] = self.master.data.get("_exceptions") or {}
        return exceptions.get(self.key) or {}

    @property
    def data(self) -> dict[str, Any]:
        """The occurrence's Graph JSON (a new dict: changing it changes nothing)."""
        master = self.master.data
        overrides = self.overrides
        data = dict(master)
        data.update(
            {
                "id": self.id,
                "type": "exception" if overrides else "occurrence",
                "seriesMasterId": self.master.id,
                "recurrence": None,
                "transactionId": None,
                "iCalUId": occurrence_ical_uid(
                    str(master["iCalUId"]), date.fromisoformat(self.key)
                ),
                "originalStart": utc_stamp(self.original_start).replace(".0000000Z", "Z"),
                "webLink": str(master.get("webLink", "")).replace(self.master.id, self.id),
            }
        )
        data.update({k: v for k, v in overrides.items() if not k.startswith("_")})
        return data


#: What views return: stored events and computed occurrences.
EventLike = EventRecord | Occurrence


@attrs.frozen
class _CachedView:
    box: Mailbox
    generation: int
    events: list[EventLike]


def _is_master(rec: EventRecord) -> bool:
    return rec.data.get("type") == "seriesMaster" and bool(rec.data.get("recurrence"))


class SeriesState(CalendarState):
    """Events plus recurring series: views that expand them, and per-occurrence changes.

    Views are cached until the next change to any event (every change goes through the
    methods below, which count a new generation), so paging through a long calendarView
    page by page computes it once, not once a page.
    """

    def __init__(self, *, tenant_domain: str) -> None:
        super().__init__(tenant_domain=tenant_domain)
        #: Bumped by every change to events; views computed before it are stale.
        self.generation = 0
        self._views: dict[tuple[int, str | None, datetime, datetime], _CachedView] = {}

    def create_event(
        self, box: Mailbox, calendar_id: str | None, payload: Mapping[str, Any]
    ) -> EventRecord:
        """Create an event or a series (see ``CalendarState.create_event``)."""
        self.generation += 1
        return super().create_event(box, calendar_id, payload)

    # ------------------------------------------------------------------ expanding

    def occurrences(
        self, box: Mailbox, master: EventRecord, start: datetime, end: datetime
    ) -> list[Occurrence]:
        """The occurrences of ``master`` (in ``box``) overlapping ``[start, end)``.

        Removed occurrences are left out; moved ones appear at their new times.
        """
        recurrence = master.data["recurrence"]
        tz = zone(series_zone_name(recurrence))
        removed = set(master.data.get("_removed") or ())
        exceptions: dict[str, dict[str, Any]] = master.data.get("_exceptions") or {}
        moved = {k for k, v in exceptions.items() if "_start" in v}
        # Dates are local to the series: a day either side covers every zone offset.
        first_day = start.astimezone(tz).date() - timedelta(days=1)
        last_day = end.astimezone(tz).date() + timedelta(days=1)
        out = []
        for day in occurrence_dates(recurrence):
            if day > last_day:
                break
            key = day.isoformat()
            if day < first_day or key in removed or key in moved:
                continue
            occ = self._occurrence_on(box, master, day)
            if event_overlaps(occ, start, end):
                out.append(occ)
        for key in sorted(moved - removed):
            occ = self._occurrence_on(box, master, date.fromisoformat(key))
            if event_overlaps(occ, start, end):
                out.append(occ)
        return sorted(out, key=lambda o: (o.start, o.end))

    def remember_occurrence(self, box: Mailbox, master_id: str, key: str) -> str:
        """The id of the occurrence ``key`` of a series, remembered so ``find_event`` knows it."""
        oid = exchange_id("occurrence", box.owner_id, master_id, key)
        box.occurrences[oid] = (master_id, key)
        return oid

    def _occurrence_on(self, box: Mailbox, master: EventRecord, day: date) -> Occurrence:
        """The occurrence of ``master`` on local ``day`` (its id remembered by ``box``)."""
        tz = zone(series_zone_name(master.data["recurrence"]))
        wall = master.start.astimezone(tz)
        begins = datetime.combine(day, wall.time(), tzinfo=tz).astimezone(UTC)
        key = day.isoformat()
        oid = self.remember_occurrence(box, master.id, key)
        start, end = begins, begins + (master.end - master.start)
        overrides = ((master.data.get("_exceptions") or {}).get(key)) or {}
        if "_start" in overrides:
            start = datetime.fromisoformat(overrides["_start"])
            end = datetime.fromisoformat(overrides["_end"])
        return Occurrence(
            id=oid, master=master, key=key, original_start=begins, start=start, end=end
        )

    def view(
        self, box: Mailbox, start: datetime, end: datetime, calendar_id: str | None = None
    ) -> list[EventLike]:
        """calendarView: single events and occurrences overlapping ``[start, end)``.

        Series masters are expanded, never returned. ``calendar_id`` None: every calendar.
        Cancelled meetings are included, as Graph returns them until they are removed.
        The list is shared with later calls until the next change: do not modify it.
        """
        key = (id(box), calendar_id, start, end)
        hit = self._views.get(key)
        if hit is not None and hit.box is box and hit.generation == self.generation:
            return hit.events
        out: list[EventLike] = []
        for rec in box.events.values():
            if calendar_id is not None and rec.calendar_id != calendar_id:
                continue
            if _is_master(rec):
                out.extend(self.occurrences(box, rec, start, end))
            elif event_overlaps(rec, start, end):
                out.append(rec)
        out.sort(key=lambda r: (r.start, r.end, r.id))
        if len(self._views) >= 64:
            self._views.clear()
        self._views[key] = _CachedView(box, self.generation, out)
        return out

    def find_event(self, box: Mailbox, event_id: str) -> EventLike:
        """A stored event or an occurrence handed out earlier, or 404 ``ErrorItemNotFound``."""
        rec = box.events.get(event_id)
        if rec is not None:
            return rec
        ref = box.occurrences.get(event_id)
        master = box.events.get(ref[0]) if ref else None
        if ref is None or master is None or not _is_master(master):
            raise not_found_item()
        key = ref[1]
        if key in (master.data.get("_removed") or ()):
            raise not_found_item()
        day = date.fromisoformat(key)
        for candidate in occurrence_dates(master.data["recurrence"]):
            if candidate >= day:
                if candidate == day:
                    return self._occurrence_on(box, master, day)
                break
        raise not_found_item()

    def series_master(self, box: Mailbox, event_id: str) -> EventRecord:
        """The series master ``instances`` lists.

        A single event or an occurrence is refused with ``400 ErrorInvalidRequest``: a
        guess, Graph documents ``instances`` only on series masters.
        """
        rec = self.find_event(box, event_id)
        if isinstance(rec, Occurrence) or not _is_master(rec):
            raise GraphFault(
                400,
                "ErrorInvalidRequest",
                "Your request can't be completed. The event is not a recurring series master.",
            )
        return rec

    # ------------------------------------------------------------------ changes

    def _series_twins(self, master: EventRecord) -> Iterator[tuple[Mailbox, EventRecord]]:
        """Every other mailbox's copy of a series master."""
        for other, twin in self.copies(str(master.data["iCalUId"])):
            if twin is not master and _is_master(twin):
                yield other, twin

    @staticmethod
    def _exception(master: EventRecord, key: str) -> dict[str, Any]:
        exceptions = master.data.setdefault("_exceptions", {})
        out: dict[str, Any] = exceptions.setdefault(key, {})
        return out

    @staticmethod
    def _remove(master: EventRecord, key: str) -> None:
        removed = master.data.setdefault("_removed", [])
        if key not in removed:
            removed.append(key)

    def _cancel_occurrence(self, master: EventRecord, key: str) -> None:
        """The organizer removed one occurrence: attendees see that occurrence cancelled."""
        self._remove(master, key)
        for _other, twin in self._series_twins(master):
            self._exception(twin, key).update(
                {
                    "isCancelled": True,
                    "subject": "Canceled: " + str(twin.data.get("subject") or ""),
                }
            )

    def delete_event(self, box: Mailbox, rec: EventLike) -> None:
        """Delete an event or one occurrence (the organizer's delete cancels it for attendees)."""
        self.generation += 1
        if not isinstance(rec, Occurrence):
            super().delete_event(box, rec)
            return
        if rec.master.data.get("isOrganizer"):
            self._cancel_occurrence(rec.master, rec.key)
        else:
            self._remove(rec.master, rec.key)

    def cancel(self, box: Mailbox, rec: EventLike) -> None:
        """The organizer cancels a meeting or one occurrence of a series."""
        self.generation += 1
        if not isinstance(rec, Occurrence):
            super().cancel(box, rec)
            return
        check_can_cancel(rec.master.data)
        self._cancel_occurrence(rec.master, rec.key)

    def respond(self, box: Mailbox, rec: EventLike, response: str) -> None:
        """Answer a meeting or one occurrence; a declined occurrence leaves the calendar."""
        self.generation += 1
        if not isinstance(rec, Occurrence):
            super().respond(box, rec, response)
            return
        check_can_respond(rec.data)
        stamp = utc_stamp(datetime.now(UTC))
        status = {"response": response, "time": stamp}
        self._exception(rec.master, rec.key)["responseStatus"] = status
        for _other, twin in self._series_twins(rec.master):
            if not twin.data.get("isOrganizer"):
                continue
            overrides = self._exception(twin, rec.key)
            attendees = copy.deepcopy(overrides.get("attendees") or twin.data.get("attendees"))
            for att in attendees or []:
                addr = str((att.get("emailAddress") or {}).get("address") or "").lower()
                if addr == box.address.lower():
                    att["status"] = dict(status)
            overrides["attendees"] = attendees
        if response == "declined":
            self._remove(rec.master, rec.key)

    def update_event(self, box: Mailbox, rec: EventLike, changes: Mapping[str, Any]) -> None:
        """PATCH an event or one occurrence (the organizer's changes reach attendees)."""
        self.generation += 1
        if not isinstance(rec, Occurrence):
            super().update_event(box, rec, changes)
            return
        start = parse_graph_datetime(changes["start"]) if "start" in changes else rec.start
        end = parse_graph_datetime(changes["end"]) if "end" in changes else rec.end
        if end < start:
            raise GraphFault(
                400, "ErrorInvalidRequest", "The end time of the event is before its start time."
            )
        masters: Iterable[EventRecord] = [rec.master]
        if rec.master.data.get("isOrganizer"):
            masters = [rec.master, *(twin for _o, twin in self._series_twins(rec.master))]
        for master in masters:
            overrides = self._exception(master, rec.key)
            for key, value in changes.items():
                if key in _FIXED or (key == "attendees" and master is not rec.master):
                    continue
                overrides[key] = value
            if "start" in changes or "end" in changes:
                overrides["_start"] = start.isoformat()
                overrides["_end"] = end.isoformat()
            overrides["lastModifiedDateTime"] = utc_stamp(datetime.now(UTC))
