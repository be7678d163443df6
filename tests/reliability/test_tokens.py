"""Tokens under faults and load (issue 14 #2, #4, #7, #8 and the token part of #9).

* #2: no error reaches a secret (client secret, private key, signed assertion) through its
  cause, context, a chained httpx request's body or its traceback frames' locals.
* #4: a token no HTTP header can carry is refused before anything is sent, whatever the
  credential, and the error shows no part of it.
* #7: a token living less than the 5-minute refresh margin is not fetched on every call.
* #8/#9: one token fetch at a time; those waiting share its failure; each waits at most
  its call's deadline, and the fetch goes on for later calls.

Real time is waited here only where a fetch must be blocked (a token endpoint that does
not answer); the bounds are generous and every test ends within a few seconds.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from harness import FakeTokenEndpoint

from graphlink import AccessToken, AsyncGraphClient, GraphClient, errors
from graphlink._transport._tokens_sync import TokenManager
from graphlink.auth import ClientCertificate, Credential, TokenProvider, refresh_margin
from graphlink.retry import RetryPolicy
from reliability.secret_scan import CLIENT_SECRET, PRIVATE_KEY_BODY, PRIVATE_KEY_PEM

MODES = ["sync", "async"]
GRANT_PATH = "/oauth2/v2.0/token"
#: A token as a provider might read it from a file (tests/core/test_hostile.py's).
GOOD = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.payload.signature"


# ------------------------------------------------------------------ helpers


def graph_client(mode: str, handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> Any:
    """A sync or async client whose Graph is ``handler``."""
    if mode == "sync":
        return GraphClient(http_client=httpx.Client(transport=httpx.MockTransport(handler)), **kw)
    return AsyncGraphClient(
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)), **kw
    )


def echo(request: httpx.Request) -> httpx.Response:
    """Graph, answering with the token it was sent."""
    return httpx.Response(200, json={"token": request.headers["Authorization"].split()[-1]})


def outcome_of(mode: str, make_call: Callable[[], Any]) -> Any:
    """What one call returns, or the exception it raises."""
    try:
        result = make_call()
        return asyncio.run(result) if mode == "async" else result
    except Exception as exc:
        return exc


def concurrently(mode: str, n: int, make_call: Callable[[], Any]) -> list[tuple[Any, float]]:
    """``n`` calls at once (tasks, or threads let go together): each one's result or
    exception, and how long it took."""

    if mode == "async":

        async def one() -> tuple[Any, float]:
            start = time.monotonic()
            try:
                result = await make_call()
            except Exception as exc:
                result = exc
            return result, time.monotonic() - start

        async def every() -> list[tuple[Any, float]]:
            return list(await asyncio.gather(*(one() for _ in range(n))))

        return asyncio.run(every())

    barrier = threading.Barrier(n)

    def work(_: int) -> tuple[Any, float]:
        barrier.wait()
        start = time.monotonic()
        try:
            result = make_call()
        except Exception as exc:
            result = exc
        return result, time.monotonic() - start

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(work, range(n)))


def chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and all it reaches through ``__cause__`` and ``__context__``."""
    seen: set[int] = set()
    todo = [error]
    while todo:
        exc = todo.pop()
        if id(exc) not in seen:
            seen.add(id(exc))
            yield exc
            todo += [e for e in (exc.__cause__, exc.__context__) if e is not None]


def reachable(error: BaseException) -> str:
    """Everything ``error`` shows or reaches: the whole chain rendered with every frame's
    locals, each exception's repr, and the body of any request an httpx error holds."""
    parts = [
        "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())
    ]
    for exc in chain(error):
        parts.append(repr(exc))
        request = getattr(exc, "_request", None)
        if isinstance(request, httpx.Request):
            parts += [str(request.url), repr(request.headers.raw), request.read().decode()]
        tb = exc.__traceback__
        while tb is not None:
            parts += [repr(value) for value in tb.tb_frame.f_locals.values()]
            tb = tb.tb_next
    return "\n".join(parts)


# ------------------------------------------------------------------ #2 no secret reachable


def _connect(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


FAILURES: dict[str, Callable[[httpx.Request], httpx.Response]] = {
    "connect error": _connect,
    "timeout": _timeout,
    "400": lambda r: httpx.Response(400, json={"error": "invalid_request"}),
    "401": lambda r: httpx.Response(401, json={"error": "invalid_client"}),
    "500": lambda r: httpx.Response(500, text="busy"),
    "malformed JSON": lambda r: httpx.Response(200, text='{"access_token": '),
    # A proxy or custom authority that echoes the form it was sent in its description.
    "400 echoing the form": lambda r: httpx.Response(
        400, json={"error": "invalid_client", "error_description": "bad: " + r.read().decode()}
    ),
}


class TokenEndpoint(FakeTokenEndpoint):
    """Entra ID's endpoints, the token one answering with ``fail`` (and keeping each
    request's form, to look for what msal sent: the secret, the signed assertion)."""

    def __init__(self, fail: Callable[[httpx.Request], httpx.Response]) -> None:
        super().__init__()
        self.failing = fail
        self.forms: list[dict[str, list[str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith(GRANT_PATH):
            return super().__call__(request)
        self.grants.append(request)
        self.forms.append(parse_qs(request.read().decode()))
        return self.failing(request)


def _fails(mode: str, credential: dict[str, Any], endpoint: TokenEndpoint) -> BaseException:
    client = graph_client(
        mode, echo, tenant_id="t", client_id="c", auth_http_client=endpoint.client(), **credential
    )
    error = outcome_of(mode, client.access_token)
    assert isinstance(error, errors.AuthError)
    return error


@pytest.fixture(scope="module")
def certificate_pem() -> str:
    """A real private key with its self-signed certificate (msal signs with it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "graphlink-test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return (
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + cert.public_bytes(serialization.Encoding.PEM)
    ).decode()


def _key_body(pem: str) -> str:
    return pem.split("-----BEGIN PRIVATE KEY-----")[1].split("-----END")[0].strip()


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("mode", MODES)
def test_a_failed_client_secret_grant_reaches_no_secret(mode: str, failure: str) -> None:
    endpoint = TokenEndpoint(FAILURES[failure])
    error = _fails(mode, {"client_secret": CLIENT_SECRET}, endpoint)
    assert endpoint.forms  # msal did send the secret
    assert endpoint.forms[0]["client_secret"] == [CLIENT_SECRET]
    text = reachable(error)
    assert CLIENT_SECRET not in text
    if failure in ("connect error", "timeout"):  # the kind of failure stays visible
        assert isinstance(error.__cause__, httpx.TransportError)
        assert error.__cause__.__traceback__ is None


@pytest.mark.parametrize("failure", ["connect error", "timeout", "400", "malformed JSON"])
@pytest.mark.parametrize("mode", MODES)
def test_a_failed_certificate_grant_reaches_no_key_or_assertion(
    mode: str, failure: str, certificate_pem: str
) -> None:
    endpoint = TokenEndpoint(FAILURES[failure])
    error = _fails(mode, {"client_certificate": certificate_pem}, endpoint)
    assertion = endpoint.forms[0]["client_assertion"][0]  # signed with the key: a credential
    text = reachable(error)
    assert _key_body(certificate_pem).splitlines()[1] not in text
    assert "PRIVATE KEY-----" not in text
    assert assertion not in text


@pytest.mark.parametrize("mode", MODES)
def test_a_certificate_grant_sends_the_signed_assertion_as_text(
    mode: str, certificate_pem: str
) -> None:
    """Found with #2: msal gives the assertion as bytes, which httpx sent as ``b'...'``."""
    endpoint = FakeTokenEndpoint()
    client = graph_client(
        mode,
        echo,
        tenant_id="t",
        client_id="c",
        client_certificate=certificate_pem,
        auth_http_client=endpoint.client(),
    )
    outcome_of(mode, client.access_token)
    form = parse_qs(endpoint.grants[0].read().decode())
    assert form["client_assertion_type"] == [
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    ]
    header, payload, signature = form["client_assertion"][0].split(".")
    assert header.startswith("eyJ")  # base64url of '{"'
    assert payload.startswith("eyJ")
    assert signature


def _bad_key_with_certificate(certificate_pem: str) -> str:
    return PRIVATE_KEY_PEM + certificate_pem.split("-----END PRIVATE KEY-----")[1]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", ["PEM text", "msal dict with a bad thumbprint"])
def test_a_bad_certificate_reaches_no_key(mode: str, shape: str, certificate_pem: str) -> None:
    if shape == "PEM text":
        credential: Any = _bad_key_with_certificate(certificate_pem)
    else:
        credential = {"private_key": PRIVATE_KEY_PEM, "thumbprint": "not-hex"}
    endpoint = TokenEndpoint(FAILURES["400"])
    error = _fails(mode, {"client_certificate": credential}, endpoint)
    assert endpoint.forms == []  # msal failed before any request
    text = reachable(error)
    assert PRIVATE_KEY_BODY not in text
    assert "PRIVATE KEY-----" not in text


def test_an_incomplete_certificate_is_refused_without_the_key_in_its_frames() -> None:
    with pytest.raises(errors.ValidationError) as info:
        ClientCertificate("t", "c", PRIVATE_KEY_PEM)  # no certificate with the key
    assert PRIVATE_KEY_BODY not in reachable(info.value)


# ------------------------------------------------------------------ #4 tokens that cannot be sent

#: Tokens no HTTP header can carry, by name: the test's frames hold only the name.
BAD = {
    "trailing newline": GOOD + "\n",
    "CRLF": GOOD + "\r\n",
    "leading space": " " + GOOD,
    "NUL": GOOD + "\x00",
    "non-ASCII": "tok\u00e9n-" + GOOD,
}


class FromFile(Credential):
    """A custom credential handing back what it read, as a ``str`` or an ``AccessToken``."""

    def __init__(self, bad: str, wrap: bool) -> None:
        self.bad = bad
        self.wrap = wrap

    def fetch(self) -> AccessToken:
        value = BAD[self.bad]
        return AccessToken(value) if self.wrap else value  # type: ignore[return-value]


def _credentials(bad: str) -> dict[str, Any]:
    """Every way a token reaches a client, each handing back ``BAD[bad]``."""

    async def provide_async() -> str:
        return BAD[bad]

    return {
        "callable": lambda: BAD[bad],
        "callable giving an AccessToken": lambda: AccessToken(BAD[bad]),
        "TokenProvider": TokenProvider(lambda: BAD[bad]),
        "async callable": provide_async,
        "custom credential (str)": FromFile(bad, wrap=False),
        "custom credential (AccessToken)": FromFile(bad, wrap=True),
    }


@pytest.mark.parametrize(
    ("mode", "via"),
    [  # an async provider needs AsyncGraphClient
        (mode, via)
        for mode in MODES
        for via in _credentials("NUL")
        if not (mode == "sync" and via == "async callable")
    ],
)
@pytest.mark.parametrize("bad", list(BAD))
def test_a_token_no_header_can_carry_is_refused_before_sending(
    mode: str, bad: str, via: str
) -> None:
    sent: list[httpx.Request] = []
    client = graph_client(mode, lambda r: sent.append(r) or echo(r), token=_credentials(bad)[via])
    for call in (lambda: client.request("POST", "/users/a/sendMail", json={}), client.access_token):
        error = outcome_of(mode, call)
        assert isinstance(error, errors.AuthError), error
        assert error.maybe_processed is False
        assert error.attempts == 0
        assert "cannot send" in str(error)
        text = reachable(error)
        for part in GOOD.split("."):
            assert part not in text
    assert sent == []
    assert client.connected is False


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "NoneType"),
        (b"bytes-token", "bytes"),
        (AccessToken(GOOD, datetime(2030, 1, 1)), "aware datetime"),  # naive on purpose
        (AccessToken(GOOD, 1_900_000_000), "aware datetime"),  # type: ignore[arg-type]
    ],
)
def test_what_is_not_a_token_is_refused_clearly(mode: str, value: Any, problem: str) -> None:
    class Odd(Credential):
        def fetch(self) -> AccessToken:
            return value  # type: ignore[no-any-return]

    sent: list[httpx.Request] = []
    client = graph_client(mode, lambda r: sent.append(r) or echo(r), token=Odd())
    for _ in range(2):  # the second call would compare the expiry of a cached token
        error = outcome_of(mode, lambda: client.request("GET", "/users"))
        assert isinstance(error, errors.AuthError), error
        assert problem in str(error)
    assert sent == []


@pytest.mark.parametrize("mode", MODES)
def test_a_failing_provider_is_told_by_kind_and_place_not_chained(mode: str) -> None:
    def provide() -> str:
        raise KeyError(GOOD)  # e.g. a lookup whose message quotes what it held

    client = graph_client(mode, echo, token=provide)
    error = outcome_of(mode, client.access_token)
    assert isinstance(error, errors.AuthError)
    assert "KeyError" in str(error)
    assert "test_tokens.py" in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None
    assert GOOD.split(".")[1] not in reachable(error)


# ------------------------------------------------------------------ #7 short-lived tokens


@pytest.mark.parametrize(
    ("lifetime", "margin"),
    [
        (None, timedelta(minutes=5)),
        (timedelta(hours=1), timedelta(minutes=5)),
        (timedelta(minutes=10), timedelta(minutes=5)),
        (timedelta(minutes=6), timedelta(minutes=3)),
        (timedelta(seconds=60), timedelta(seconds=30)),
        (timedelta(0), timedelta(0)),
        (timedelta(seconds=-5), timedelta(0)),
    ],
)
def test_the_refresh_margin_scales_with_the_lifetime(
    lifetime: timedelta | None, margin: timedelta
) -> None:
    assert refresh_margin(lifetime) == margin


def test_a_short_lived_token_is_fresh_for_half_its_lifetime() -> None:
    fetched = datetime(2030, 1, 1, tzinfo=UTC)
    token = AccessToken(GOOD, fetched + timedelta(seconds=60))
    life = timedelta(seconds=60)
    assert token.fresh(fetched + timedelta(seconds=29), life)
    assert not token.fresh(fetched + timedelta(seconds=31), life)
    assert not token.fresh(fetched)  # the fixed 5 minutes when the lifetime is unknown


class Counting:
    """A token provider counting its calls; ``lifetime`` seconds per token."""

    def __init__(self, lifetime: float = 60.0) -> None:
        self.calls = 0
        self.lifetime = lifetime
        self._lock = threading.Lock()

    def __call__(self) -> AccessToken:
        with self._lock:
            self.calls += 1
            number = self.calls
        time.sleep(0.05)  # a token request takes a moment: callers pile up behind it
        expires = datetime.now(UTC) + timedelta(seconds=self.lifetime)
        return AccessToken(f"token-{number}", expires)


@pytest.mark.parametrize("mode", MODES)
def test_100_concurrent_calls_with_a_60_s_token_make_one_fetch(mode: str) -> None:
    provider = Counting(lifetime=60)
    client = graph_client(mode, echo, token=provider)
    results = concurrently(mode, 100, lambda: client.request("GET", "/users"))
    assert {result["token"] for result, _ in results} == {"token-1"}
    assert provider.calls == 1


def test_a_short_lived_token_is_refreshed_after_half_its_lifetime() -> None:
    provider = Counting(lifetime=60)
    manager = TokenManager(TokenProvider(provider))
    start = datetime.now(UTC)
    now = [start]
    manager._now = lambda: now[0]
    first = manager.token()
    now[0] = start + timedelta(seconds=25)
    assert manager.token() is first
    now[0] = start + timedelta(seconds=35)
    assert manager.token() is not first
    assert provider.calls == 2


# ------------------------------------------------------------------ #8/#9 shared, bounded fetches


def release_later(started: threading.Event, release: Callable[[], None]) -> None:
    """``release`` 0.3 s after ``started`` is set: the callers, let go together, are all
    waiting by then (8 s at most, should nothing start)."""

    def wait_then_release() -> None:
        started.wait(8.0)
        time.sleep(0.3)
        release()

    threading.Thread(target=wait_then_release, daemon=True).start()


class Stalled:
    """A token source that does not answer until ``release``, then fails (or, with
    ``succeed``, hands out a token). It lets go for good by itself after ``give_up``
    seconds, so that a regression fails the test instead of hanging it."""

    def __init__(self, *, succeed: bool = False, give_up: float = 8.0) -> None:
        self.calls = 0
        self.succeed = succeed
        self.started = threading.Event()
        self.released = threading.Event()
        self.give_up = give_up

    def release(self) -> None:
        self.released.set()

    def __call__(self) -> AccessToken:
        self.calls += 1
        self.started.set()
        self.released.wait(self.give_up)
        self.released.set()
        if not self.succeed:
            raise TimeoutError("the token endpoint did not answer")
        return AccessToken(f"token-{self.calls}", datetime.now(UTC) + timedelta(hours=1))


@pytest.mark.parametrize("mode", MODES)
def test_waiters_share_one_failed_fetch_and_a_later_call_tries_again(mode: str) -> None:
    source = Stalled()
    client = graph_client(mode, echo, token=source)
    release_later(source.started, source.release)
    try:
        results = concurrently(mode, 20, lambda: client.request("GET", "/users"))
    finally:
        source.release()
    errors_seen = [result for result, _ in results]
    assert all(isinstance(e, errors.AuthError) for e in errors_seen), errors_seen
    assert len({str(e) for e in errors_seen}) == 1
    assert str(errors_seen[0]).startswith("the token provider failed: TimeoutError")
    assert len({id(e) for e in errors_seen}) == 20  # each caller its own copy
    assert source.calls == 1
    # The failure is not kept: the next call asks again.
    outcome_of(mode, client.access_token)
    assert source.calls == 2


def _assert_cut_by_the_deadline(results: list[tuple[Any, float]]) -> None:
    for error, took in results:
        # Out of time, not an auth failure: nothing was sent, the client stays connected.
        assert isinstance(error, errors.TimeoutError), error
        assert not isinstance(error, errors.AuthError)
        assert "deadline" in str(error)
        assert "nothing was sent" in str(error)
        assert error.maybe_processed is False
        assert error.attempts == 0
        assert took < 5.0  # the deadline is 0.5 s; the fetch would take 8 s


def test_a_stalled_fetch_holds_no_thread_past_its_deadline() -> None:
    source = Stalled(succeed=True)
    client = graph_client("sync", echo, token=source, retry=RetryPolicy(deadline=0.5))
    try:
        results = concurrently("sync", 20, lambda: client.request("GET", "/users"))
        assert source.calls == 1  # one fetch in flight, however many wait
        _assert_cut_by_the_deadline(results)
    finally:
        source.release()
    # The fetch went on: its token serves the next call, which fetches nothing.
    until = time.monotonic() + 5
    while client._transport.tokens._token is None and time.monotonic() < until:
        time.sleep(0.01)
    assert client.request("GET", "/users") == {"token": "token-1"}
    assert source.calls == 1


async def test_a_stalled_fetch_holds_no_task_past_its_deadline() -> None:
    source = Stalled(succeed=True)
    client = graph_client("async", echo, token=source, retry=RetryPolicy(deadline=0.5))

    async def timed() -> tuple[Any, float]:
        start = time.monotonic()
        try:
            result = await client.request("GET", "/users")
        except Exception as exc:
            result = exc
        return result, time.monotonic() - start

    try:
        results = await asyncio.gather(*(timed() for _ in range(20)))
        assert source.calls == 1
        _assert_cut_by_the_deadline(results)
    finally:
        source.release()
    # The fetch went on (in this loop): the next call waits for it, within its deadline.
    assert await client.request("GET", "/users") == {"token": "token-1"}
    assert source.calls == 1


@pytest.mark.parametrize("mode", MODES)
def test_an_unanswering_token_endpoint_is_asked_once_for_all_waiters(mode: str) -> None:
    arrived, released = threading.Event(), threading.Event()

    def stall(request: httpx.Request) -> httpx.Response:
        arrived.set()
        released.wait(8.0)
        raise httpx.ReadTimeout("timed out", request=request)

    endpoint = TokenEndpoint(stall)
    client = graph_client(
        mode,
        echo,
        tenant_id="t",
        client_id="c",
        client_secret=CLIENT_SECRET,
        auth_http_client=endpoint.client(),
        retry=RetryPolicy(deadline=2),
    )
    release_later(arrived, released.set)  # then the endpoint times out
    try:
        results = concurrently(mode, 20, lambda: client.request("GET", "/users"))
    finally:
        released.set()
    for error, took in results:
        assert isinstance(error, errors.AuthError), error
        assert "could not be reached" in str(error)
        assert took < 5.0
    assert len(endpoint.grants) == 1


async def test_a_cancelled_waiter_does_not_cancel_the_shared_fetch() -> None:
    source = Stalled(succeed=True)
    client = AsyncGraphClient(
        token=source, http_client=httpx.AsyncClient(transport=httpx.MockTransport(echo))
    )
    try:
        impatient = asyncio.create_task(client.request("GET", "/users"))
        patient = asyncio.create_task(client.request("GET", "/users"))
        await asyncio.sleep(0.1)
        impatient.cancel()
        await asyncio.sleep(0.05)
        source.release()
        assert await asyncio.wait_for(patient, 5) == {"token": "token-1"}
        assert impatient.cancelled()
    finally:
        source.release()
    assert source.calls == 1


def test_a_fetch_started_after_the_cache_was_refreshed_fetches_nothing() -> None:
    """A thread finds the cache stale, then loses the processor while another thread's
    fetch refreshes it: its own run must use that token, not fetch again."""
    provider = Counting(lifetime=3600)
    manager = TokenManager(TokenProvider(provider))
    fresh = manager.token()
    assert manager._fetch(None, None) is fresh  # ``None``: what the late thread had seen
    assert provider.calls == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_while_a_fetch_is_in_flight_fetches_its_own() -> None:
    # The run's thread stays in the parent: the child must not wait on it for ever.
    from graphlink import GraphClient

    def provider() -> str:
        time.sleep(1.0)
        return "forked-fetch-token"

    client = GraphClient(
        token=provider,
        http_client=httpx.Client(
            transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"id": "x"}))
        ),
    )
    threading.Thread(target=lambda: client.request("GET", "/users/x"), daemon=True).start()
    time.sleep(0.3)  # the fetch is in flight
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one call, bounded, its result through the pipe
        outcome = b"blocked"
        done = threading.Event()

        def call() -> None:
            nonlocal outcome
            try:
                client.request("GET", "/users/x")
                outcome = b"ok"
            except Exception as exc:
                outcome = type(exc).__name__.encode()
            done.set()

        threading.Thread(target=call, daemon=True).start()
        done.wait(8)
        os.write(write, outcome)
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 100) == b"ok"
    os.close(read)
