"""Places: rooms and room lists (``/places``); a room's mailbox lives with the others."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphlink.testing._state.common import GraphFault, StateBase

_ROOM = "#microsoft.graph.room"
_ROOM_LIST = "#microsoft.graph.roomList"

__all__ = ["PlacesState"]


class PlacesState(StateBase):
    """Rooms and room lists by id (Graph JSON, with ``@odata.type``) and list membership."""

    def __init__(self, *, tenant_domain: str) -> None:
        super().__init__(tenant_domain=tenant_domain)
        self.places: dict[str, dict[str, Any]] = {}
        #: Room-list id -> the ids of its rooms.
        self.room_lists: dict[str, list[str]] = {}

    def add_room(
        self,
        email: str,
        display_name: str,
        *,
        capacity: int | None = None,
        building: str | None = None,
        floor: int | None = None,
        room_list: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A new room place (its mailbox is the directory's), in ``room_list`` if given."""
        place: dict[str, Any] = {
            "@odata.type": _ROOM,
            "id": self.new_id("place", email),
            "emailAddress": email,
            "displayName": display_name,
            "address": None,
            "geoCoordinates": None,
            "phone": None,
            "nickname": display_name,
            "label": None,
            "capacity": capacity,
            "building": building,
            "floorNumber": floor,
            "floorLabel": None if floor is None else str(floor),
            "isWheelChairAccessible": True,
            "bookingType": "standard",
            "tags": [],
            "audioDeviceName": None,
            "videoDeviceName": None,
            "displayDeviceName": None,
        }
        place.update(fields or {})
        self.places[place["id"]] = place
        if room_list is not None:
            lst = self.room_list(room_list)
            self.room_lists.setdefault(lst["id"], []).append(place["id"])
        return place

    def room_list(self, email: str) -> dict[str, Any]:
        """The place with this address, or a new room list named after it."""
        for place in self.places.values():
            if str(place.get("emailAddress", "")).lower() == email.lower():
                return place
        name = email.split("@")[0]
        lst: dict[str, Any] = {
            "@odata.type": _ROOM_LIST,
            "id": self.new_id("place", email),
            "emailAddress": email,
            "displayName": name.replace("-", " ").title(),
            "address": None,
            "geoCoordinates": None,
            "phone": None,
        }
        self.places[lst["id"]] = lst
        return lst

    def place(self, ref: str) -> dict[str, Any]:
        """A room or room list by id or email address."""
        low = ref.lower()
        for place in self.places.values():
            if low in (str(place["id"]).lower(), str(place.get("emailAddress", "")).lower()):
                return place
        raise GraphFault(404, "ErrorItemNotFound", f"The place '{ref}' was not found.")

    def rooms(self, room_list: str | None = None) -> Sequence[dict[str, Any]]:
        """All rooms, or the rooms of one room list (by its email or id)."""
        rooms = [p for p in self.places.values() if p["@odata.type"] == _ROOM]
        if room_list is None:
            return rooms
        lst = self.place(room_list)
        wanted = set(self.room_lists.get(str(lst["id"]), []))
        return [r for r in rooms if r["id"] in wanted]
