"""OData query building for directory collections (pure).

Graph serves some directory queries only as *advanced queries*: those need the header
``ConsistencyLevel: eventual`` **and** ``$count=true``, on every page. ``query()``
decides that in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import attrs

from graphlink._core.paths import odata_string
from graphlink.errors import ValidationError

__all__ = ["DIRECTORY_PAGE", "ODataQuery", "is_advanced", "query", "startswith_any"]

DIRECTORY_PAGE = 999
"""Largest page Graph serves for directory collections (users, groups, members)."""

# Operators and functions that make a directory $filter an advanced query.
_ADVANCED_FILTER = re.compile(r"\b(ne|not|endswith)\b|\$count", re.IGNORECASE)
# String literals are skipped when looking for operators ('not' inside a name is a value).
_LITERAL = re.compile(r"'(?:[^']|'')*'")
# A property name $select accepts (compiled once: every listing and lookup checks its fields).
_PROPERTY = re.compile(r"[A-Za-z0-9_@.#/]+")


def is_advanced(
    *,
    filter: str | None = None,  # noqa: A002 - OData's own name
    search: str | None = None,
    orderby: str | None = None,
    count: bool = False,
    cast: bool = False,
) -> bool:
    """Whether Graph needs ``ConsistencyLevel: eventual`` + ``$count=true`` for this query.

    True for ``$search``, ``$count``, ``$orderby`` combined with ``$filter``, filters using
    ``ne``, ``not`` or ``endsWith``, and OData casts on membership collections
    (``/transitiveMemberOf/microsoft.graph.group``).
    """
    if search or count or cast:
        return True
    if filter and orderby:
        return True
    return bool(filter and _ADVANCED_FILTER.search(_LITERAL.sub("''", filter)))


@attrs.frozen
class ODataQuery:
    """Query parameters and headers for one collection request."""

    params: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]


def query(
    *,
    select: Iterable[str] | None = None,
    filter: str | None = None,  # noqa: A002
    search: str | None = None,
    orderby: str | None = None,
    top: int | None = None,
    count: bool = False,
    cast: bool = False,
    expand: str | None = None,
) -> ODataQuery:
    """Build the parameters, adding ``$count=true`` and ``ConsistencyLevel`` when required."""
    params: list[tuple[str, str]] = []
    if select:
        fields = list(dict.fromkeys(select))  # keep order, drop repeats
        for field in fields:
            if not _PROPERTY.fullmatch(field):
                raise ValidationError(f"not a property name for $select: {field!r}")
        params.append(("$select", ",".join(fields)))
    if filter:
        params.append(("$filter", filter))
    if search:
        params.append(("$search", search))
    if orderby:
        params.append(("$orderby", orderby))
    if expand:
        params.append(("$expand", expand))
    if top is not None:
        if top < 1:
            raise ValidationError("$top must be at least 1")
        params.append(("$top", str(top)))
    advanced = is_advanced(filter=filter, search=search, orderby=orderby, count=count, cast=cast)
    headers: dict[str, str] = {}
    if advanced:
        params.append(("$count", "true"))
        headers["ConsistencyLevel"] = "eventual"
    return ODataQuery(tuple(params), headers)


def startswith_any(fields: Iterable[str], text: str) -> str:
    """``(startswith(a,'t') or startswith(b,'t') ...)`` with ``t`` escaped."""
    literal = odata_string(text)
    return "(" + " or ".join(f"startswith({f},{literal})" for f in fields) + ")"
