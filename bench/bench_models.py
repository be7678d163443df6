"""Decode a 1,000-event calendarView page (bytes -> list[Event], 5 attendees each).

Run ``python bench/bench_models.py [--quick] [--no-fast]``; importable as ``run()`` (returns
the figures). ``--no-fast`` measures the validating path alone (the generated fast functions
switched off, as ``GRAPHLINK_FAST_MODELS=0`` does).
Targets: under 40 µs per event, and within 4x of ``json.loads`` plus a plain dict walk. The
machine may be shared: figures are the best of several rounds; compare ratios across runs.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

# graphlink is imported where it is used: the runner imports page_bytes and
# _msgraph_decoder in the competitors' environment, where graphlink is not installed.

EVENTS = 1_000
ROUNDS = 7
#: Events in the page msgraph-sdk decodes, when it is importable.
MSGRAPH_EVENTS = 50


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


def _msgraph_decoder(raw: bytes) -> Any:
    """bytes -> list of msgraph-sdk Events, if msgraph-sdk (and kiota) can be imported."""
    try:
        from kiota_serialization_json.json_parse_node_factory import (  # type: ignore[import-not-found]
            JsonParseNodeFactory,
        )
        from msgraph.generated.models.event_collection_response import (  # type: ignore[import-not-found]
            EventCollectionResponse,
        )
    except ImportError:
        return None
    factory = JsonParseNodeFactory()

    def decode() -> Any:
        root = factory.get_root_parse_node("application/json", raw)
        return root.get_object_value(EventCollectionResponse).value

    return decode


def run(events: int = EVENTS, rounds: int = ROUNDS) -> dict[str, float]:
    """Measure (best of ``rounds``); µs/event for graphlink (bytes -> list[Event]), for
    ``json.loads`` alone, for ``json.loads`` + a dict walk (the baseline), the ratio to the
    baseline and, if importable, for msgraph-sdk (``msgraph_us``)."""
    from graphlink.models import Event, structure_many

    raw = page_bytes(events)
    structure_many(Event, json.loads(raw)["value"])  # warm up the converter

    def graphlink() -> None:
        structure_many(Event, json.loads(raw)["value"])

    def loads() -> None:
        json.loads(raw)

    def baseline() -> None:
        _walk(json.loads(raw)["value"])

    per_event = 1e6 / events
    figures = {
        "graphlink_us": _best(graphlink, rounds) * per_event,
        "json_loads_us": _best(loads, rounds) * per_event,
        "baseline_us": _best(baseline, rounds) * per_event,
    }
    figures["ratio"] = figures["graphlink_us"] / figures["baseline_us"]
    # msgraph-sdk is ~15 ms/event here: one round on a smaller page is enough.
    small = min(events, MSGRAPH_EVENTS)
    msgraph = _msgraph_decoder(page_bytes(small))
    if msgraph is not None:
        assert len(msgraph()) == small
        figures["msgraph_us"] = _best(msgraph, 1) * 1e6 / small
    return figures


def main(argv: list[str] | None = None) -> None:
    """Print the figures (``--quick``: a smaller page and fewer rounds, for a smoke run;
    ``--no-fast``: the validating path alone)."""
    from graphlink.models import fast_models_enabled, set_fast_models

    args = sys.argv[1:] if argv is None else argv
    quick = "--quick" in args
    if "--no-fast" in args:
        set_fast_models(False)
    path = "fast" if fast_models_enabled() else "validating"
    print(f"structure path:                   {path}")
    figures = run(events=200, rounds=3) if quick else run()
    print(f"graphlink bytes -> list[Event]:   {figures['graphlink_us']:.1f} µs/event")
    print(f"json.loads alone:                 {figures['json_loads_us']:.1f} µs/event")
    print(f"json.loads + dict walk:           {figures['baseline_us']:.1f} µs/event")
    print(f"ratio:                            {figures['ratio']:.2f}x (target <= 4x, < 40 µs)")
    if "msgraph_us" in figures:
        print(f"msgraph-sdk (kiota) bytes -> Events: {figures['msgraph_us']:.0f} µs/event")
    else:
        print("msgraph-sdk:                      not importable, skipped")


if __name__ == "__main__":
    main()
