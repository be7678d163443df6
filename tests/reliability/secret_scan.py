"""The suite's test secrets, in one place, and the scan the root conftest runs with them.

Every log record (every logger makes its DEBUG records: graphlink's, httpx's, httpcore's,
msal's; other handlers still get only what they would without the scan) and every graphlink
error that reaches a caller during a test (its whole ``__cause__``/``__context__`` chain:
messages, reprs, the attributes they reach, and the locals of the traceback frames from the
first graphlink frame down) is scanned for ``SECRETS`` and ``PATTERNS``. A frame's locals
may hold what the caller holds itself or hands graphlink as the call's arguments (the
token a test passes in); nothing else. Frames of the tests and of ``graphlink.testing``
(FakeGraph) are test code, not graphlink's. A hit fails the test it happened in, with the
record redacted; a hit outside any test fails the session. Records are scanned as they
come and only hits are kept. ``GRAPHLINK_SECRET_SCAN=0`` switches the scan off.

A secret a test uses must be listed here, or in ``UNSCANNABLE`` when it is too short or
too common a word to look for (``test_secrets.py`` greps the tests to enforce this).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import re
import threading
import time
import types
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import graphlink
from graphlink.errors import GraphError

#: This module's own: a client secret and a private key (test_secrets.py uses them).
CLIENT_SECRET = "rel-client-secret-4f9a1c"
PRIVATE_KEY_BODY = "rel-private-key-body-QUJD"
PRIVATE_KEY_PEM = f"-----BEGIN PRIVATE KEY-----\n{PRIVATE_KEY_BODY}\n-----END PRIVATE KEY-----\n"

#: Secrets the tests give graphlink: tokens, client secrets, private keys. Never printed.
SECRETS: tuple[str, ...] = (
    "secret-token-value",  # tests/harness.py: Harness's static token
    "fake-token",  # FakeGraph.client()'s default token
    "s3cr3t-value-never-shown",  # tests/core/test_auth.py
    "very-secret-client-secret",  # tests/core/test_clients.py
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.payload.signature",  # tests/core/test_hostile.py
    "from-file",  # tests/core/test_clients.py: a client secret read from settings
    "async-token",  # tests/core/test_auth.py
    "test-token",
    "s3cret",  # tests/placeos/test_placeos_cli.py: GRAPHLINK_CLIENT_SECRET
    "s3cret-client-state",  # tests/notifications: a subscription's clientState
    "app-token",  # tests/notifications/test_end_to_end.py
    "adapter-tests-only",  # tests/notifications/test_adapters.py: Django's SECRET_KEY
    "eyJ0eXAiOiJKV1QiLCJhbGciOi.payload.signature",  # tests/core/test_clients.py
    CLIENT_SECRET,
    PRIVATE_KEY_BODY,
)

#: Secrets made at run time, found by their shape.
PATTERNS: tuple[tuple[str, str], ...] = (
    # FakeGraph's token endpoint: a fixed JWT-like head and 32 random bytes.
    ("FakeGraph access token", r"eyJ0eXAiOiJKV1QiLCJub25jZSI6ImZha2UifQ\.[A-Za-z0-9_-]{20,}"),
    # tests/harness.py FakeTokenEndpoint: token-1, token-2, ...
    ("FakeTokenEndpoint token", r"(?<![\w-])token-\d+(?![\w-])"),
    ("PEM private key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
)

#: Literals in secret places that cannot be looked for: single letters and common words
#: ("secret" is in every "client_secret=***"), and two that are no secrets (a token with a
#: header injected, refused; a subscription's validation token, echoed back by design).
#: Listed so that each new one is a choice.
UNSCANNABLE: frozenset[str] = frozenset(
    {"", "a", "b", "k", "s", "t", "x", "abc", "static", "first", "second", "other", "evil",
     "nope", "secret", "AAAA", "eyJ0eXAi", "a\r\nX-Evil: 1", "anything", "…", "x\\r\\n",
     "Validation: Testing client application reachability for subscription Request-Id: 1+2"}
)  # fmt: skip

_GRAPHLINK_DIR = str(Path(graphlink.__file__).parent)
# Test code: the tests, and graphlink.testing (FakeGraph plays the server and builds
# clients for the tests, so it holds their tokens by design).
_TEST_DIRS = (
    str(Path(__file__).resolve().parent.parent),
    str(Path(graphlink.__file__).parent / "testing"),
)
_MAX_NODES = 5_000  # objects visited per exception: enough for any error, bounded anyway
_MAX_REPR = 200_000  # characters of one local's repr that are looked at


def _compile() -> re.Pattern[str]:
    parts = [re.escape(s) for s in sorted(SECRETS, key=len, reverse=True)]
    parts += [pattern for _, pattern in PATTERNS]
    return re.compile("|".join(parts))


FINDER = _compile()
# Texts without any of these hold no secret: a cheap test before the regex (long bodies).
_NEEDLES = (*SECRETS, "eyJ0eXAiOiJKV1QiLCJub25jZSI6ImZha2UifQ.", "token-", "PRIVATE KEY-----")


def _maybe(text: str) -> bool:
    return any(needle in text for needle in _NEEDLES)


def find_all(text: str) -> set[str]:
    """Every secret in ``text`` (for comparing, never for showing)."""
    return set(FINDER.findall(text)) if _maybe(text) else set()


def find(text: str) -> str | None:
    """The first secret in ``text``, redacted with its context; ``None`` when there is none."""
    if not _maybe(text):
        return None
    match = FINDER.search(text)
    if match is None:
        return None
    return redact(text[max(0, match.start() - 120) : match.end() + 120])


def redact(text: str) -> str:
    """``text`` with every secret replaced by its name in the list (``<secret #3>``)."""

    def name(match: re.Match[str]) -> str:
        value = match.group(0)
        if value in SECRETS:
            return f"<secret #{SECRETS.index(value)}>"
        for label, pattern in PATTERNS:
            if re.fullmatch(pattern, value):
                return f"<{label}>"
        return "<secret>"

    return FINDER.sub(name, text)


# ------------------------------------------------------------------ exceptions


def chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and every exception it reaches through ``__cause__`` and ``__context__``."""
    seen: set[int] = set()
    todo = [error]
    while todo:
        exc = todo.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        yield exc
        todo += [e for e in (exc.__cause__, exc.__context__) if e is not None]
        if isinstance(exc, BaseExceptionGroup):
            todo += list(exc.exceptions)


def _texts(value: object, budget: list[int], seen: set[int], depth: int) -> Iterator[str]:
    """The text reachable from ``value`` (strings, bytes, request and response bodies)."""
    if budget[0] <= 0 or id(value) in seen:
        return
    budget[0] -= 1
    seen.add(id(value))
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes | bytearray | memoryview):
        yield bytes(value).decode("latin-1")
    elif isinstance(value, httpx.Request):
        yield str(value.url)
        yield repr(value.headers.raw)
        content = getattr(value, "_content", None)
        if content is None:
            content = getattr(value.stream, "_stream", None)
        if isinstance(content, bytes):
            yield content.decode("latin-1")
    elif isinstance(value, httpx.Response):
        yield repr(value.headers.raw)
        content = getattr(value, "_content", None)
        if isinstance(content, bytes):
            yield content.decode("latin-1")
        yield from _texts(getattr(value, "_request", None), budget, seen, depth + 1)
    elif depth >= 4 or value is None or isinstance(value, int | float | bool | type):
        return
    elif isinstance(value, Mapping):
        for key, item in list(value.items())[:1000]:
            yield from _texts(key, budget, seen, depth + 1)
            yield from _texts(item, budget, seen, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in list(value)[:1000]:
            yield from _texts(item, budget, seen, depth + 1)
    elif isinstance(value, types.FrameType | types.TracebackType | types.ModuleType):
        return  # frames are read by _frames, from the first graphlink frame only
    elif isinstance(value, BaseException):
        return  # reached through chain() when it is a cause or context
    else:
        attributes = getattr(value, "__dict__", None)
        if isinstance(attributes, dict):
            yield from _texts(attributes, budget, seen, depth + 1)
        for slot in getattr(type(value), "__slots__", ()):
            if isinstance(slot, str):
                yield from _texts(getattr(value, slot, None), budget, seen, depth + 1)


def _frames(error: BaseException) -> tuple[list[types.FrameType], list[types.FrameType]]:
    """The traceback's frames above the first graphlink frame (the caller's), and those
    from it down, the tests' own left out (a test's fake server holds secrets by design)."""
    caller: list[types.FrameType] = []
    inside: list[types.FrameType] = []
    tb = error.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        filename = frame.f_code.co_filename
        test_code = filename.startswith(_TEST_DIRS)
        if inside or (filename.startswith(_GRAPHLINK_DIR) and not test_code):
            if not test_code:
                inside.append(frame)
        else:
            caller.append(frame)
        tb = tb.tb_next
    return caller, inside


Memo = dict[int, str]


def _safe_repr(value: object) -> str:
    try:
        return repr(value)[:_MAX_REPR]
    except Exception as exc:  # a repr that fails shows nothing
        return f"<repr failed: {type(exc).__name__}>"


def _local_text(value: object, memo: Memo) -> str:
    """A local as ``capture_locals`` shows it; each object's repr made once per scan (a
    large attachment is in many frames)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    text = memo.get(id(value))
    if text is None:
        text = memo[id(value)] = _safe_repr(value)
    return text


def _arguments(frame: types.FrameType) -> list[object]:
    """The values a frame's function was called with (``self`` and ``cls`` left out)."""
    code = frame.f_code
    count = code.co_argcount + code.co_kwonlyargcount
    count += bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
    names = [n for n in code.co_varnames[:count] if n not in ("self", "cls")]
    return [frame.f_locals.get(name) for name in names]


def _known_to_caller(
    caller: list[types.FrameType], inside: list[types.FrameType], memo: Memo
) -> set[str]:
    """The secrets the caller holds itself: in its frames' locals, in the module globals
    their code names (a test's ``SECRET``), or handed to graphlink as the arguments of
    the call (``GraphClient(token=read_token())``). graphlink's frames holding the same
    ones reveal nothing more."""
    values: list[object] = [v for frame in caller for v in list(frame.f_locals.values())]
    values += [
        value
        for frame in caller
        for name in frame.f_code.co_names
        if isinstance(value := frame.f_globals.get(name), str)
    ]
    if inside:
        values += _arguments(inside[0])
    known: set[str] = set()
    for value in values:
        known |= find_all(_local_text(value, memo))
    return known


def exception_texts(
    error: BaseException, memo: Memo | None = None
) -> Iterator[tuple[str, str, bool]]:
    """``(where, text, in_a_frame)`` for everything an error shows or reaches: each
    exception of its chain (message, repr, attributes) and the locals of its graphlink
    frames and below as ``repr`` shows them (what
    ``traceback.TracebackException(capture_locals=True)`` prints)."""
    memo = {} if memo is None else memo
    for exc in chain(error):
        kind = type(exc).__name__
        yield kind, _safe_repr(exc), False
        with contextlib.suppress(Exception):  # a __str__ that fails shows nothing
            yield kind, str(exc), False
        budget = [_MAX_NODES]
        for text in _texts(getattr(exc, "__dict__", {}), budget, set(), 0):
            yield f"{kind} attributes", text, False
        for frame in _frames(exc)[1]:
            where = f"{kind} frame {frame.f_code.co_name} ({Path(frame.f_code.co_filename).name})"
            for name, value in list(frame.f_locals.items()):
                yield f"{where} local {name!r}", _local_text(value, memo), True


def surfaced(error: BaseException) -> bool:
    """Whether an error reached graphlink's caller: raised through a caller's frame, or
    never raised (handed back as a value, e.g. by ``create_many``). One raised and caught
    inside graphlink (a shared failure's original, say) reaches no caller on its own."""
    return error.__traceback__ is None or bool(_frames(error)[0])


def scan_exception(error: BaseException, memo: Memo | None = None) -> list[str]:
    """Every place ``error`` reaches a secret, redacted (empty when it reaches none).

    Messages, reprs and attributes must hold none; a frame's locals none beyond what the
    caller's own frames hold (see ``_known_to_caller``). ``memo`` shares reprs between the
    errors of one scan (their objects are alive meanwhile, so ids are not reused)."""
    memo = {} if memo is None else memo
    known = _known_to_caller(*_frames(error), memo)
    hits = []
    for where, text, in_frame in exception_texts(error, memo):
        if in_frame and find_all(text) <= known:
            continue
        found = find(text)
        if found is not None:
            hits.append(f"{where}: {found}")
    return hits


# ------------------------------------------------------------------ the session scan


@dataclass
class Leak:
    """One place a secret was found, redacted."""

    nodeid: str
    what: str


class Scanner(logging.Handler):
    """A logging handler that scans every record, and a record of graphlink's errors."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.leaks: list[Leak] = []
        self.pending: list[Leak] = []
        self.errors: list[BaseException] = []
        self.records = 0
        self.scanned_errors = 0
        self.seconds = 0.0  # spent scanning (records and errors), for the summary
        self.nodeid = "<session>"
        self._guard = threading.Lock()  # not the handler's own lock: emit() holds that

    def emit(self, record: logging.LogRecord) -> None:
        """Scan one record: its message, and the exception it carries."""
        started = time.perf_counter()
        self.records += 1
        try:
            text = record.getMessage()
        except Exception:
            text = str(record.msg)
        found = find(text)
        if found is not None:
            self._leak(f"log record {record.name}:{record.levelname}: {found}")
        if record.exc_info and record.exc_info[1] is not None:
            for hit in scan_exception(record.exc_info[1]):
                self._leak(f"log record {record.name}:{record.levelname} exc_info: {hit}")
        self.seconds += time.perf_counter() - started

    def _leak(self, what: str) -> None:
        with self._guard:
            self.pending.append(Leak(self.nodeid, what))

    def saw(self, error: BaseException) -> None:
        """Keep a graphlink error made during the current test, to scan when it ends."""
        with self._guard:
            self.errors.append(error)

    def settle(self, extra: Iterable[BaseException] = ()) -> list[Leak]:
        """Scan the errors kept so far (and ``extra``); hand back and forget the hits."""
        started = time.perf_counter()
        with self._guard:
            errors, self.errors = [*self.errors, *extra], []
        # An error another one chains to is scanned as part of that chain, with what the
        # outer error's caller knows.
        seen = {id(e) for error in errors for e in list(chain(error))[1:]}
        memo: Memo = {}
        for error in errors:
            if id(error) in seen or not surfaced(error):
                continue
            seen.add(id(error))
            self.scanned_errors += 1
            for hit in scan_exception(error, memo):
                self._leak(f"{type(error).__name__} raised by graphlink: {hit}")
        with self._guard:
            found, self.pending = self.pending, []
        self.leaks += found
        self.seconds += time.perf_counter() - started
        return found


SCANNER = Scanner()


def _recording_new(cls: type[BaseException], *args: object, **kwargs: object) -> Any:
    # The next __new__ in the MRO: OSError's for graphlink's TimeoutError.
    error = super(GraphError, cls).__new__(cls, *args, **kwargs)  # type: ignore[misc]
    SCANNER.saw(error)
    return error


class Plugin:
    """The pytest side: install the scan, judge each test, fail the session on leaks."""

    enabled_for: Any
    call_handlers: Any

    def install(self) -> None:
        """Make every logger make its DEBUG records and hand each to the scanner first.

        The loggers' levels are left as they are: a record is passed on to the other
        handlers (pytest's capture, caplog) only when its logger would have made it, so
        they see exactly what they would without the scan (and keep no DEBUG records).
        """
        enabled_for = self.enabled_for = logging.Logger.isEnabledFor
        call_handlers = self.call_handlers = logging.Logger.callHandlers

        def is_enabled_for(logger: logging.Logger, level: int) -> bool:
            return level >= logging.DEBUG and level > logger.manager.disable

        def scan_then_call(logger: logging.Logger, record: logging.LogRecord) -> None:
            SCANNER.handle(record)
            if enabled_for(logger, record.levelno):
                call_handlers(logger, record)

        logging.Logger.isEnabledFor = is_enabled_for  # type: ignore[method-assign,assignment]
        logging.Logger.callHandlers = scan_then_call  # type: ignore[method-assign,assignment]
        GraphError.__new__ = staticmethod(_recording_new)  # type: ignore[method-assign]

    def uninstall(self) -> None:
        """Put logging and GraphError back as they were."""
        logging.Logger.isEnabledFor = self.enabled_for  # type: ignore[method-assign]
        logging.Logger.callHandlers = self.call_handlers  # type: ignore[method-assign]
        if "__new__" in GraphError.__dict__:
            del GraphError.__new__

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Scan what the phase raised and logged; a leak fails the test, redacted (an
        expected failure, ``xfail``, is left as it is: its leak is the known defect)."""
        report = yield
        extra = []
        if call.excinfo is not None:
            extra = [e for e in chain(call.excinfo.value) if isinstance(e, GraphError)]
        leaks = SCANNER.settle(extra)
        SCANNER.nodeid = item.nodeid if call.when != "teardown" else "<between tests>"
        if leaks and not hasattr(report, "wasxfail"):
            text = "\n".join(f"  {leak.what}" for leak in leaks)
            title = f"a test secret reached a log record or an error ({call.when})"
            if report.failed:  # keep the test's own failure; add the leak to it
                report.sections.append((title, text))
            else:
                report.outcome = "failed"
                report.longrepr = f"{title}:\n{text}"
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        SCANNER.nodeid = item.nodeid

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        SCANNER.nodeid = "<session end>"
        outside = [leak for leak in SCANNER.settle() if leak.nodeid.startswith("<")]
        if outside and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        leaks = SCANNER.leaks
        terminalreporter.write_sep("-", "secret scan")
        terminalreporter.write_line(
            f"{SCANNER.records} log records and {SCANNER.scanned_errors} graphlink errors "
            f"scanned for {len(SECRETS)} secrets and {len(PATTERNS)} patterns in "
            f"{SCANNER.seconds:.1f} s: {len(leaks)} leak(s)"
        )
        for leak in leaks[:50]:
            terminalreporter.write_line(f"{leak.nodeid}: {leak.what}"[:2000])


def enabled() -> bool:
    """Whether the scan runs (``GRAPHLINK_SECRET_SCAN=0`` switches it off)."""
    return os.environ.get("GRAPHLINK_SECRET_SCAN", "1") != "0"
