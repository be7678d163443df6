"""Transport overhead: graphlink's pipeline against raw httpx, measured in the same run.

    python bench/bench_transport.py           # about 20 s
    python bench/bench_transport.py --quick   # about 5 s

Both sides send the same GET with a bearer token and parse the same JSON body, in process
(httpx.MockTransport: the pipeline's own cost) and over a loopback socket (what a user
sees). graphlink adds per call: a RequestSpec, the limiter (Unlimited and the default
PerMailbox), the token manager, a client-request-id, classification and logging. Figures
are medians of several repeats, the ways interleaved in blocks of 10 calls (a burst of load
from elsewhere falls on all of them); ratios matter more than microseconds on a shared
machine.
Never assertions: these are not tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from graphlink import AsyncGraphClient, GraphClient
from graphlink.ratelimit import PerMailbox, Unlimited
from graphlink.resources._directory import USER_FIELDS

BODY = json.dumps(
    {
        "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
        "displayName": "Adele Vance",
        "mail": "AdeleV@contoso.com",
        "userPrincipalName": "AdeleV@contoso.com",
        "jobTitle": "Retail Manager",
        "businessPhones": ["+1 425 555 0109"],
    }
).encode()
TOKEN = "bench-token"
PATH = "/users/AdeleV%40contoso.com"
#: The $select users.get sends: raw httpx sends the same one.
SELECT = {"$select": ",".join(USER_FIELDS)}


def handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=BODY, headers={"Content-Type": "application/json"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # one segment per response (no Nagle/delayed-ACK stall)
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def loopback() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1.0"
    finally:
        server.shutdown()
        server.server_close()


#: Calls in one timed block: each way runs a block in turn, so a burst of load from
#: elsewhere falls on every way alike instead of on whichever was being measured.
BLOCK = 10


def per_call(ways: dict[str, Callable[[], object]], calls: int, repeats: int) -> dict[str, float]:
    """Median µs per call of each way over ``repeats`` runs of ``calls`` calls, the ways
    interleaved block by block (in an order rotating from block to block)."""
    for fn in ways.values():
        fn()  # warm up (connection, token, imports)
    blocks = max(1, calls // BLOCK)
    runs = []
    for _ in range(repeats):
        spent = dict.fromkeys(ways, 0.0)
        for name in _rotation(list(ways), blocks):
            fn = ways[name]
            start = time.perf_counter()
            for _ in range(BLOCK):
                fn()
            spent[name] += time.perf_counter() - start
        runs.append(spent)
    return _medians(runs, blocks)


def _rotation(names: list[str], blocks: int) -> Iterator[str]:
    """The ways' names in the order their blocks run: every way once per round, the order
    rotating from round to round."""
    for n in range(blocks):
        k = n % len(names)
        yield from names[k:] + names[:k]


def _medians(runs: list[dict[str, float]], blocks: int) -> dict[str, float]:
    """Median µs per call of each way, from the seconds each run spent in its blocks."""
    return {
        name: statistics.median(spent[name] / (blocks * BLOCK) * 1e6 for spent in runs)
        for name in runs[0]
    }


def sync_figures(
    base_url: str, transport: httpx.BaseTransport | None, calls: int, repeats: int
) -> dict[str, float]:
    raw = httpx.Client(transport=transport) if transport else httpx.Client()
    headers = {"Authorization": f"Bearer {TOKEN}"}

    def raw_call() -> object:
        response = raw.get(base_url + PATH, headers=headers)
        response.raise_for_status()
        return response.json()

    def raw_select_call() -> object:
        response = raw.get(base_url + PATH, headers=headers, params=SELECT)
        response.raise_for_status()
        return response.json()

    ways: dict[str, Callable[[], object]] = {
        "raw httpx": raw_call,
        "raw httpx with a $select": raw_select_call,
    }
    clients = []
    for name, policy in (
        ("graphlink, Unlimited", Unlimited()),
        ("graphlink, PerMailbox", PerMailbox()),
    ):
        http = httpx.Client(transport=transport) if transport else httpx.Client()
        client = GraphClient(token=TOKEN, base_url=base_url, http_client=http, rate_limit=policy)
        clients.append(client)
        ways[name] = partial(client.request, "GET", PATH)
        ways[name + ", users.get"] = partial(client.users.get, "AdeleV@contoso.com")
    try:
        return per_call(ways, calls, repeats)
    finally:
        raw.close()
        for client in clients:
            client.close()


def async_figures(
    base_url: str, transport: httpx.AsyncBaseTransport | None, calls: int, repeats: int
) -> dict[str, float]:
    async def run() -> dict[str, float]:
        raw = httpx.AsyncClient(transport=transport) if transport else httpx.AsyncClient()
        headers = {"Authorization": f"Bearer {TOKEN}"}
        client = AsyncGraphClient(
            token=TOKEN,
            base_url=base_url,
            http_client=httpx.AsyncClient(transport=transport)
            if transport
            else httpx.AsyncClient(),
            rate_limit=Unlimited(),
        )

        async def raw_call() -> object:
            response = await raw.get(base_url + PATH, headers=headers)
            response.raise_for_status()
            return response.json()

        async def raw_select_call() -> object:
            response = await raw.get(base_url + PATH, headers=headers, params=SELECT)
            response.raise_for_status()
            return response.json()

        ways: dict[str, Callable[[], Awaitable[object]]] = {
            "raw httpx (async)": raw_call,
            "raw httpx with a $select (async)": raw_select_call,
            "graphlink, Unlimited (async)": partial(client.request, "GET", PATH),
            "graphlink, Unlimited, users.get (async)": partial(
                client.users.get, "AdeleV@contoso.com"
            ),
        }
        for fn in ways.values():
            await fn()
        blocks = max(1, calls // BLOCK)
        runs = []
        for _ in range(repeats):
            spent = dict.fromkeys(ways, 0.0)
            for name in _rotation(list(ways), blocks):
                start = time.perf_counter()
                # BLOCK concurrent callers, as an app serving requests would have.
                await asyncio.gather(*(ways[name]() for _ in range(BLOCK)))
                spent[name] += time.perf_counter() - start
            runs.append(spent)
        await raw.aclose()
        await client.close()
        return _medians(runs, blocks)

    return asyncio.run(run())


def report(title: str, figures: dict[str, float], baseline: str) -> None:
    print(f"\n{title}")
    base = figures[baseline]
    for name, value in figures.items():
        print(f"  {name:<38} {value:8.1f} µs/call   {value / base:5.2f}x {baseline}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls and repeats")
    args = parser.parse_args()
    calls, repeats = (200, 3) if args.quick else (1000, 5)

    base = "https://graph.microsoft.com/v1.0"
    report(
        "In process (httpx.MockTransport): the pipeline's own cost",
        sync_figures(base, httpx.MockTransport(handler), calls, repeats),
        "raw httpx",
    )
    report(
        "In process, async",
        async_figures(base, httpx.MockTransport(handler), calls, repeats),
        "raw httpx (async)",
    )
    with loopback() as url:
        report(
            "Loopback socket (ThreadingHTTPServer)",
            sync_figures(url, None, calls // 2, repeats),
            "raw httpx",
        )


if __name__ == "__main__":
    main()
