"""Rows from the single-purpose scripts: parsing, listing a calendar, limiter, batching.

Each script keeps its own logic (``bench_models``, ``bench_calendar``, ``bench_ratelimit``,
``bench_batch``: still runnable alone); this module only calls it at the run's sizes, one
round at a time, and turns its figures into rows.
"""

from __future__ import annotations

from pathlib import Path

from bench import bench_batch, bench_calendar, bench_models, bench_ratelimit
from bench._procs import run_python
from bench._report import Goal, Row, compare

# argv: bench/ folder, events, rounds; bench_models imports graphlink only where it uses it
_MSGRAPH_PARSE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from bench_models import _msgraph_decoder, page_bytes
events, rounds = int(sys.argv[2]), int(sys.argv[3])
decode = _msgraph_decoder(page_bytes(events))
assert decode is not None, "msgraph-sdk does not import"
assert len(decode()) == events
samples = []
for _ in range(rounds):
    started = time.perf_counter()
    decode()
    samples.append((time.perf_counter() - started) * 1e6 / events)
print(json.dumps({"us": samples}))
"""


def parse(events: int, rounds: int, msgraph_python: Path | None) -> list[Row]:
    """µs per event decoding a calendarView page, against json.loads + a dict walk and,
    with its environment, msgraph-sdk (on a smaller page: it is ~1,000x slower)."""
    figures = [bench_models.run(events=events, rounds=1) for _ in range(rounds)]
    ours = [f["graphlink_us"] for f in figures]
    measure = f"parse a {events:,}-event page (bytes → `list[Event]`)"
    rows = [
        compare(
            measure,
            "µs/event",
            ours,
            "`json.loads` + dict walk",
            [f["baseline_us"] for f in figures],
            goal=Goal("keep"),
        )
    ]
    if msgraph_python is not None:
        small = min(events, bench_models.MSGRAPH_EVENTS)
        folder = str(Path(bench_models.__file__).parent)
        theirs = run_python(msgraph_python, _MSGRAPH_PARSE, folder, str(small), str(rounds))
        note = f"msgraph-sdk decodes a {small}-event page (its µs/event, unpaired)"
        rows.append(
            compare(measure, "µs/event", ours, "msgraph-sdk", theirs["us"], note=note, paired=False)
        )
    return rows


def calendar(events: int, rounds: int) -> list[Row]:
    """ms to list a calendarView with ``events.list`` (pages of 1,000, MockTransport)."""
    figures = [bench_calendar.run(events, 1) for _ in range(rounds)]
    return [
        compare(
            f"`events.list` of {events:,} events, in process (`MockTransport`)",
            "ms",
            [f["graphlink_s"] * 1000 for f in figures],
            "raw httpx, dict walk",
            [f["raw_httpx_s"] * 1000 for f in figures],
        )
    ]


_ACCURATE = Goal("0.95-1.05x", max=1.05, min=0.95)


def limiter(
    seconds: float, calls: int, processes: int, redis_url: str | None
) -> tuple[list[Row], list[str]]:
    """Rate accuracy (simulated, real threads, ``processes`` processes through Redis) and
    one mailbox's safety; the rows, and notes on what was skipped."""
    rows = [
        compare(f"limiter, simulated: `{label}`", "/s", [got], "its rate", [rate], goal=_ACCURATE)
        for label, (got, rate) in bench_ratelimit.simulated().items()
    ]
    got = bench_ratelimit.client_rate(seconds)
    rows.append(
        compare(
            f"limiter: `GraphClient`, `TokenBucket(5)`, 8 threads, {seconds:g} s",
            "/s",
            [got],
            "its rate",
            [5.0],
            goal=_ACCURATE,
        )
    )
    notes = []
    if redis_url is None:
        notes.append("limiter through Redis skipped: no redis-server on PATH")
    else:
        shared = bench_ratelimit.multi_process(redis_url, seconds, processes)
        rows.append(
            compare(
                f"limiter: {processes} processes × 4 threads, `TokenBucket(10)` on Redis, "
                f"{seconds:g} s",
                "/s",
                [shared["rate"]],
                "its rate",
                [10.0],
                goal=_ACCURATE,
                note=f"per process {shared['counts']}, {shared['throttled']} × 429 at the server",
            )
        )
    safety = bench_ratelimit.mailbox_safety(calls)
    what = f"{calls} async calls to one mailbox, default `PerMailbox`, 20 ms server"
    rows.append(
        compare(
            f"{what}, time",
            "s",
            [safety["seconds"]],
            "`asyncio.Semaphore(4)`",
            [safety["floor_seconds"]],
            note=f"then queue_size={safety['queued']}, in_flight_size={safety['in_flight']}",
        )
    )
    rows.append(
        compare(
            f"{what}, peak in flight",
            "",
            [safety["peak"]],
            "Exchange's limit",
            [4],
            goal=Goal("<= 1.0x", max=1.0),
        )
    )
    return rows, notes


def batching(events: int, rooms: int) -> list[Row]:
    """Seconds to book ``events`` across ``rooms`` each way, against one by one."""
    ways = bench_batch.run(events, rooms)
    one_by_one = ways[0]
    rows = []
    for way in ways[1:]:
        note = (
            f"{way['events']} of {events} events booked, {way['errors']} errors "
            f"({way['throttled_errors']} × 429)"
        )
        rows.append(
            compare(
                f"book {events:,} events in {rooms} rooms: {way['way']}",
                "s",
                [way["seconds"]],
                f"{one_by_one['way']}",
                [one_by_one["seconds"]],
                note=note,
            )
        )
    return rows
