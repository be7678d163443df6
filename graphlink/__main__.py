"""``python -m graphlink``: command-line entry points.

``python -m graphlink demo`` runs the guided tour (offline, on FakeGraph).
``python -m graphlink fake-server [--port N] [--empty]`` serves FakeGraph on 127.0.0.1.
``python -m graphlink driver COMMAND [--ARG VALUE ...] [--settings FILE | --demo]`` runs
one PlaceOS driver command and prints its JSON (``driver --help`` lists the commands).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["driver"]:  # its own parser: the commands come from the driver
        from graphlink.placeos._cli import main as driver

        return driver(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m graphlink")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="a guided tour of graphlink on an in-memory Microsoft Graph")
    sub.add_parser(
        "driver",
        help="run one PlaceOS Graph driver command, print its JSON (driver --help: the commands)",
        add_help=False,
    )
    server = sub.add_parser("fake-server", help="serve FakeGraph on 127.0.0.1 until Ctrl-C")
    server.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    server.add_argument("--empty", action="store_true", help="no demo organisation")
    server.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from graphlink._demo import main as demo

        return demo()
    import threading

    from graphlink.testing import FakeGraph

    fake = FakeGraph(latency=args.latency) if args.empty else FakeGraph.demo()
    fake.latency = args.latency
    with fake.serve(args.port) as base_url:
        print(base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
