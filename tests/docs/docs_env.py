"""What the docs' hidden setup comments call: a real-looking tenant that is FakeGraph.

A page may show a client built exactly as for a real tenant::

    <!-- setup:
    from docs_env import tenant
    fake = tenant()
    -->
    ```python
    with GraphClient(tenant_id="contoso.onmicrosoft.com", client_id="…", client_secret="…") as client:
        ...
    ```

``tenant()`` returns ``FakeGraph.demo()`` and, until the example's test ends, routes every
``GraphClient``/``AsyncGraphClient`` built afterwards to it: Graph requests through the
fake's transport (whatever the cloud's host) and msal's token requests (discovery and the
token endpoint) to the fake's identity routes. Only clients given neither ``http_client``
nor ``auth_http_client`` are changed, so ``fake.client()`` and the like work as before.
"""

from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from graphlink import AsyncGraphClient, GraphClient
from graphlink.testing import FakeGraph

_patch: pytest.MonkeyPatch | None = None
_redis: str | None = None


@contextmanager
def active() -> Iterator[None]:
    """The scope of one example: whatever ``tenant()`` patches is undone on exit."""
    global _patch
    with pytest.MonkeyPatch.context() as patch:
        _patch = patch
        try:
            yield
        finally:
            _patch = None


def tenant(**demo: Any) -> FakeGraph:
    """A ``FakeGraph.demo()`` that every client built from now on in this example talks to."""
    if _patch is None:
        raise RuntimeError("docs_env.tenant() runs inside a docs example's test only")
    fake = FakeGraph.demo(**demo)
    _route(_patch, GraphClient, lambda: httpx.Client(transport=fake.transport()), fake)
    _route(
        _patch, AsyncGraphClient, lambda: httpx.AsyncClient(transport=fake.async_transport()), fake
    )
    return fake


def _route(patch: pytest.MonkeyPatch, cls: type, http: Callable[[], Any], fake: FakeGraph) -> None:
    init = cls.__init__

    def routed(self: Any, **options: Any) -> None:
        if options.get("http_client") is None:
            options["http_client"] = http()
        if options.get("auth_http_client") is None:
            options["auth_http_client"] = httpx.Client(transport=fake.transport())
        init(self, **options)

    patch.setattr(cls, "__init__", routed)


def env(**values: str) -> None:
    """Set environment variables for this example only (e.g. a secret it reads)."""
    if _patch is None:
        raise RuntimeError("docs_env.env() runs inside a docs example's test only")
    for name, value in values.items():
        _patch.setenv(name, value)


def redis_url() -> str:
    """A throw-away local redis-server's URL (started once, stopped when the tests end).

    Also set as ``$REDIS_URL`` for the example, which reads it as a deployed app would.
    """
    global _redis
    if _patch is None:
        raise RuntimeError("docs_env.redis_url() runs inside a docs example's test only")
    if _redis is None:
        _redis = _start_redis()
    _patch.setenv("REDIS_URL", _redis)
    return _redis


def _start_redis() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not found (Debian/Ubuntu: apt-get install -y redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    workdir = tempfile.mkdtemp(prefix="graphlink-docs-redis-")
    options = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", workdir]
    proc = subprocess.Popen(
        [binary, *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    atexit.register(_stop, proc, workdir)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return f"redis://127.0.0.1:{port}/0"
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"redis-server did not start on port {port}") from None
            time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes], workdir: str) -> None:
    proc.terminate()
    proc.wait(10)
    shutil.rmtree(workdir, ignore_errors=True)
