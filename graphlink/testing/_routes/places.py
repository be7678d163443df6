"""Places routes: rooms, room lists and the rooms of a list.

- ``GET /places/microsoft.graph.room`` and ``GET /places/microsoft.graph.roomList`` (any
  case): every room / room list.
- ``GET /places/{room-list email or id}/microsoft.graph.roomList/rooms``: the rooms of one
  list, addressed by its email as Graph documents (its id works too); an unknown list is
  ``404 ErrorItemNotFound``.
- ``GET /places/{id or email}`` and ``GET /places/{id or email}/microsoft.graph.room`` (or
  ``roomList``): one place; through a cast (as msgraph-sdk reads one room) a place of
  another type is ``404 ErrorItemNotFound``, as an unknown one is (a guess: Graph does not
  document the mismatch).

The three lists page as Graph's places do: 100 a page by default, ``$top`` to change it (at
most 999: Graph states no maximum, FakeGraph uses the directory's), ``@odata.nextLink`` to
follow.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from graphlink.testing._routes._collections import EntityType, collection, entity_body
from graphlink.testing._routes._table import route
from graphlink.testing._state import GraphFault
from graphlink.testing._wire import Call, Reply, json_reply

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine


def _place_type(kind: str) -> EntityType:
    """A place type for ``$expand``: a room list's ``rooms`` is not embedded by FakeGraph."""
    if kind.lower() == "roomlist":
        return EntityType("roomList", unmodelled=frozenset({"rooms", "workspaces"}))
    return EntityType("room" if kind.lower() == "room" else "place")


@route("GET", r"/places/microsoft\.graph\.(?P<kind>room|roomList)")
def _list_places(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    kind = "room" if m["kind"].lower() == "room" else "roomList"
    wanted = f"#microsoft.graph.{kind}"
    items = [p for p in e.state.places.values() if p["@odata.type"] == wanted]
    return collection(
        call,
        items,
        kind="places",
        context=f"places/microsoft.graph.{kind}",
        keep=("id",),
        entity=_place_type(kind),
    )


@route("GET", r"/places/(?P<place>[^/]+)/microsoft\.graph\.roomList/rooms")
def _rooms_in_list(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    rooms = e.state.rooms(m["place"])
    return collection(
        call,
        list(rooms),
        kind="places",
        context=f"places('{quote(m['place'], safe='')}')/microsoft.graph.roomList/rooms",
        keep=("id",),
        entity=_place_type("room"),
    )


@route("GET", r"/places/(?P<place>[^/]+)(?:/microsoft\.graph\.(?P<kind>room|roomList))?")
def _get_place(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    place = e.state.place(m["place"])
    context = "places"
    if m["kind"]:
        kind = "room" if m["kind"].lower() == "room" else "roomList"
        if place["@odata.type"] != f"#microsoft.graph.{kind}":
            raise GraphFault(404, "ErrorItemNotFound", f"The place '{m['place']}' was not found.")
        context = f"places/microsoft.graph.{kind}"
    kind_name = m["kind"] or "place"
    body = entity_body(call, place, f"{context}/$entity", entity=_place_type(kind_name))
    return json_reply(200, body)
