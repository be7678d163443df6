"""One round of a delta query, shared by every resource that has one.

This is the async source (``resources/_sync/_delta.py`` is generated from it: edit here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from graphlink._core.request import Listing
from graphlink._transport._async import AsyncTransport
from graphlink.errors import DeltaResyncRequired
from graphlink.resources._delta import Delta, split_delta

__all__ = ["delta_round"]

T = TypeVar("T")


async def delta_round(
    transport: AsyncTransport,
    first: Listing[Any],
    delta_link: str | None,
    parse_items: Callable[[list[Any]], list[T]],
) -> Delta[T]:
    """Every page from ``delta_link`` (or ``first``: a full sync), as a ``Delta``.

    Graph refusing an old link (410, ``syncStateNotFound``) starts over with a full sync,
    flagged ``resynced``; a refusal of the full sync itself is raised.
    """
    listing = attrs.evolve(first, spec=first.spec.follow(delta_link)) if delta_link else first
    resynced = False
    while True:
        paginator = transport.paginate(listing)
        try:
            items = await paginator.to_list()
        except DeltaResyncRequired:
            if listing is first:
                raise
            listing, resynced = first, True  # Graph no longer knows this link: start over
            continue
        changed, removed = split_delta(items)
        return Delta(parse_items(list(changed)), removed, paginator.delta_link, resynced)
