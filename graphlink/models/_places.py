"""Places: rooms and room lists (``GET /places/microsoft.graph.room``)."""

# gfield() is an attrs field specifier, not a shared default value.
# ruff: noqa: RUF009

from __future__ import annotations

import attrs

from graphlink.models._base import GraphModel
from graphlink.models._common import GeoCoordinates, PhysicalAddress
from graphlink.models._directory import _tagged
from graphlink.models._enums import BookingType
from graphlink.models._fields import gfield

__all__ = ["Place", "Room", "RoomList"]


@attrs.frozen(kw_only=True)
class Place(GraphModel):
    """A place. ``Place.from_graph`` returns a [`Room`][graphlink.models.Room] or
    [`RoomList`][graphlink.models.RoomList] when ``@odata.type`` says so."""

    id: str | None = gfield(read_only=True)
    odata_type: str | None = gfield("@odata.type")
    display_name: str | None = gfield()
    address: PhysicalAddress | None = gfield()
    geo_coordinates: GeoCoordinates | None = gfield()
    phone: str | None = gfield()

    @property
    def name(self) -> str | None:
        """The display name."""
        return self.display_name


@attrs.frozen(kw_only=True)
class Room(Place):
    """A bookable room."""

    email_address: str | None = gfield()
    nickname: str | None = gfield()
    label: str | None = gfield()
    capacity: int | None = gfield()
    building: str | None = gfield()
    floor_number: int | None = gfield()
    floor_label: str | None = gfield()
    is_wheel_chair_accessible: bool | None = gfield()
    booking_type: BookingType | None = gfield()
    tags: tuple[str, ...] = gfield(factory=tuple)
    audio_device_name: str | None = gfield()
    video_device_name: str | None = gfield()
    display_device_name: str | None = gfield()

    @property
    def email(self) -> str | None:
        """The room's mailbox address."""
        return self.email_address


@attrs.frozen(kw_only=True)
class RoomList(Place):
    """A list of rooms (usually a building)."""

    email_address: str | None = gfield()


_tagged(Place, {"room": Room, "roomList": RoomList}, fold=True)
