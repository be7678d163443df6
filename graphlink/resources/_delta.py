"""Delta query results (pure): what changed, what was removed, where to resume."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

import attrs

__all__ = ["Delta", "Removed", "split_delta"]

T = TypeVar("T")


@attrs.frozen
class Removed:
    """An object a delta round reports as removed.

    Attributes:
        id: The object's id.
        reason: ``"changed"`` (left the collection, may come back) or ``"deleted"``.
    """

    id: str
    reason: str


@attrs.frozen
class Delta(Generic[T]):
    """One round of a delta query.

    Attributes:
        changed: Objects created or changed since the last round (the same object may
            appear twice: Graph can replay changes).
        removed: Objects removed from the collection.
        delta_link: Pass it to the next round.
        resynced: True when Graph refused the old delta link (410 or resync codes) and
            this round is a full sync: replace your copy instead of patching it.
    """

    changed: list[T]
    removed: list[Removed]
    delta_link: str | None
    resynced: bool = False


def split_delta(
    items: Iterable[Mapping[str, Any]],
) -> tuple[list[Mapping[str, Any]], list[Removed]]:
    """Separate ``@removed`` entries from changed objects."""
    changed: list[Mapping[str, Any]] = []
    removed: list[Removed] = []
    for item in items:
        mark = item.get("@removed")
        if mark is not None:
            reason = mark.get("reason", "deleted") if isinstance(mark, Mapping) else "deleted"
            removed.append(Removed(str(item.get("id", "")), str(reason)))
        else:
            changed.append(item)
    return changed, removed
