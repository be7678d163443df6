"""A page of results, as paginators hand them out."""

from __future__ import annotations

from typing import Generic, TypeVar

import attrs

__all__ = ["Page"]

T = TypeVar("T")


@attrs.frozen
class Page(Generic[T]):
    """One page of a collection.

    Attributes:
        items: The page's items, parsed.
        next_link: The link to the next page, or None on the last page.
        delta_link: The delta link (delta queries, last page only).
        count: ``@odata.count`` when it was asked for (first page only).
    """

    items: list[T]
    next_link: str | None = None
    delta_link: str | None = None
    count: int | None = None
