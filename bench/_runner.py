"""The runner: every measurement at the mode's sizes, one table, one JSON file.

Modes: full (the default: issue 15's sizes, the longest), ``--quick`` (minutes) and
``--smoke`` (graphlink only, tiny sizes, no competitors, no network, well under a minute:
CI runs it so that no measurement's code can rot). A measurement that raises fails the
run (exit 1) after the others have run; figures never do.
"""

from __future__ import annotations

import argparse
import json
import time
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import graphlink
from bench import _calls, _memory, _reused, _startup, bench_ratelimit
from bench._competitors import MSGRAPH, O365, VENV, Competitors, prepare
from bench._procs import loopback_server
from bench._report import Row, machine, number, ratio_text, row_from_json, table
from graphlink.resources._directory import USER_FIELDS

RESULTS = Path(__file__).resolve().parent / "results"
SMOKE_BUDGET = 60.0


@dataclass(frozen=True)
class Sizes:
    """How much each measurement does in a mode."""

    rounds: int  # paired rounds of the in-process comparisons
    import_warm: int  # fresh processes per side, warm .pyc
    import_cold: int  # fresh processes per side, cold .pyc
    first_call: int  # fresh processes per side
    calls: int  # sequential calls per round (per-call overhead)
    concurrent: int  # async users.get in the concurrency figure
    events: int  # events in the parsed page
    calendar: int  # events listed by events.list
    paging: int  # users listed for the peak RSS
    paging_rounds: int
    limiter_seconds: float
    limiter_processes: int  # sharing one limit through Redis
    mailbox_calls: int
    batch_events: int
    batch_rooms: int


SIZES = {
    "smoke": Sizes(1, 1, 1, 1, 20, 100, 50, 100, 10_000, 1, 1.0, 2, 40, 20, 4),
    "quick": Sizes(5, 7, 3, 5, 200, 1000, 1000, 500, 100_000, 3, 5.0, 4, 200, 100, 10),
    "full": Sizes(9, 21, 7, 11, 1000, 1000, 1000, 2500, 1_000_000, 3, 20.0, 4, 200, 1000, 50),
}
WORKERS = MAILBOXES = 50


@dataclass
class Context:
    """What the measurements share: sizes, the loopback server, the competitors."""

    sizes: Sizes
    network: bool  # pip may install (the footprint's fresh install)
    url: str
    redis_url: str | None
    competitors: Competitors
    notes: list[str] = field(default_factory=list)

    @property
    def others(self) -> list[str]:
        """The competitors that can be measured."""
        return [name for name in (MSGRAPH, O365) if self.competitors.has(name)]

    def python(self, name: str) -> Path | None:
        """The competitors' interpreter if ``name`` is installed there."""
        return self.competitors.python if self.competitors.has(name) else None


SELECT = ",".join(USER_FIELDS)


def _limiter(ctx: Context) -> list[Row]:
    sizes = ctx.sizes
    rows, notes = _reused.limiter(
        sizes.limiter_seconds, sizes.mailbox_calls, sizes.limiter_processes, ctx.redis_url
    )
    ctx.notes.extend(notes)
    return rows


MEASUREMENTS: dict[str, Callable[[Context], list[Row]]] = {
    "import": lambda c: _startup.imports(
        c.sizes.import_warm, c.sizes.import_cold, c.competitors.python, c.others
    ),
    "first-call": lambda c: _startup.first_call(
        c.url, SELECT, c.sizes.first_call, c.competitors.python, c.others
    ),
    "per-call": lambda c: _calls.per_call(c.url, c.sizes.calls, c.sizes.rounds),
    "concurrency": lambda c: _calls.concurrency(
        c.url, c.sizes.concurrent, WORKERS, MAILBOXES, c.sizes.rounds
    ),
    "parse": lambda c: _reused.parse(c.sizes.events, c.sizes.rounds, c.python(MSGRAPH)),
    "calendar": lambda c: _reused.calendar(c.sizes.calendar, c.sizes.rounds),
    "paging": lambda c: _memory.paging(c.url, SELECT, c.sizes.paging, c.sizes.paging_rounds),
    "footprint": lambda c: _memory.footprint(c.network, c.competitors.python, c.others),
    "limiter": _limiter,
    "batching": lambda c: _reused.batching(c.sizes.batch_events, c.sizes.batch_rooms),
}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="graphlink's benchmarks: ratios against baselines measured in the same run",
    )
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--quick", action="store_true", help="smaller sizes (minutes)")
    how.add_argument(
        "--smoke",
        action="store_true",
        help="graphlink only, tiny sizes, no network (< 60 s): every code path runs",
    )
    parser.add_argument(
        "--no-competitors", action="store_true", help="leave msgraph-sdk and O365 out"
    )
    parser.add_argument(
        "--fresh-competitors",
        action="store_true",
        help=f"remake {VENV.name} (the newest releases)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=list(MEASUREMENTS),
        help="run only these measurements (repeatable)",
    )
    parser.add_argument(
        "--json", type=Path, help=f"where to write the JSON (default: {RESULTS}/<time>.json)"
    )
    parser.add_argument(
        "--table", type=Path, metavar="JSON", help="print the table of a saved run, and stop"
    )
    return parser.parse_args(argv)


def _short(row: Row) -> str:
    return (
        f"   {row.measure}: {number(row.graphlink, row.unit)} vs {row.baseline} "
        f"{number(row.baseline_value, row.unit)} = {ratio_text(row.ratio)}"
    )


def _measure(names: list[str], ctx: Context, started: float) -> tuple[list[Row], list[str]]:
    """Each named measurement in turn: the rows, and the errors of those that raised."""
    rows: list[Row] = []
    errors: list[str] = []
    for name in names:
        print(f"== {name} ({time.monotonic() - started:.0f}s)", flush=True)
        try:
            got = MEASUREMENTS[name](ctx)
            if not got:
                raise RuntimeError("no figures")
        except Exception as error:  # the run goes on; it fails at the end
            traceback.print_exc()
            errors.append(f"{name}: {type(error).__name__}: {error}")
            continue
        rows.extend(got)
        for row in got:
            print(_short(row), flush=True)
    return rows, errors


def main(argv: list[str] | None = None) -> int:
    """Run, print the table, write the JSON; 1 if a measurement raised."""
    args = _arguments(argv)
    if args.table:
        saved = json.loads(args.table.read_text(encoding="utf-8"))
        print(table([row_from_json(row) for row in saved["rows"]]))
        return 0
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    sizes = SIZES[mode]
    started_at, started, box = datetime.now(UTC), time.monotonic(), machine()
    print(
        f"graphlink {graphlink.__version__}, {mode} run; {box['nproc']} cores ({box['cpu']}), "
        f"Python {box['python']}, load average {box['loadavg']}",
        flush=True,
    )
    if mode == "smoke" or args.no_competitors:
        competitors = Competitors(notes=["competitors not measured (--smoke/--no-competitors)"])
    else:
        competitors = prepare(fresh=args.fresh_competitors)
    names = args.only or list(MEASUREMENTS)
    with ExitStack() as stack:
        url = stack.enter_context(loopback_server(sizes.paging))
        redis_url = (
            stack.enter_context(bench_ratelimit.redis_server(None)) if "limiter" in names else None
        )
        ctx = Context(sizes, mode != "smoke", url, redis_url, competitors, list(competitors.notes))
        rows, errors = _measure(names, ctx, started)
    seconds = time.monotonic() - started
    print(f"\n{table(rows)}\n")
    for note in ctx.notes:
        print(f"note: {note}")
    if competitors.versions:
        print("competitors: " + ", ".join(f"{k} {v}" for k, v in competitors.versions.items()))
    path = args.json or RESULTS / f"{started_at:%Y%m%dT%H%M%SZ}-{mode}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "mode": mode,
        "started": started_at.isoformat(),
        "seconds": round(seconds, 1),
        "graphlink": graphlink.__version__,
        "machine": box,
        "load_after": machine()["loadavg"],
        "competitors": competitors.versions,
        "sizes": asdict(sizes),
        "rows": [row.as_json() for row in rows],
        "notes": ctx.notes,
        "errors": errors,
    }
    path.write_text(json.dumps(report, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    print(f"{len(rows)} figures in {seconds:.0f} s; JSON: {path}")
    if mode == "smoke" and seconds > SMOKE_BUDGET:
        print(f"warning: the smoke run took {seconds:.0f} s (budget {SMOKE_BUDGET:.0f} s)")
    for problem in errors:
        print(f"error: {problem}")
    return 1 if errors else 0
