"""Places routes: rooms, room lists and the rooms of a list."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from graphlink.testing._routes._collections import collection, project, selected
from graphlink.testing._routes._table import route
from graphlink.testing._wire import Call, Reply, json_reply

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine


@route("GET", r"/places/microsoft\.graph\.(?P<kind>room|roomList)")
def _list_places(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    wanted = "#microsoft.graph.room" if m["kind"].lower() == "room" else "#microsoft.graph.roomList"
    items = [p for p in e.state.places.values() if p["@odata.type"] == wanted]
    return collection(
        call, items, kind="places", context=f"places/microsoft.graph.{m['kind']}", keep=("id",)
    )


@route("GET", r"/places/(?P<place>[^/]+)/microsoft\.graph\.roomList/rooms")
def _rooms_in_list(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    rooms = e.state.rooms(m["place"])
    return collection(
        call,
        list(rooms),
        kind="places",
        context=f"places('{m['place']}')/microsoft.graph.roomList/rooms",
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
