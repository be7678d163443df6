"""Decode a 1,000-event calendarView page (bytes -> list[Event], 5 attendees each).

Run ``python bench/bench_models.py``; importable as ``run()`` (returns the figures). Targets:
under 40 µs per event, and within 4x of ``json.loads`` plus a plain dict walk.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from graphlink.models import Event, structure_many

EVENTS = 1_000
ROUNDS = 7


def _event(i: int) -> dict[str, Any]:
    people = [
        {
            "type": "required" if n else "resource",
            "status": {"response": "accepted", "time": "2024-05-01T10:00:00.1234567Z"},
            "emailAddress": {"name": f"Person {n}", "address": f"person{n}@contoso.com"},
        }
        for n in range(5)
    ]
    return {
        "@odata.etag": 'W/"ZlnW4RIAV06KYYwlrfNZvQAALfZeRQ=="',
        "id": f"AAMkAGI1AAAt{i:06d}=",
        "createdDateTime": "2024-04-30T03:00:50.7579581Z",
        "lastModifiedDateTime": "2024-04-30T03:10:50.7579581Z",
        "changeKey": "ZlnW4RIAV06KYYwlrfNZvQAALfZeRQ==",
        "categories": [],
        "originalStartTimeZone": "AUS Eastern Standard Time",
        "originalEndTimeZone": "AUS Eastern Standard Time",
        "iCalUId": f"040000008200E00074C5B7101A82E008{i:08d}",
        "reminderMinutesBeforeStart": 15,
        "isReminderOn": True,
        "hasAttachments": False,
        "subject": f"Meeting {i}",
        "bodyPreview": "Agenda",
        "importance": "normal",
        "sensitivity": "normal",
        "isAllDay": False,
        "isCancelled": False,
        "isOrganizer": True,
        "responseRequested": True,
        "seriesMasterId": None,
        "showAs": "busy",
        "type": "singleInstance",
        "webLink": "https://outlook.office365.com/owa/?itemid=x",
        "onlineMeetingUrl": None,
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
        "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
        "body": {"contentType": "html", "content": "<html><body>Agenda</body></html>"},
        "start": {
            "dateTime": "2024-05-02T09:00:00.0000000",
            "timeZone": "AUS Eastern Standard Time",
        },
        "end": {"dateTime": "2024-05-02T09:30:00.0000000", "timeZone": "AUS Eastern Standard Time"},
        "location": {"displayName": "Room 1", "locationType": "default"},
        "locations": [{"displayName": "Room 1", "locationType": "default"}],
        "recurrence": None,
        "attendees": people,
        "organizer": {"emailAddress": {"name": "Person 0", "address": "person0@contoso.com"}},
        "onlineMeeting": {"joinUrl": "https://teams.microsoft.com/l/meetup-join/x"},
    }


def page_bytes(events: int = EVENTS) -> bytes:
    """A calendarView page as Graph would send it."""
    return json.dumps({"value": [_event(i) for i in range(events)]}).encode()


def _walk(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_walk(v) for v in value.values()) + 1
    if isinstance(value, list):
        return sum(_walk(v) for v in value) + 1
    return 1


def _best(fn: Any, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(events: int = EVENTS, rounds: int = ROUNDS) -> dict[str, float]:
    """Measure; returns µs/event for graphlink and for json.loads + walk, and the ratio."""
    raw = page_bytes(events)
    structure_many(Event, json.loads(raw)["value"])  # warm up the converter

    def graphlink() -> None:
        structure_many(Event, json.loads(raw)["value"])

    def baseline() -> None:
        _walk(json.loads(raw)["value"])

    ours = _best(graphlink, rounds) / events * 1e6
    base = _best(baseline, rounds) / events * 1e6
    return {"graphlink_us": ours, "baseline_us": base, "ratio": ours / base}


def main() -> None:
    """Print the figures."""
    figures = run()
    print(f"graphlink bytes -> list[Event]:   {figures['graphlink_us']:.1f} µs/event")
    print(f"json.loads + dict walk:           {figures['baseline_us']:.1f} µs/event")
    print(f"ratio:                            {figures['ratio']:.2f}x (target <= 4x, < 40 µs)")


if __name__ == "__main__":
    main()
