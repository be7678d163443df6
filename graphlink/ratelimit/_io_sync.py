"""Blocking primitives of the generated rate-limit modules (the async twin: ``_io_async``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar, TypeVarTuple

__all__ = ["shield", "sleep"]

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


def shield(fn: Callable[[*Ts], T], *args: *Ts, undo: Callable[[T], object] | None = None) -> T:
    """Call ``fn(*args)``: nothing cancels a blocking call half-way, so ``undo`` never runs."""
    return fn(*args)


def sleep(seconds: float) -> None:
    """Block this thread for ``seconds``."""
    time.sleep(seconds)
