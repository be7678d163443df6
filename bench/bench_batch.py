"""Book 1,000 events across 50 rooms: one by one, ``asyncio.gather``, and ``create_many``.

    python bench/bench_batch.py           # 1,000 events, 50 rooms (about a minute)
    python bench/bench_batch.py --quick   # 100 events, 10 rooms

FakeGraph is served on loopback, in a process of its own (so the client and the server do
not share one interpreter), with 20 ms per HTTP request and Exchange's 4 concurrent
requests per mailbox (a 429 with Retry-After beyond). Each way books the same events into
a fresh FakeGraph; the figures say how long it took, how many 429s reached the caller, and
how many events exist afterwards, counted through Graph's API (exactly one per booking: no
duplicates, no losses).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from graphlink import AsyncGraphClient, GraphClient
from graphlink.errors import GraphError
from graphlink.testing import FakeGraph

LATENCY = 0.02
START = datetime(2026, 12, 7, 8, tzinfo=UTC)


def _bookings(events: int, rooms: int) -> list[dict[str, Any]]:
    out = []
    for i in range(events):
        at = START + timedelta(minutes=30 * (i // rooms))
        out.append(
            {
                "title": f"Booking {i}",
                "event_start": at,
                "event_end": at + timedelta(minutes=25),
                "calendar_id": f"room{i % rooms}@contoso.com",
            }
        )
    return out


def _serve(rooms: int, urls: Any, stop: Any) -> None:
    """The server process: a fresh FakeGraph with the rooms, served until told to stop."""
    fake = FakeGraph(latency=LATENCY, mailbox_concurrency=4)
    fake.add_user(mail="svc@contoso.com", display_name="Bookings")
    for n in range(rooms):
        fake.add_room(f"Room {n}", f"room{n}@contoso.com")
    with fake.serve() as base_url:
        urls.put(base_url)
        stop.wait(600)


def _count(base_url: str, rooms: int) -> int:
    """The events in the rooms' calendars, through the API."""
    with GraphClient(token="t", base_url=base_url) as client:
        return sum(
            len(
                client.paginate(
                    f"/users/room{n}@contoso.com/events", params={"$top": 999}
                ).to_list()
            )
            for n in range(rooms)
        )


def _measure(
    name: str, rooms: int, bookings: list[dict[str, Any]], run: Callable[[str], list[Any]]
) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    urls, stop = context.Queue(), context.Event()
    server = context.Process(target=_serve, args=(rooms, urls, stop), daemon=True)
    server.start()
    try:
        base_url = urls.get(timeout=60)
        started = time.perf_counter()
        results = run(base_url)
        seconds = time.perf_counter() - started
        created = _count(base_url, rooms)
    finally:
        stop.set()
        server.join(10)
    errors = [r for r in results if isinstance(r, GraphError)]
    return {
        "way": name,
        "seconds": seconds,
        "errors": len(errors),
        "throttled_errors": sum(getattr(e, "status_code", 0) == 429 for e in errors),
        "events": created,
    }


def run(
    events: int = 1000, rooms: int = 50, report: Callable[[dict[str, Any]], None] | None = None
) -> list[dict[str, Any]]:
    """Each way of booking ``events`` across ``rooms``; one figures dict per way (passed to
    ``report`` as soon as it is measured)."""
    bookings = _bookings(events, rooms)

    def one_by_one(base_url: str) -> list[Any]:
        out: list[Any] = []
        with GraphClient(token="t", base_url=base_url, service_account="svc@contoso.com") as c:
            for booking in bookings:
                try:
                    out.append(c.events.create(**booking))
                except GraphError as error:
                    out.append(error)
        return out

    def gathered(base_url: str) -> list[Any]:
        async def main() -> list[Any]:
            async with AsyncGraphClient(
                token="t", base_url=base_url, service_account="svc@contoso.com"
            ) as c:
                calls = [c.events.create(**booking) for booking in bookings]
                return list(await asyncio.gather(*calls, return_exceptions=True))

        return asyncio.run(main())

    def batched_sync(base_url: str) -> list[Any]:
        with GraphClient(token="t", base_url=base_url, service_account="svc@contoso.com") as c:
            return list(c.events.create_many(bookings))

    def batched_async(base_url: str) -> list[Any]:
        async def main() -> list[Any]:
            async with AsyncGraphClient(
                token="t", base_url=base_url, service_account="svc@contoso.com"
            ) as c:
                return list(await c.events.create_many(bookings))

        return asyncio.run(main())

    ways = [
        ("one by one (sync loop)", one_by_one),
        ("asyncio.gather of creates", gathered),
        ("create_many (sync)", batched_sync),
        ("create_many (async)", batched_async),
    ]
    out = []
    for name, way in ways:
        out.append(_measure(name, rooms, bookings, way))
        if report is not None:
            report(out[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 events across 10 rooms")
    args = parser.parse_args()
    events, rooms = (100, 10) if args.quick else (1000, 50)
    figures = run(events, rooms)
    base = figures[0]["seconds"]
    print(
        f"{events:,} bookings across {rooms} rooms; FakeGraph on loopback, {LATENCY * 1000:.0f} ms"
    )
    print("per request, 4 concurrent requests per mailbox:")
    for f in figures:
        print(
            f"  {f['way']:<28} {f['seconds']:7.2f} s  {base / f['seconds']:5.1f}x  "
            f"{f['events']:>5} events  {f['errors']} errors ({f['throttled_errors']} × 429)"
        )


if __name__ == "__main__":
    main()
