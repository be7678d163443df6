"""Serving collections as Graph does: ``$filter``, ``$search``, ``$orderby``, ``$count``,
``$select``, ``$expand`` and paging, with each service's page sizes and directory query rules.

The query itself is ``graphlink.testing._odata``'s; this module reads it off the call and
writes the page (``@odata.nextLink``, ``@odata.count``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import attrs

from graphlink.testing._odata import (
    ExpandItem,
    QueryResult,
    decode_token,
    encode_token,
    filter_uses_advanced_features,
    parse_expand,
    parse_filter,
    run_query,
    select_fields,
)
from graphlink.testing._state import GraphFault
from graphlink.testing._wire import Call, Reply, json_reply

__all__ = [
    "ATTACHMENT",
    "Defaults",
    "EntityType",
    "Expansion",
    "Navigation",
    "check_directory_query",
    "collection",
    "entity_body",
    "expand_plan",
    "expanded",
    "project",
    "selected",
]

DIRECTORY_PAGE = (100, 999)
OUTLOOK_PAGE = (10, 1000)
PLACES_PAGE = (100, 999)


def _invalid_option(name: str, value: str) -> GraphFault:
    """A ``$top``/``$skip`` that is not a count: Microsoft.OData.Core's message (the library
    Graph runs on); the code ``BadRequest`` is a guess."""
    return GraphFault(
        400,
        "BadRequest",
        f"Invalid value '{value}' for ${name} query option found. The ${name} query option "
        "requires a non-negative integer value.",
    )


def _page_size(call: Call, kind: str) -> tuple[int, int | None]:
    """The page size, and the ``odata.maxpagesize`` applied (None: not applied).

    ``Prefer: odata.maxpagesize=N`` sets the page size where there is no ``$top``
    (documented for Outlook delta; FakeGraph honours it on Outlook and places collections,
    capped at the maximum, and answers ``Preference-Applied`` as OData v4.01 part 1, 8.2.8.3
    asks). Directory lists ignore it: Graph documents ``$top`` for them.
    """
    default, maximum = {"directory": DIRECTORY_PAGE, "outlook": OUTLOOK_PAGE}.get(kind, PLACES_PAGE)
    top = call.param("top")
    if top is None:
        pref = call.prefer("odata.maxpagesize")
        if pref and pref.isdigit() and kind != "directory":
            size = max(1, min(int(pref), maximum))
            return size, size
        return default, None
    if not top.lstrip("-").isdigit():
        raise _invalid_option("top", top)
    n = int(top)
    if kind == "directory" and not 1 <= n <= maximum:
        raise GraphFault(
            400,
            "Request_BadRequest",
            f"Invalid page size specified: '{n}'. Must be between 1 and {maximum} inclusive.",
        )
    if n < 1:
        raise _invalid_option("top", top)
    return min(n, maximum), None


_UNSUPPORTED = "Unsupported Query."
_SEARCH_NEEDS_HEADER = (
    "Request with $search query parameter only works through MSGraph with a special request "
    "header: 'ConsistencyLevel: eventual'"
)


def _eventual(call: Call) -> bool:
    return (call.header("ConsistencyLevel") or "").lower() == "eventual"


def _count_asked(call: Call) -> bool:
    return (call.param("count") or "").lower() == "true"


def check_directory_query(call: Call, *, count_segment: bool = False) -> None:
    """Graph's advanced-query rule: some queries need ConsistencyLevel + ``$count=true``.

    As documented (learn.microsoft.com/graph/aad-advanced-queries, "Error handling for
    advanced queries on directory objects"): without ``ConsistencyLevel: eventual`` the
    ``/$count`` segment is ``400 Request_BadRequest`` "$count is not currently supported.",
    ``$search`` is ``400 Request_UnsupportedQuery``, and ``?$count=true`` is silently
    ignored (no ``@odata.count``); an advanced ``$filter`` (``ne``, ``not``, ``endsWith``,
    or with ``$orderby``) without both is ``400 Request_UnsupportedQuery``.
    """
    eventual = _eventual(call)
    count = _count_asked(call)
    if call.param("search") is not None and not eventual:
        raise GraphFault(400, "Request_UnsupportedQuery", _SEARCH_NEEDS_HEADER)
    if count_segment and not eventual:
        raise GraphFault(400, "Request_BadRequest", "$count is not currently supported.")
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


# --------------------------------------------------------------------------- $expand

#: Directory ``$expand`` embeds at most this many objects of a collection, with no
#: nextLink (learn.microsoft.com/graph/known-issues, "Some limitations apply to query
#: parameters"; query-parameters.md).
DIRECTORY_EXPAND_LIMIT = 20


@attrs.frozen
class Navigation:
    """A navigation property FakeGraph can embed: what it leads to from one item."""

    #: The related objects (Graph JSON, ``@odata.type`` included) of a full stored item.
    resolve: Callable[[Mapping[str, Any]], list[dict[str, Any]]]
    #: A collection (``directReports``) rather than one object (``manager``).
    many: bool = False
    #: The related objects' properties without a nested ``$select``.
    default_select: Defaults = None
    #: ``$levels`` is allowed (``manager``: the chain of managers).
    levels: bool = False
    #: The most objects of a collection embedded (None: all).
    limit: int | None = DIRECTORY_EXPAND_LIMIT


@attrs.frozen
class EntityType:
    """A Graph entity type as ``$expand`` sees it: the navigations FakeGraph embeds.

    ``unmodelled`` names Graph's other navigation properties of the type, which FakeGraph
    does not embed: asked for, they are a 400 saying so rather than Graph's "Could not
    find a property" (which would claim Graph has no such property).
    """

    name: str
    #: By Graph's spelling (``directReports``): the key an embedded object is written at.
    navigations: Mapping[str, Navigation] = attrs.field(factory=dict)
    unmodelled: frozenset[str] = frozenset()
    #: How many navigations one request may expand (None: any).
    max_expands: int | None = None


#: An Outlook attachment: no navigation to expand.
ATTACHMENT = EntityType("attachment")


@attrs.frozen
class Expansion:
    """One ``$expand`` clause checked against its entity type."""

    item: ExpandItem
    navigation: Navigation
    #: The navigation as Graph spells it (``directReports``), whatever the URL's case.
    name: str
    #: ``$levels``: how deep to follow (0: once, no nesting).
    depth: int = 0


def _expand_fault(message: str) -> GraphFault:
    return GraphFault(400, "BadRequest", message)


def expand_plan(call: Call, entity: EntityType | None) -> list[Expansion]:
    """The call's ``$expand`` checked against ``entity`` (None: a type with nothing to expand).

    What Graph documents or has been seen answering: an unknown property is
    "Could not find a property named 'x' on type 'microsoft.graph.user'." (the message
    Microsoft.OData.Core gives, reported in microsoftgraph/microsoft-graph-docs#3957; the
    code ``BadRequest`` is a guess); a user expands one navigation per request ("The
    result of parsing $expand contained at least 2 items, but the maximum allowed is 1.",
    microsoft-graph-docs#96); ``manager($levels=max;$select=...)`` needs
    ``ConsistencyLevel: eventual`` and ``$count=true`` (user-list-manager.md; the 400
    ``Request_UnsupportedQuery`` without them is a guess, as for advanced queries).
    Directory expansions take no nested option but ``$select`` and ``$levels``
    (known-issues: no ``$filter`` inside ``$expand``; the 400 is FakeGraph's guess).
    """
    raw = call.param("expand")
    if raw is None:
        return []
    items = parse_expand(raw)
    type_name = entity.name if entity is not None else "entity"
    if entity is not None and entity.max_expands is not None and len(items) > entity.max_expands:
        raise _expand_fault(
            f"The result of parsing $expand contained at least {len(items)} items, but the "
            f"maximum allowed is {entity.max_expands}."
        )
    plan: list[Expansion] = []
    for item in items:
        low = item.name.lower()
        known = entity.navigations if entity is not None else {}
        name = next((k for k in known if k.lower() == low), None)
        if name is None:
            # ``*`` (every navigation, OData 5.1.3) is Graph's to answer; FakeGraph says so.
            if low == "*" or (entity is not None and low in entity.unmodelled):
                raise _expand_fault(
                    f"FakeGraph does not expand '{item.name}' on type "
                    f"'microsoft.graph.{type_name}'."
                )
            raise _expand_fault(
                f"Could not find a property named '{item.name}' on type "
                f"'microsoft.graph.{type_name}'."
            )
        nav = known[name]
        for option in item.options:
            if option not in ("select", "levels") or (option == "levels" and not nav.levels):
                raise _expand_fault(
                    f"Query option '${option}' is not supported inside $expand of '{item.name}'."
                )
        depth = 0
        levels = item.options.get("levels")
        if levels is not None:
            if not (_eventual(call) and _count_asked(call)):
                raise GraphFault(400, "Request_UnsupportedQuery", _UNSUPPORTED)
            if levels.lower() == "max":
                depth = -1
            elif levels.isdigit() and int(levels) >= 1:
                depth = int(levels) - 1
            else:
                raise _expand_fault(f"Invalid value '{levels}' for $levels in $expand.")
        plan.append(Expansion(item, nav, name, depth))
    return plan


def expanded(
    body: dict[str, Any], item: Mapping[str, Any], plan: Sequence[Expansion]
) -> dict[str, Any]:
    """``body`` (``item`` projected) with the planned navigations embedded.

    A collection embeds at most its navigation's ``limit`` (a directory's 20) and no
    nextLink; a single navigation with no target (a user without a manager) is left out.
    """
    for exp in plan:
        nav, select = exp.navigation, exp.item.select
        targets = nav.resolve(item)
        if nav.many:
            body[exp.name] = [project(t, select, nav.default_select) for t in targets[: nav.limit]]
        elif targets:
            body[exp.name] = _chain(targets[0], exp, select, {str(item.get("id"))})
    return body


def _chain(
    target: Mapping[str, Any], exp: Expansion, select: Sequence[str] | None, seen: set[str]
) -> dict[str, Any]:
    """One embedded object, and with ``$levels`` its own (``manager`` of ``manager``...)."""
    out = project(target, select, exp.navigation.default_select)
    seen.add(str(target.get("id")))
    if exp.depth != 0:
        nxt = exp.navigation.resolve(target)
        if nxt and str(nxt[0].get("id")) not in seen:
            deeper = attrs.evolve(exp, depth=exp.depth - 1)
            out[exp.name] = _chain(nxt[0], deeper, select, seen)
    return out


def entity_body(
    call: Call,
    item: Mapping[str, Any],
    context: str,
    *,
    entity: EntityType | None,
    default_select: Defaults = None,
) -> dict[str, Any]:
    """One entity as Graph answers a ``GET``: ``@odata.context``, ``$select``, ``$expand``."""
    plan = expand_plan(call, entity)
    body = expanded(project(item, selected(call), default_select), item, plan)
    return {"@odata.context": f"{call.root}/$metadata#{context}", **body}


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
    entity: EntityType | None = None,
) -> Reply:
    """Serve any collection: filter, search, order, ``$count``, ``$select`` and paging.

    ``kind`` is ``directory`` (``$skiptoken`` paging, 100/999, advanced-query rules),
    ``outlook`` (``$skip`` paging, 10/1000) or ``places``. ``items`` are Graph JSON objects,
    or anything ``render`` turns into one: then, without ``$filter``/``$search``/
    ``$orderby``, only the page's items are rendered, so paging through a long collection
    costs each page its own items, not the whole collection. ``entity`` is the items'
    type, for ``$expand`` (None: nothing to expand; any ``$expand`` is refused).
    """
    if kind == "directory":
        check_directory_query(call, count_segment=count_segment)
    plan = expand_plan(call, entity)
    size, applied = _page_size(call, kind)
    offset = 0
    skiptoken = call.param("skiptoken")
    if skiptoken:
        offset = int(decode_token(skiptoken).get("o", 0))
    elif call.param("skip"):
        skip = call.param("skip") or "0"
        if not skip.isdigit():
            raise _invalid_option("skip", skip)
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
    # A directory's $count=true without ConsistencyLevel is silently ignored (documented).
    counted = _count_asked(call) and (kind != "directory" or _eventual(call))
    if counted and offset == 0:
        body["@odata.count"] = result.count
    if result.next_offset is not None:
        if kind == "directory" or kind == "places":
            body["@odata.nextLink"] = _link(
                call, **{"$skiptoken": encode_token({"o": result.next_offset})}
            )
        else:
            body["@odata.nextLink"] = _link(call, **{"$skip": str(result.next_offset)})
    body["value"] = [expanded(project(i, select, default_select), i, plan) for i in result.items]
    headers = {} if applied is None else {"Preference-Applied": f"odata.maxpagesize={applied}"}
    return json_reply(200, body, headers)
