"""Rows of the table: medians, ratios against a baseline of the same run, goals, formatting.

Pure: nothing here measures or reads the machine except ``machine()``.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Goal:
    """What the issue asks of a row: bounds on its ratio (or on the figure itself)."""

    text: str
    max: float | None = None
    min: float | None = None
    on_value: bool = False  # the bound is on graphlink's figure, not on the ratio

    def met(self, value: float, ratio: float) -> bool | None:
        """True/False against the bounds; None when there are none (or no figure)."""
        figure = value if self.on_value else ratio
        if (self.max is None and self.min is None) or math.isnan(figure):
            return None
        return (self.max is None or figure <= self.max) and (self.min is None or figure >= self.min)


@dataclass
class Row:
    """One line of the table: graphlink against one baseline, measured in the same run."""

    measure: str
    unit: str
    graphlink: float
    baseline: str
    baseline_value: float
    ratio: float
    rounds: int
    goal: Goal | None = None
    note: str = ""
    samples: dict[str, list[float]] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        """Whether the goal is met (None: no goal, or nothing to compare)."""
        return None if self.goal is None else self.goal.met(self.graphlink, self.ratio)

    def as_json(self) -> dict[str, Any]:
        """The row as plain data (``met`` included; a missing figure is null)."""
        out: dict[str, Any] = _plain(asdict(self))
        out["met"] = self.met
        return out


def _plain(value: Any) -> Any:
    """``value`` with every NaN as None (JSON has no NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def row_from_json(data: dict[str, Any]) -> Row:
    """A row back from ``Row.as_json`` (null figures as NaN)."""
    fields: dict[str, Any] = {
        k: math.nan if v is None else v for k, v in data.items() if k != "met"
    }
    goal = data.get("goal")
    fields["goal"] = None if goal is None else Goal(**goal)
    return Row(**fields)


def median(values: Sequence[float]) -> float:
    """The median; NaN for no values."""
    return statistics.median(values) if values else math.nan


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def compare(
    measure: str,
    unit: str,
    graphlink: Sequence[float],
    baseline: str,
    base: Sequence[float],
    *,
    goal: Goal | None = None,
    note: str = "",
    paired: bool = True,
) -> Row:
    """A row from samples. Paired samples (one of each per round, same length) give the
    median of the per-round ratios, which a load shift between rounds cannot skew; unpaired
    ones (``paired=False``, or lengths that differ) the ratio of the medians."""
    if paired and len(graphlink) == len(base) and graphlink:
        ratio = median([_ratio(g, b) for g, b in zip(graphlink, base, strict=True)])
    else:
        ratio = _ratio(median(graphlink), median(base))
    return Row(
        measure=measure,
        unit=unit,
        graphlink=median(graphlink),
        baseline=baseline,
        baseline_value=median(base),
        ratio=ratio,
        rounds=min(len(graphlink), len(base)),
        goal=goal,
        note=note,
        samples={"graphlink": list(graphlink), "baseline": list(base)},
    )


def number(value: float, unit: str = "") -> str:
    """A figure with as many digits as a shared machine can vouch for."""
    if math.isnan(value):
        return "n/a"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}".rstrip() if unit and not unit.startswith("/") else text + unit


def ratio_text(ratio: float) -> str:
    """``1.23x``; two significant digits below 0.1 (``0.0063x``)."""
    if math.isnan(ratio):
        return "n/a"
    return f"{ratio:.2g}x" if ratio < 0.1 else f"{ratio:.2f}x"


def _goal_cell(row: Row) -> str:
    if row.goal is None:
        return ""
    met = row.met
    return row.goal.text + ("" if met is None else ": met" if met else ": **missed**")


def table(rows: Sequence[Row]) -> str:
    """The rows as one Markdown table (ratio = graphlink ÷ baseline)."""
    lines = [
        "| measure | graphlink | baseline | baseline figure | ratio | goal |",
        "|---|---:|---|---:|---:|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.measure} | {number(row.graphlink, row.unit)} | {row.baseline} | "
            f"{number(row.baseline_value, row.unit)} | {ratio_text(row.ratio)} | "
            f"{_goal_cell(row)} |"
        )
    notes = [f"- {row.measure} vs {row.baseline}: {row.note}" for row in rows if row.note]
    return "\n".join(lines + (["", *notes] if notes else []))


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """What the figures ran on: cores, CPU, Python, OS and the load when asked."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "loadavg": [round(x, 2) for x in load],
    }
