"""Places routes: rooms, room lists and the rooms of a list.

- ``GET /places/microsoft.graph.room`` and ``GET /places/microsoft.graph.roomList`` (any
  case): every room / room list.
- ``GET /places/{room-list email or id}/microsoft.graph.roomList/rooms``: the rooms of one
  list, addressed by its email as Graph documents (its id works too); an unknown list is
  ``404 ErrorItemNotFound``.

All three page as Graph's places do: 100 a page by default, ``$top`` to change it (at most
999: Graph states no maximum, FakeGraph uses the directory's), ``@odata.nextLink`` to follow.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from graphlink.testing._routes._collections import collection, project, selected
from graphlink.testing._routes._table import route
from graphlink.testing._wire import Call, Reply, json_reply

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine


@route("GET", r"/places/microsoft\.graph\.(?P<kind>room|roomList)")
def _list_places(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    kind = "room" if m["kind"].lower() == "room" else "roomList"
    wanted = f"#microsoft.graph.{kind}"
    items = [p for p in e.state.places.values() if p["@odata.type"] == wanted]
    return collection(
        call, items, kind="places", context=f"places/microsoft.graph.{kind}", keep=("id",)
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
    )


@route("GET", r"/places/(?P<place>[^/]+)")
def _get_place(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    place = e.state.place(m["place"])
    return json_reply(
        200,
        {
            "@odata.context": f"{call.root}/$metadata#places/$entity",
            **project(place, selected(call), None),
        },
    )
