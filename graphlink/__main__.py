"""``python -m graphlink``: command-line entry points.

``python -m graphlink demo`` runs the guided tour (offline, on FakeGraph).
``python -m graphlink fake [--host H] [--port N] [--demo | --seed FILE] [--latency MS]
[--throttle RATE/SECONDS] [--concurrency N]`` serves FakeGraph until interrupted, its base
URL the first line of stdout (docs/emulator.md). ``fake-server`` is its deprecated former
name (the demo tenant by default, ``--empty``, ``--latency`` in seconds).
``python -m graphlink driver COMMAND [--ARG VALUE ...] [--settings FILE | --demo]`` runs
one PlaceOS driver command and prints its JSON (``driver --help`` lists the commands).
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphlink.testing import FakeGraph

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["driver"]:  # its own parser: the commands come from the driver
        from graphlink.placeos._cli import main as driver

        return driver(argv[1:])
    parser, fake_parser = _parsers()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from graphlink._demo import main as demo

        return demo()
    with _stopped_by_signals() as stop:  # from here on, SIGINT and SIGTERM end it cleanly
        return _fake(args, fake_parser, stop)


def _fake(
    args: argparse.Namespace, fake_parser: argparse.ArgumentParser, stop: threading.Event
) -> int:
    """Build the FakeGraph the command line asks for and serve it until ``stop``."""
    from graphlink.testing import FakeGraph, SnapshotError

    if args.command == "fake-server":
        print("warning: 'fake-server' is deprecated: use 'fake --demo'", file=sys.stderr)
        fake = FakeGraph() if args.empty else FakeGraph.demo()
        fake.latency = args.latency
        return _serve(fake, "127.0.0.1", args.port, stop)
    if args.demo:
        fake = FakeGraph.demo()
    elif args.seed is None:
        fake = FakeGraph()
    else:
        try:
            fake = FakeGraph.load(args.seed)
        except (OSError, SnapshotError) as exc:
            fake_parser.error(f"argument --seed: {exc}")
    fake.latency = args.latency
    fake.mailbox_rate = args.throttle
    fake.mailbox_concurrency = args.concurrency
    if not _is_loopback(args.host):
        print(
            f"warning: FakeGraph checks no credentials (any bearer token is accepted): on "
            f"{args.host} anyone who can reach the port can read and change its data",
            file=sys.stderr,
        )
    return _serve(fake, args.host, args.port, stop)


def _parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The whole command line's parser, and the ``fake`` command's."""
    parser = argparse.ArgumentParser(prog="python -m graphlink")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="a guided tour of graphlink on an in-memory Microsoft Graph")
    sub.add_parser(
        "driver",
        help="run one PlaceOS Graph driver command, print its JSON (driver --help: the commands)",
        add_help=False,
    )
    fake = sub.add_parser(
        "fake",
        help="serve FakeGraph, an in-memory Microsoft Graph, until Ctrl-C",
        description="Serve FakeGraph over HTTP until interrupted (Ctrl-C, SIGTERM). The first "
        "line of stdout is the base URL (http://127.0.0.1:PORT/v1.0); any bearer token is "
        "accepted. An empty tenant unless --demo or --seed.",
    )
    fake.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    fake.add_argument("--port", type=_port, default=0, help="port (default: a free one)")
    tenant = fake.add_mutually_exclusive_group()
    tenant.add_argument("--demo", action="store_true", help="the demo organisation (Contoso)")
    tenant.add_argument("--seed", metavar="FILE", help="a snapshot written by FakeGraph.dump()")
    fake.add_argument(
        "--latency", type=_milliseconds, default=0.0, metavar="MS", help="added to every request"
    )
    fake.add_argument(
        "--throttle",
        type=_throttle,
        metavar="RATE/SECONDS",
        help="requests allowed per mailbox in a sliding window, then 429 with Retry-After "
        "(Graph's limit: 10000/600); default: no limit",
    )
    fake.add_argument(
        "--concurrency",
        type=_concurrency,
        default=4,
        metavar="N",
        help="requests one mailbox may have in flight before a 429 (default: 4, as Graph; "
        "'off': no limit)",
    )
    old = sub.add_parser("fake-server", help="deprecated: use 'fake --demo'")
    old.add_argument("--port", type=_port, default=0, help="port (default: a free one)")
    old.add_argument("--empty", action="store_true", help="no demo organisation")
    old.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    return parser, fake


@contextmanager
def _stopped_by_signals() -> Iterator[threading.Event]:
    """An event SIGINT and SIGTERM set (no KeyboardInterrupt), the handlers restored after."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():  # else signals are not ours
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(fake: FakeGraph, host: str, port: int, stop: threading.Event) -> int:
    """Serve until ``stop`` is set; the base URL is stdout's first line.

    A port in use or a host that cannot be bound is exit status 1, said in one line.
    Interrupted already (while a large seed loaded), it never prints a URL.
    """
    if stop.is_set():
        return 0
    with ExitStack() as stack:
        try:
            base_url = stack.enter_context(fake.serve(port, host))
        except OSError as exc:  # EADDRINUSE, EADDRNOTAVAIL, an unknown host name
            reason = exc.strerror or str(exc)
            print(
                f"python -m graphlink: error: cannot listen on {host} port {port}: {reason}",
                file=sys.stderr,
            )
            return 1
        print(base_url, flush=True)
        print(
            f"{fake!r} serving at {base_url} (any bearer token is accepted); Ctrl-C to stop",
            file=sys.stderr,
            flush=True,
        )
        stop.wait()
    return 0


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text!r}")
    return port


def _milliseconds(text: str) -> float:
    """``--latency``: milliseconds in, FakeGraph's seconds out."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected milliseconds >= 0, got {text!r}")
    return value / 1000


def _throttle(text: str) -> tuple[int, float]:
    """``--throttle RATE/SECONDS``: FakeGraph's ``mailbox_rate``."""
    rate, slash, window = text.partition("/")
    try:
        requests, seconds = int(rate), float(window)
    except ValueError:
        requests, seconds = 0, math.nan
    if not (slash and requests >= 1 and math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(
            f"expected RATE/SECONDS (a whole number of requests >= 1 per a number of seconds "
            f"> 0, e.g. 10000/600), got {text!r}"
        )
    return requests, seconds


def _concurrency(text: str) -> int | None:
    """``--concurrency N`` (``off``: no limit): FakeGraph's ``mailbox_concurrency``."""
    if text.lower() == "off":
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1 or 'off', got {text!r}")
    return value


if __name__ == "__main__":
    sys.exit(main())
