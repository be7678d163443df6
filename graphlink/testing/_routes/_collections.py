"""Serving collections as Graph does: ``$filter``, ``$search``, ``$orderby``, ``$count``,
``$select`` and paging, with each service's page sizes and directory query rules.

The query itself is ``graphlink.testing._odata``'s; this module reads it off the call and
writes the page (``@odata.nextLink``, ``@odata.count``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from graphlink.testing._odata import (
    QueryResult,
    decode_token,
    encode_token,
    filter_uses_advanced_features,
    parse_filter,
    run_query,
    select_fields,
)
from graphlink.testing._state import GraphFault
from graphlink.testing._wire import Call, Reply, json_reply

__all__ = ["Defaults", "check_directory_query", "collection", "project", "selected"]

DIRECTORY_PAGE = (100, 999)
OUTLOOK_PAGE = (10, 1000)
PLACES_PAGE = (100, 999)


def _page_size(call: Call, kind: str) -> int:
    default, maximum = {"directory": DIRECTORY_PAGE, "outlook": OUTLOOK_PAGE}.get(kind, PLACES_PAGE)
    top = call.param("top")
    if top is None:
        pref = call.prefer("odata.maxpagesize")
        if pref and pref.isdigit() and kind != "directory":
            return max(1, min(int(pref), maximum))
        return default
    if not top.lstrip("-").isdigit():
        raise GraphFault(400, "BadRequest", f"Invalid value '{top}' for $top query option.")
    n = int(top)
    if kind == "directory" and not 1 <= n <= maximum:
        raise GraphFault(
            400,
            "Request_BadRequest",
            f"Invalid page size specified: '{n}'. Must be between 1 and {maximum} inclusive.",
        )
    if n < 1:
        raise GraphFault(400, "BadRequest", f"Invalid value '{top}' for $top query option.")
    return min(n, maximum)


_UNSUPPORTED = "Unsupported Query."
_SEARCH_NEEDS_HEADER = (
    "Request with $search query parameter only works through MSGraph with a special request "
    "header: 'ConsistencyLevel: eventual'"
)


def check_directory_query(call: Call, *, count_segment: bool = False) -> None:
    """Graph's advanced-query rule: some queries need ConsistencyLevel + ``$count=true``."""
    eventual = (call.header("ConsistencyLevel") or "").lower() == "eventual"
    count = (call.param("count") or "").lower() == "true"
    if call.param("search") is not None and not eventual:
        raise GraphFault(400, "Request_UnsupportedQuery", _SEARCH_NEEDS_HEADER)
    if (count_segment or count) and not eventual:
        raise GraphFault(400, "Request_UnsupportedQuery", _UNSUPPORTED)
    flt = call.param("filter")
    features = parse_filter(flt)[1] if flt else frozenset()
    advanced = filter_uses_advanced_features(features) or bool(flt and call.param("orderby"))
    if advanced and not (eventual and count):
        raise GraphFault(400, "Request_UnsupportedQuery", _UNSUPPORTED)


def selected(call: Call) -> list[str] | None:
    """The ``$select`` fields, or None without ``$select``."""
    raw = call.param("select")
    return [s.strip() for s in raw.split(",") if s.strip()] if raw else None


Defaults = Sequence[str] | Callable[[Mapping[str, Any]], Sequence[str] | None] | None


def project(
    item: Mapping[str, Any], select: Sequence[str] | None, default: Defaults
) -> dict[str, Any]:
    """``$select`` projection, or the collection's default property set."""
    if select:
        return select_fields(item, select)
    if callable(default):
        default = default(item)
    if default:
        return select_fields(item, default)
    return dict(item)


def _link(call: Call, **replace: str) -> str:
    params = {
        k: v
        for k, v in call.query.items()
        if k.lower().lstrip("$") not in ("skip", "skiptoken", "deltatoken")
    }
    params.update(replace)
    return f"{call.root}{call.path}?" + urlencode(params, safe="$,'():/@=*")


def collection(
    call: Call,
    items: Sequence[Any],
    *,
    kind: str,
    context: str,
    default_select: Defaults = None,
    count_segment: bool = False,
    keep: Sequence[str] = (),
    render: Callable[[Any], Mapping[str, Any]] | None = None,
) -> Reply:
    """Serve any collection: filter, search, order, ``$count``, ``$select`` and paging.

    ``kind`` is ``directory`` (``$skiptoken`` paging, 100/999, advanced-query rules),
    ``outlook`` (``$skip`` paging, 10/1000) or ``places``. ``items`` are Graph JSON objects,
    or anything ``render`` turns into one: then, without ``$filter``/``$search``/
    ``$orderby``, only the page's items are rendered, so paging through a long collection
    costs each page its own items, not the whole collection.
    """
    if kind == "directory":
        check_directory_query(call, count_segment=count_segment)
    size = _page_size(call, kind)
    offset = 0
    skiptoken = call.param("skiptoken")
    if skiptoken:
        offset = int(decode_token(skiptoken).get("o", 0))
    elif call.param("skip"):
        skip = call.param("skip") or "0"
        if not skip.isdigit():
            raise GraphFault(400, "BadRequest", f"Invalid value '{skip}' for $skip query option.")
        offset = int(skip)
    search = call.param("search") if kind == "directory" else None
    query = bool(call.param("filter") or search or call.param("orderby"))
    if render is not None and not query:
        page = items[offset : offset + size]
        nxt = offset + size if offset + size < len(items) else None
        result = QueryResult(
            items=[dict(render(i)) for i in page], count=len(items), next_offset=nxt
        )
    else:
        rows = [render(i) for i in items] if render is not None else items
        result = run_query(
            rows,
            filter=call.param("filter"),
            search=search,
            orderby=call.param("orderby"),
            offset=offset,
            page_size=size,
        )
    if count_segment:
        return Reply(status=200, text=str(result.count), headers={"Content-Type": "text/plain"})
    select = selected(call)
    if select and keep:
        select = [*select, *keep]
    body: dict[str, Any] = {"@odata.context": f"{call.root}/$metadata#{context}"}
    if (call.param("count") or "").lower() == "true" and offset == 0:
        body["@odata.count"] = result.count
    if result.next_offset is not None:
        if kind == "directory" or kind == "places":
            body["@odata.nextLink"] = _link(
                call, **{"$skiptoken": encode_token({"o": result.next_offset})}
            )
        else:
            body["@odata.nextLink"] = _link(call, **{"$skip": str(result.next_offset)})
    body["value"] = [project(i, select, default_select) for i in result.items]
    return json_reply(200, body)
