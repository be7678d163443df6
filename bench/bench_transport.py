"""Transport overhead: graphlink's pipeline against raw httpx, measured in the same run.

    python bench/bench_transport.py           # about 20 s
    python bench/bench_transport.py --quick   # about 5 s

Both sides send the same GET with a bearer token and parse the same JSON body, in process
(httpx.MockTransport: the pipeline's own cost) and over a loopback socket (what a user
sees). graphlink adds per call: a RequestSpec, the limiter (Unlimited and the default
PerMailbox), the token manager, a client-request-id, classification and logging. Figures
are medians of several repeats; ratios matter more than microseconds on a shared machine.
Never assertions: these are not tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from graphlink import AsyncGraphClient, GraphClient
from graphlink.ratelimit import PerMailbox, Unlimited

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


def per_call(fn: Callable[[], object], calls: int, repeats: int) -> float:
    """Median µs per call over ``repeats`` runs of ``calls`` calls."""
    fn()  # warm up (connection, token, imports)
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        runs.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(runs)


def sync_figures(
    base_url: str, transport: httpx.BaseTransport | None, calls: int, repeats: int
) -> dict[str, float]:
    raw = httpx.Client(transport=transport) if transport else httpx.Client()
    headers = {"Authorization": f"Bearer {TOKEN}"}

    def raw_call() -> object:
        response = raw.get(base_url + PATH, headers=headers)
        response.raise_for_status()
        return response.json()

    select = {"$select": "id,displayName,mail,userPrincipalName,givenName,surname,jobTitle"}

    def raw_select_call() -> object:
        response = raw.get(base_url + PATH, headers=headers, params=select)
        response.raise_for_status()
        return response.json()

    out = {
        "raw httpx": per_call(raw_call, calls, repeats),
        "raw httpx with a $select": per_call(raw_select_call, calls, repeats),
    }
    for name, policy in (
        ("graphlink, Unlimited", Unlimited()),
        ("graphlink, PerMailbox", PerMailbox()),
    ):
        http = httpx.Client(transport=transport) if transport else httpx.Client()
        client = GraphClient(token=TOKEN, base_url=base_url, http_client=http, rate_limit=policy)
        out[name] = per_call(lambda c=client: c.request("GET", PATH), calls, repeats)
        out[name + ", users.get"] = per_call(
            lambda c=client: c.users.get("AdeleV@contoso.com"), calls, repeats
        )
    return out


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

        async def measure(fn: Callable[[], Any]) -> float:
            await fn()
            runs = []
            for _ in range(repeats):
                start = time.perf_counter()
                # 10 concurrent callers, as an app serving requests would have.
                for _ in range(calls // 10):
                    await asyncio.gather(*(fn() for _ in range(10)))
                runs.append((time.perf_counter() - start) / calls * 1e6)
            return statistics.median(runs)

        return {
            "raw httpx (async)": await measure(raw_call),
            "graphlink, Unlimited (async)": await measure(lambda: client.request("GET", PATH)),
        }

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
