"""No test secret is reachable from a log record or a graphlink error (issue 14).

The session-wide scan (``secret_scan``, installed by ``tests/conftest.py``) checks every
test of the suite; this module checks the scan itself (it is on, it finds and redacts, it
knows every secret the tests use), and provokes the failures where a secret is closest at
hand: token requests that fail every way, over an in-process transport and over real
loopback sockets (httpcore's DEBUG log), each error's whole chain rendered with
``traceback.TracebackException(capture_locals=True)``.
"""

from __future__ import annotations

import ast
import asyncio
import logging
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness import FakeTokenEndpoint

import graphlink
from graphlink import AsyncGraphClient, GraphClient, errors
from graphlink._core.paths import segment
from graphlink.testing import FakeGraph
from reliability.secret_scan import (
    CLIENT_SECRET,
    PATTERNS,
    PRIVATE_KEY_PEM,
    SCANNER,
    SECRETS,
    UNSCANNABLE,
    Scanner,
    enabled,
    find,
    redact,
    scan_exception,
)

TESTS = Path(__file__).resolve().parent.parent
LOGIN = "https://login.microsoftonline.com"


@contextmanager
def quarantined() -> Iterator[None]:
    """Errors made inside are kept from the session scan (a deliberate leak, for checks)."""
    before = len(SCANNER.errors)
    try:
        yield
    finally:
        del SCANNER.errors[before:]


def _secret_of(kind: str) -> str:
    """A secret, built where the caller's frame cannot see it."""
    return {"client": CLIENT_SECRET, "pem": PRIVATE_KEY_PEM}[kind]


# ------------------------------------------------------------------ the scan itself


scan_on = pytest.mark.skipif(
    not enabled(), reason="the secret scan is off (GRAPHLINK_SECRET_SCAN=0)"
)


@scan_on
def test_the_scan_is_on_and_sees_debug_records(caplog: pytest.LogCaptureFixture) -> None:
    before = SCANNER.records
    logging.getLogger("graphlink").debug("a harmless debug record")
    logging.getLogger("httpcore.connection").debug("another")
    assert SCANNER.records == before + 2
    # Other handlers see what they would without the scan: no DEBUG record unless asked.
    assert caplog.records == []
    with caplog.at_level(logging.DEBUG, logger="graphlink"):
        logging.getLogger("graphlink").debug("asked for")
    assert [r.getMessage() for r in caplog.records] == ["asked for"]


def test_find_and_redact_name_the_secret_without_showing_it() -> None:
    for index, secret in enumerate(SECRETS):
        text = f"Authorization: Bearer {secret} (end)"
        found = find(text)
        assert found is not None
        assert secret not in found
        assert f"<secret #{index}>" in found
    assert find("GET /v1.0/users/a -> 200 (attempt 1, 3.2 ms)") is None
    fake = FakeGraph()
    token = fake.issue_token()
    assert redact(f"x {token} y") == "x <FakeGraph access token> y"
    assert find("-----BEGIN RSA PRIVATE KEY-----") == "<PEM private key>"


def test_a_record_with_a_secret_is_a_leak_redacted() -> None:
    scanner = Scanner()  # not the session's: this leak is on purpose
    record = logging.LogRecord(
        "httpx", logging.DEBUG, __file__, 1, "form %s", (f"client_secret={CLIENT_SECRET}",), None
    )
    scanner.handle(record)
    leaks = scanner.settle()
    assert len(leaks) == 1
    assert CLIENT_SECRET not in leaks[0].what
    assert "client_secret=<secret #" in leaks[0].what


def _graphlink_probe() -> Callable[[Callable[[], str]], None]:
    """A function whose frames count as graphlink's (its code says it lives there): it
    keeps what ``make`` gives in a local of a frame below its own, then raises."""
    source = (
        "def probe(make):\n"
        "    return below(make)\n"
        "def below(make):\n"
        "    value = make()\n"
        "    raise ValidationError('refused')\n"
    )
    namespace: dict[str, Any] = {"ValidationError": errors.ValidationError}
    exec(compile(source, str(Path(graphlink.__file__).parent / "_probe.py"), "exec"), namespace)
    probe: Callable[[Callable[[], str]], None] = namespace["probe"]
    return probe


def test_a_secret_in_a_graphlink_frame_or_a_chained_request_is_found() -> None:
    scanner = Scanner()
    probe = _graphlink_probe()
    with quarantined():
        with pytest.raises(errors.ValidationError) as info:
            probe(lambda: _secret_of("client"))
        leaked = info.value
        request = httpx.Request("POST", "https://login.example/t", data={"s": _secret_of("client")})
        chained = errors.AuthError("token request failed")
        chained.__context__ = httpx.ConnectError("refused", request=request)
    assert any("local 'value'" in hit for hit in scan_exception(leaked))
    hits = scan_exception(chained)
    assert hits
    assert all(CLIENT_SECRET not in hit for hit in hits)
    scanner.saw(leaked)
    assert scanner.settle()


def test_what_the_caller_holds_or_hands_over_is_not_a_leak() -> None:
    secret = _secret_of("client")  # the caller's own local: graphlink shows nothing more
    with quarantined(), pytest.raises(errors.ValidationError) as info:
        segment(secret + "\n")
    assert scan_exception(info.value) == []
    del secret
    with quarantined(), pytest.raises(errors.ValidationError) as info:
        GraphClient(token=_secret_of("client") + "\n")  # an argument of the call
    assert scan_exception(info.value) == []


# ------------------------------------------------------------------ every secret is known

_LIT = r"""f?(?:"([^"\n]*)"|'([^'\n]*)')"""
_NAMES = r"(?:client_secret|token|access_token|private_key|password|passphrase)"
_SOURCES = [
    rf"\b{_NAMES}\s*=\s*{_LIT}",  # keyword arguments and assignments
    rf"""["']{_NAMES}["']\s*:\s*{_LIT}""",  # dict entries
    rf"\b[A-Z_]*(?:SECRET|TOKEN|PASSWORD|PRIVATE_KEY)[A-Z_]*\s*(?::\s*[\w\[\], .]+)?=\s*{_LIT}",
    rf"\b(?:AccessToken|StaticToken)\(\s*{_LIT}",
    rf"\bClientSecret\(\s*{_LIT}\s*,\s*{_LIT}\s*,\s*{_LIT}",
    rf"\bregister_app\(\s*{_LIT}\s*,\s*{_LIT}",
    rf"""\bsetenv\(\s*["']GRAPHLINK_CLIENT_SECRET["']\s*,\s*{_LIT}""",
]
_BEARER = re.compile(r"Bearer ([^\s\"'{}]+)")
_PEM_BODY = re.compile(r"PRIVATE KEY-----\\n([A-Za-z0-9+/=]+)\\n")


def _value(match: re.Match[str]) -> str | None:
    """The secret a match found: its last literal, unescaped; None for an f-string."""
    index = max(i for i, g in enumerate(match.groups(), 1) if g is not None)
    raw = match.group(index)
    if match.re in (_BEARER, _PEM_BODY):
        return raw
    quote = match.string[match.start(index) - 1]
    if match.string[match.start(index) - 2] == "f":
        return None  # an f-string: the tokens it makes are found by PATTERNS
    try:
        value = ast.literal_eval(quote + raw + quote)
    except (SyntaxError, ValueError):
        return raw
    if "PRIVATE KEY-----" in value:  # a whole PEM: its body is the secret
        body = re.search(r"PRIVATE KEY-----\n(.*?)\n", value, re.S)
        return body.group(1) if body else value
    return str(value)


def secret_literals() -> dict[str, list[str]]:
    """Every literal the tests use as a secret, with where (``file:line``)."""
    found: dict[str, list[str]] = {}
    patterns = [re.compile(p) for p in _SOURCES] + [_BEARER, _PEM_BODY]
    for file in sorted(TESTS.rglob("*.py")):
        if file == Path(__file__).resolve():
            continue  # this module's own regexes look like secrets to themselves
        text = file.read_text(encoding="utf-8")
        for pattern in patterns:
            for match in pattern.finditer(text):
                value = _value(match)
                if value is None:
                    continue
                line = text.count("\n", 0, match.start()) + 1
                found.setdefault(value, []).append(f"{file.relative_to(TESTS)}:{line}")
    return found


def _known(value: str) -> bool:
    return (
        value in SECRETS or value in UNSCANNABLE or any(re.fullmatch(p, value) for _, p in PATTERNS)
    )


def test_every_secret_literal_of_the_tests_is_in_the_list() -> None:
    found = secret_literals()
    assert CLIENT_SECRET in found  # the grep does find literals
    unknown = sorted(where for value, where in found.items() if not _known(value))
    if unknown:  # where, never the value (no assert: its report would print them)
        pytest.fail(
            f"secrets the scan does not know, at {unknown}: add each to SECRETS (or, if too "
            "short or common a word to look for, to UNSCANNABLE) in secret_scan.py"
        )


def test_the_lists_hold_no_stale_entries() -> None:
    found = secret_literals()
    stale = [i for i, s in enumerate(SECRETS) if s not in found]
    assert stale == [], f"SECRETS entries no test uses: #{stale}"
    assert sorted(UNSCANNABLE - set(found)) == []


def test_patterns_match_what_the_fakes_issue() -> None:
    endpoint = FakeTokenEndpoint()
    client = GraphClient(
        tenant_id="t",
        client_id="c",
        client_secret=CLIENT_SECRET,
        http_client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200))),
        auth_http_client=endpoint.client(),
    )
    issued = client.access_token().token
    assert any(re.fullmatch(p, issued) for _, p in PATTERNS)
    assert any(re.fullmatch(p, FakeGraph().issue_token()) for _, p in PATTERNS)


# ------------------------------------------------------------------ auth failures

Failure = Callable[[httpx.Request], httpx.Response]


def _token_endpoint(fail: Failure) -> Failure:
    """Entra ID's endpoints as msal calls them, the token request answered by ``fail``."""
    endpoint = FakeTokenEndpoint()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/v2.0/token"):
            return fail(request)
        return endpoint(request)

    return handler


def _raise(exc: type[httpx.TransportError]) -> Failure:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc("the token endpoint failed", request=request)

    return fail


FAILURES: dict[str, Failure] = {
    "connect": _raise(httpx.ConnectError),
    "timeout": _raise(httpx.ReadTimeout),
    "reset": _raise(httpx.RemoteProtocolError),
    "invalid_client": lambda r: httpx.Response(
        401, json={"error": "invalid_client", "error_description": "AADSTS7000215: bad secret"}
    ),
    "server_error": lambda r: httpx.Response(500, text="<html>upstream failed</html>"),
    "malformed": lambda r: httpx.Response(200, content=b'{"access_token": '),
    "no_token": lambda r: httpx.Response(200, json={"token_type": "Bearer"}),
    "discovery_down": lambda r: httpx.Response(200),  # replaced below: discovery fails
}


def _handler(kind: str) -> Failure:
    if kind == "discovery_down":
        return _raise(httpx.ConnectError)
    return _token_endpoint(FAILURES[kind])


def _client(mode: str, kind: str, credential: str) -> Any:
    """A client whose token request fails as ``kind`` says; built here so that the test's
    frame never holds the secret (what ``capture_locals`` shows must come from graphlink)."""
    graph = httpx.MockTransport(lambda r: httpx.Response(200, json={}))
    secret: dict[str, Any] = (
        {"client_secret": _secret_of("client")}
        if credential == "secret"
        else {"client_certificate": {"private_key": _secret_of("pem"), "thumbprint": "AB" * 20}}
    )
    common = {
        "tenant_id": "contoso.onmicrosoft.com",
        "client_id": "app-id",
        "auth_http_client": httpx.Client(transport=httpx.MockTransport(_handler(kind))),
        **secret,
    }
    if mode == "sync":
        return GraphClient(http_client=httpx.Client(transport=graph), **common)
    return AsyncGraphClient(http_client=httpx.AsyncClient(transport=graph), **common)


def _fail(mode: str, client: Any) -> BaseException:
    async def call() -> None:
        await client.request("POST", "/users/a/sendMail", json={})

    def run() -> None:
        if mode == "sync":
            client.request("POST", "/users/a/sendMail", json={})
        else:
            asyncio.run(call())

    with pytest.raises(errors.GraphError) as info:
        run()
    return info.value


def _assert_nothing_reachable(error: BaseException) -> None:
    rendered = "".join(
        traceback.TracebackException.from_exception(error, capture_locals=True).format()
    )
    hit = find(rendered)
    assert hit is None, f"the rendered chain (capture_locals=True) shows a secret: {hit}"
    assert scan_exception(error) == []


@pytest.mark.parametrize("kind", list(FAILURES))
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_failed_token_request_reaches_no_secret(mode: str, kind: str) -> None:
    error = _fail(mode, _client(mode, kind, "secret"))
    assert isinstance(error, errors.AuthError)
    _assert_nothing_reachable(error)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_private_key_msal_cannot_use_reaches_no_secret(mode: str) -> None:
    # msal signs the client assertion with the key before any request: it fails there.
    error = _fail(mode, _client(mode, "invalid_client", "certificate"))
    assert isinstance(error, errors.AuthError | errors.ValidationError)
    _assert_nothing_reachable(error)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_token_refused_by_graph_reaches_no_secret(mode: str) -> None:
    """The token is good, Graph says 401 twice (refresh, retry): the error shows neither."""
    graph = httpx.MockTransport(
        lambda r: httpx.Response(401, json={"error": {"code": "InvalidAuthenticationToken"}})
    )
    common: dict[str, Any] = {
        "tenant_id": "t",
        "client_id": "c",
        "client_secret": _secret_of("client"),
        "auth_http_client": FakeTokenEndpoint().client(),
    }
    client = (
        GraphClient(http_client=httpx.Client(transport=graph), **common)
        if mode == "sync"
        else AsyncGraphClient(http_client=httpx.AsyncClient(transport=graph), **common)
    )
    error = _fail(mode, client)
    assert isinstance(error, errors.AuthenticationError)
    _assert_nothing_reachable(error)


@scan_on
def test_token_requests_over_sockets_log_no_secret() -> None:
    """msal's token requests and Graph calls over real loopback connections (httpcore logs
    at DEBUG): the session scan sees those records; none holds a secret."""
    fake = FakeGraph(check_tokens=True)
    fake.add_user("ada@contoso.com")
    fake.register_app("app-id", CLIENT_SECRET)
    before = SCANNER.records
    with fake.serve() as root:
        origin = root.rsplit("/v1.0", 1)[0]

        class ToLoopback(httpx.HTTPTransport):
            """msal's requests for login.microsoftonline.com go to the fake, over a socket;
            the links in its answers say https://login.microsoftonline.com (msal wants
            https)."""

            def handle_request(self, request: httpx.Request) -> httpx.Response:
                request.url = httpx.URL(origin + request.url.raw_path.decode())
                request.headers["Host"] = request.url.netloc.decode()
                response = super().handle_request(request)
                body = response.read().replace(origin.encode(), LOGIN.encode())
                headers = [(k, v) for k, v in response.headers.items() if k != "content-length"]
                return httpx.Response(response.status_code, headers=headers, content=body)

        with httpx.Client(transport=ToLoopback()) as auth, httpx.Client() as http:
            client = GraphClient(
                tenant_id=fake.tenant_id,
                client_id="app-id",
                client_secret=_secret_of("client"),
                base_url=root,
                http_client=http,
                auth_http_client=auth,
            )
            assert client.users.get("ada@contoso.com").mail == "ada@contoso.com"
            fake.register_app("app-id", CLIENT_SECRET[::-1])  # now the secret is wrong
            fake.expire_tokens()
            with pytest.raises(errors.GraphError) as info:
                client.users.get("ada@contoso.com")
    assert SCANNER.records > before + 10  # httpcore's records were made and scanned
    assert SCANNER.pending == [], "a log record or error of this test holds a secret"
    _assert_nothing_reachable(info.value)
