"""List a 2,500-event calendar view: graphlink's ``events.list`` against raw httpx.

    python bench/bench_calendar.py           # 2,500 events, 7 rounds
    python bench/bench_calendar.py --quick   # 500 events, 3 rounds (a smoke run)

Both sides page the same canned calendarView (pages of 1,000, as graphlink asks Graph for)
over an ``httpx.MockTransport``, so the figures are the client's own cost: raw httpx
follows ``@odata.nextLink`` and walks each event's dict for its subject and start; graphlink
builds the request, pages, and parses every page into ``Event`` models (with aware
datetimes). Also timed: parsing the pages alone (``structure_many``) and the same listing
through FakeGraph in process. Figures are the best of several rounds (a shared machine);
read the ratios.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import httpx

from bench.bench_models import _event  # one event's Graph JSON, 5 attendees
from graphlink import GraphClient
from graphlink.models import Event, structure_many
from graphlink.testing import FakeGraph

ROOT = "https://graph.microsoft.com/v1.0"
MAILBOX = "room@contoso.com"
PAGE = 1000
START = datetime(2026, 1, 5, tzinfo=UTC)


def _pages(total: int) -> list[bytes]:
    """The calendarView pages Graph would send for ``total`` events."""
    events = [_event(i) for i in range(total)]
    pages = []
    for n, first in enumerate(range(0, total, PAGE)):
        body: dict[str, Any] = {"value": events[first : first + PAGE]}
        if first + PAGE < total:
            body["@odata.nextLink"] = f"{ROOT}/users/{MAILBOX}/calendar/calendarView?page={n + 1}"
        pages.append(json.dumps(body).encode())
    return pages


def _transport(pages: list[bytes]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("page", "0"))
        return httpx.Response(200, content=pages[n], headers={"content-type": "application/json"})

    return httpx.MockTransport(handler)


def _best(fn: Callable[[], int], rounds: int) -> tuple[float, int]:
    best, count = float("inf"), 0
    for _ in range(rounds):
        started = time.perf_counter()
        count = fn()
        best = min(best, time.perf_counter() - started)
    return best, count


def run(total: int = 2500, rounds: int = 7) -> dict[str, float]:
    """Time each way of listing ``total`` events; returns the figures (seconds, ratios)."""
    pages = _pages(total)
    transport = _transport(pages)
    end = START + timedelta(days=28)

    def raw() -> int:
        count = 0
        with httpx.Client(transport=transport) as http:
            url: str | None = f"{ROOT}/users/{MAILBOX}/calendar/calendarView"
            params: dict[str, str] | None = {
                "startDateTime": START.isoformat(),
                "endDateTime": end.isoformat(),
                "$top": str(PAGE),
            }
            while url is not None:
                body = http.get(url, params=params, headers={"Authorization": "Bearer t"}).json()
                for item in body["value"]:
                    count += bool(item["subject"]) + bool(item["start"]["dateTime"])
                url, params = body.get("@odata.nextLink"), None
        return count // 2

    def sdk() -> int:
        http = httpx.Client(transport=transport)
        with GraphClient(token="t", http_client=http, service_account=MAILBOX) as client:
            events = client.events.list(MAILBOX, START, end).to_list()
        http.close()
        return len(events)

    decoded = [json.loads(p)["value"] for p in pages]

    def parse_only() -> int:
        return sum(len(structure_many(Event, page)) for page in decoded)

    fake = FakeGraph()
    fake.add_room("Room", MAILBOX)
    for i in range(total):
        at = START + timedelta(minutes=15 * i)
        fake.add_event(MAILBOX, f"Meeting {i}", at, at + timedelta(minutes=15))
    span_end = START + timedelta(minutes=15 * total + 1)

    def through_fake() -> int:
        with fake.client(service_account=MAILBOX) as client:
            return len(client.events.list(MAILBOX, START, span_end).to_list())

    t_raw, n_raw = _best(raw, rounds)
    t_sdk, n_sdk = _best(sdk, rounds)
    t_parse, n_parse = _best(parse_only, rounds)
    t_fake, n_fake = _best(through_fake, max(1, rounds // 2))
    assert n_raw == n_sdk == n_parse == n_fake == total, (n_raw, n_sdk, n_parse, n_fake)
    return {
        "events": total,
        "raw_httpx_s": t_raw,
        "graphlink_s": t_sdk,
        "parse_only_s": t_parse,
        "through_fakegraph_s": t_fake,
        "graphlink_us_per_event": t_sdk / total * 1e6,
        "parse_us_per_event": t_parse / total * 1e6,
        "ratio_vs_raw_httpx": t_sdk / t_raw,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 events, 3 rounds")
    args = parser.parse_args()
    figures = run(500, 3) if args.quick else run()
    print(f"calendarView of {figures['events']:,} events (pages of {PAGE:,}), best of rounds:")
    print(f"  raw httpx, dict walk       {figures['raw_httpx_s'] * 1000:8.1f} ms")
    print(
        f"  graphlink events.list      {figures['graphlink_s'] * 1000:8.1f} ms"
        f"  ({figures['graphlink_us_per_event']:.1f} µs/event,"
        f" {figures['ratio_vs_raw_httpx']:.2f}x raw httpx)"
    )
    print(
        f"  of which parsing (models)  {figures['parse_only_s'] * 1000:8.1f} ms"
        f"  ({figures['parse_us_per_event']:.1f} µs/event)"
    )
    print(f"  through FakeGraph          {figures['through_fakegraph_s'] * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
