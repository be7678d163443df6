"""Rate-limit benchmarks: overhead, accuracy, multi-process sharing through Redis.

    python bench/bench_ratelimit.py            # the full run (about 1.5 minutes)
    python bench/bench_ratelimit.py --quick    # a short run (about 20 s)
    python bench/bench_ratelimit.py --redis redis://127.0.0.1:6379/0   # use this Redis

Without ``--redis`` a throw-away ``redis-server`` is started on a free loopback port (the
Redis parts are skipped when it is not installed). Figures, never assertions: these are
not tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from graphlink.placeos import PlaceOSLimiter
from graphlink.ratelimit import (
    AllOf,
    MaxInFlight,
    PerMailbox,
    RatePolicy,
    RedisStore,
    TokenBucket,
)
from graphlink.ratelimit._maths import gcra

MAILBOX_PATH = "/users/a@b.com/events"


# -- a loopback Graph stand-in ----------------------------------------------------------------


class Server(ThreadingHTTPServer):
    """Counts concurrent requests, and answers 429 beyond ``rate``/s (a GCRA, ``burst``)."""

    daemon_threads = True
    request_queue_size = 512

    def __init__(self, rate: float | None, burst: float = 2.0, delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.rate, self.burst, self.delay = rate, burst, delay
        self.lock = threading.Lock()
        self.tat: float | None = None
        self.ok: list[float] = []
        self.throttled = 0
        self.running = 0
        self.peak = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1.0"

    def admit(self) -> bool:
        with self.lock:
            now = time.monotonic()
            if self.rate is not None:
                tat, wait = gcra(self.tat, now, 1.0 / self.rate, self.burst, 1.0)
                if wait > 0:
                    self.throttled += 1
                    return False
                self.tat = tat
            self.ok.append(now)
            return True

    def rate_achieved(self) -> float:
        ok = sorted(self.ok)
        return (len(ok) - 1) / (ok[-1] - ok[0]) if len(ok) > 1 else 0.0


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, the client's delayed ACK adds
    # ~40 ms to every keep-alive response (it made a 20 ms server look like a 60 ms one).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        srv = self.server
        with srv.lock:
            srv.running += 1
            srv.peak = max(srv.peak, srv.running)
        try:
            if srv.delay:
                time.sleep(srv.delay)
            if srv.admit():
                self._send(200, {"value": []}, {})
            else:
                body = {"error": {"code": "TooManyRequests", "message": "slow down"}}
                self._send(429, body, {"Retry-After": "1"})
        finally:
            with srv.lock:
                srv.running -= 1

    def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serving(rate: float | None, burst: float = 2.0, delay: float = 0.0) -> Iterator[Server]:
    srv = Server(rate, burst, delay)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


@contextmanager
def redis_server(url: str | None) -> Iterator[str | None]:
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        print("  (redis-server not installed: apt-get install -y redis-server)")
        yield None
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    workdir = tempfile.mkdtemp()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", workdir],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


# -- overhead ---------------------------------------------------------------------------------


def per_op(policy: RatePolicy, key: str, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        d = policy.try_acquire(key, time.monotonic())
        policy.release(d.permit, time.monotonic())
    return (time.perf_counter() - start) / n * 1e6


def overhead(quick: bool, url: str | None) -> None:
    n = 20_000 if quick else 200_000
    print("overhead: one acquire + release, in-memory store")
    cases: list[tuple[str, Callable[[], RatePolicy], str]] = [
        ("TokenBucket(1e9)", lambda: TokenBucket(1e9), "tenant"),
        ("MaxInFlight(4)", lambda: MaxInFlight(4), "tenant"),
        ("PerMailbox() mailbox key", lambda: PerMailbox(), "mailbox:a@b.com"),
        ("PerMailbox() tenant key", lambda: PerMailbox(), "tenant"),
        ("PlaceOSLimiter(1e9)", lambda: PlaceOSLimiter(1e9), "tenant"),
        (
            "AllOf(PerMailbox, TokenBucket)",
            lambda: AllOf(PerMailbox(), TokenBucket(1e9)),
            "mailbox:a",
        ),
    ]
    for label, build, key in cases:
        print(f"  {label:34s} {per_op(build(), key, n):6.2f} µs")
    if url:
        import redis

        client = redis.Redis.from_url(url)
        client.flushdb()
        m = 2_000 if quick else 20_000
        start = time.perf_counter()
        for _ in range(m):
            client.ping()
        ping = (time.perf_counter() - start) / m * 1e6
        print(f"redis (loopback) round trip: PING {ping:.0f} µs")
        store = RedisStore(client)
        for label, policy, key in (
            ("TokenBucket(1e9) acquire (1 RTT)", TokenBucket(1e9, store=store), "tenant"),
            ("PerMailbox() acquire+release (2 RTT)", PerMailbox(store=store), "mailbox:a"),
        ):
            print(f"  {label:38s} {per_op(policy, key, m):6.0f} µs")


# -- accuracy ---------------------------------------------------------------------------------


def simulated() -> dict[str, tuple[float, float]]:
    """Policy-level, on a virtual clock: 50 callers hammering TokenBucket / PlaceOSLimiter
    for 20 virtual seconds; label -> (steady rate achieved, target rate)."""
    out = {}
    for label, policy, rate in (
        ("TokenBucket(5)", TokenBucket(5), 5.0),
        ("PlaceOSLimiter(5) (burst 10)", PlaceOSLimiter(5, max_wait=1e9), 5.0),
    ):
        wake = [0.0] * 50
        sent: list[float] = []
        while True:
            i = min(range(50), key=wake.__getitem__)
            now = wake[i]
            if now >= 20.0:
                break
            d = policy.try_acquire("tenant", now)
            if d.admitted:
                sent.append(now)
                policy.release(d.permit, now)
                wake[i] = now + 0.001
            else:
                wake[i] = now + d.wait
        steady = [t for t in sent if t >= 2.0]
        out[label] = ((len(steady) - 1) / (steady[-1] - steady[0]), rate)
    return out


def client_rate(seconds: float) -> float:
    """Requests/s a GraphClient with TokenBucket(5) sends from 8 threads for ``seconds``."""
    import graphlink

    with serving(None) as srv:
        client = graphlink.GraphClient(token="x", base_url=srv.base_url, rate_limit=TokenBucket(5))
        stop = time.monotonic() + seconds

        def worker() -> None:
            while time.monotonic() < stop:
                client.request("GET", MAILBOX_PATH)

        with ThreadPoolExecutor(8) as pool:
            for f in [pool.submit(worker) for _ in range(8)]:
                f.result()
        client.close()
        return srv.rate_achieved()


def _process(url: str, base_url: str, seconds: float, out: Any) -> None:
    import redis

    import graphlink

    store = RedisStore(redis.Redis.from_url(url))
    client = graphlink.GraphClient(
        token="x", base_url=base_url, rate_limit=TokenBucket(10, store=store)
    )
    stop = time.monotonic() + seconds
    n = 0

    def worker() -> None:
        nonlocal n
        while time.monotonic() < stop:
            client.request("GET", MAILBOX_PATH)
            n += 1

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    out.put(n)


def multi_process(url: str, seconds: float, processes: int = 4) -> dict[str, Any]:
    """``processes`` processes x 4 threads sharing TokenBucket(10) through the Redis at
    ``url``, against a server allowing 10/s (burst 3): the aggregate rate, per-process
    counts, 429s."""
    import redis

    redis.Redis.from_url(url).flushdb()
    with serving(10.0, burst=3.0) as srv:
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        procs = [
            ctx.Process(target=_process, args=(url, srv.base_url, seconds, out))
            for _ in range(processes)
        ]
        for p in procs:
            p.start()
        counts = [out.get() for _ in procs]
        for p in procs:
            p.join()
        return {"rate": srv.rate_achieved(), "counts": counts, "throttled": srv.throttled}


def mailbox_safety(calls: int = 200) -> dict[str, Any]:
    """``calls`` concurrent async calls to one mailbox through the default PerMailbox (20 ms
    server): the peak in flight at the server, the time taken, the time through a bare
    asyncio.Semaphore(4) (the best a limiter can do here), and what was left queued."""
    import graphlink
    from graphlink.ratelimit import Unlimited

    async def main(srv: Server) -> tuple[int, int, int]:
        client = graphlink.AsyncGraphClient(token="x", base_url=srv.base_url)  # the default
        await asyncio.gather(*(client.request("GET", MAILBOX_PATH) for _ in range(calls)))
        queued, flying = client.queue_size, client.in_flight_size
        await client.close()
        return srv.peak, queued, flying

    async def floor(srv: Server) -> None:
        client = graphlink.AsyncGraphClient(
            token="x", base_url=srv.base_url, rate_limit=Unlimited()
        )
        slots = asyncio.Semaphore(4)

        async def one() -> None:
            async with slots:
                await client.request("GET", MAILBOX_PATH)

        await asyncio.gather(*(one() for _ in range(calls)))
        await client.close()

    with serving(None, delay=0.02) as srv:
        start = time.monotonic()
        peak, queued, flying = asyncio.run(main(srv))
        took = time.monotonic() - start
    with serving(None, delay=0.02) as srv:
        start = time.monotonic()
        asyncio.run(floor(srv))
        best = time.monotonic() - start
    return {
        "calls": calls,
        "peak": peak,
        "seconds": took,
        "floor_seconds": best,
        "queued": queued,
        "in_flight": flying,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--redis", help="a Redis URL to use instead of a throw-away server")
    args = parser.parse_args()
    seconds = 5.0 if args.quick else 20.0
    print(f"python {sys.version.split()[0]}")
    with redis_server(args.redis) as url:
        overhead(args.quick, url)
        print("accuracy, simulated (virtual clock, 50 callers, 20 s):")
        for label, (got, rate) in simulated().items():
            print(f"  {label:30s} steady {got:.3f}/s (target {rate}/s)")
        got = client_rate(seconds)
        print(
            f"GraphClient TokenBucket(5), 8 threads, {seconds:.0f} s: {got:.3f}/s "
            f"({(got - 5) / 5 * 100:+.2f} %)"
        )
        if url:
            f = multi_process(url, seconds)
            print(
                f"4 processes x 4 threads, TokenBucket(10) on one Redis, {seconds:.0f} s: "
                f"{f['rate']:.3f}/s aggregate ({(f['rate'] - 10) / 10 * 100:+.2f} %), "
                f"per process {f['counts']}, server (10/s, burst 3) answered "
                f"{f['throttled']} x 429"
            )
        else:
            print("4 processes through Redis: skipped (no redis)")
        f = mailbox_safety()
        print(
            f"{f['calls']} concurrent async calls to one mailbox (default PerMailbox, 20 ms "
            f"server): peak {f['peak']} in flight at the server, {f['seconds']:.2f} s (ideal "
            f"1.00 s; asyncio.Semaphore(4) {f['floor_seconds']:.2f} s), then "
            f"queue_size={f['queued']} in_flight_size={f['in_flight']}"
        )


if __name__ == "__main__":
    main()
