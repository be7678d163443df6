"""Per call: graphlink's overhead over raw httpx, sequential and concurrent.

Sequential and async figures come from ``bench_transport.py`` (one repeat per round, the
ways interleaved in blocks of 10 calls, so each round pairs graphlink with raw httpx under
the same load); the server is the loopback one in its own process. Concurrency: 50
workers share N ``users.get`` over 50 mailboxes, with the default client (``PerMailbox``)
against ``httpx.AsyncClient`` with the same ``$select``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from urllib.parse import quote

import httpx

from bench import bench_transport
from bench._report import Goal, Row, compare
from graphlink import AsyncGraphClient

_SYNC = [
    # (measure, graphlink's key, baseline's key, baseline's name, goal)
    (
        "`users.get`, sync, loopback",
        "graphlink, PerMailbox, users.get",
        "raw httpx with a $select",
        "raw httpx, same `$select`",
        Goal("<= 1.15x", max=1.15),
    ),
    (
        "`users.get`, sync, loopback, `Unlimited()`",
        "graphlink, Unlimited, users.get",
        "raw httpx with a $select",
        "raw httpx, same `$select`",
        None,
    ),
    (
        "`client.request('GET')`, sync, loopback, `Unlimited()`",
        "graphlink, Unlimited",
        "raw httpx",
        "raw httpx",
        None,
    ),
]
_ASYNC = (
    "`users.get`, async, 10 concurrent, loopback, `Unlimited()`",
    "graphlink, Unlimited, users.get (async)",
    "raw httpx with a $select (async)",
    "raw httpx, same `$select`",
)
_IN_PROCESS = (
    "`users.get`, sync, in process (`MockTransport`)",
    "graphlink, PerMailbox, users.get",
    "raw httpx with a $select",
    "raw httpx, same `$select`",
)


def per_call(base_url: str, calls: int, rounds: int) -> list[Row]:
    """µs per call, graphlink against raw httpx, paired round by round."""
    loop: list[dict[str, float]] = []
    run: list[dict[str, float]] = []
    mock: list[dict[str, float]] = []
    for _ in range(rounds):
        loop.append(bench_transport.sync_figures(base_url, None, calls, 1))
        run.append(bench_transport.async_figures(base_url, None, calls, 1))
        transport = httpx.MockTransport(bench_transport.handler)
        mock.append(bench_transport.sync_figures(base_url, transport, calls, 1))
    rows = [
        compare(measure, "µs", [r[ours] for r in loop], name, [r[base] for r in loop], goal=goal)
        for measure, ours, base, name, goal in _SYNC
    ]
    for (measure, ours, base, name), figures in ((_ASYNC, run), (_IN_PROCESS, mock)):
        rows.append(
            compare(measure, "µs", [r[ours] for r in figures], name, [r[base] for r in figures])
        )
    return rows


async def _drive(call: Callable[[str], Awaitable[object]], ids: list[str], workers: int) -> float:
    """Seconds for ``workers`` tasks to make one call per id between them."""
    pending: Iterator[str] = iter(ids)

    async def worker() -> None:
        for user_id in pending:  # one iterator shared by the tasks: each id once
            await call(user_id)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return time.perf_counter() - started


async def _graphlink(base_url: str, ids: list[str], workers: int) -> float:
    async with AsyncGraphClient(token=bench_transport.TOKEN, base_url=base_url) as client:
        await _drive(client.users.get, ids[:workers], workers)  # connections open
        return await _drive(client.users.get, ids, workers)


async def _raw(base_url: str, ids: list[str], workers: int) -> float:
    headers = {"Authorization": f"Bearer {bench_transport.TOKEN}"}
    async with httpx.AsyncClient() as http:

        async def get(user_id: str) -> object:
            response = await http.get(
                f"{base_url}/users/{quote(user_id, safe='')}",
                params=bench_transport.SELECT,
                headers=headers,
            )
            response.raise_for_status()
            return response.json()

        await _drive(get, ids[:workers], workers)
        return await _drive(get, ids, workers)


def concurrency(base_url: str, calls: int, workers: int, mailboxes: int, rounds: int) -> list[Row]:
    """ms for ``calls`` async ``users.get`` by ``workers`` tasks over ``mailboxes``."""
    ids = [f"user{n % mailboxes}@contoso.com" for n in range(calls)]
    ours: list[float] = []
    raw: list[float] = []
    for n in range(rounds):
        sides = [(_graphlink, ours), (_raw, raw)]
        for side, out in sides[n % 2 :] + sides[: n % 2]:
            out.append(asyncio.run(side(base_url, ids, workers)) * 1000)
    return [
        compare(
            f"{calls:,} async `users.get`, {workers} concurrent over {mailboxes} mailboxes",
            "ms",
            ours,
            f"raw httpx, {workers} concurrent",
            raw,
            goal=Goal("<= 1.25x", max=1.25),
        )
    ]
