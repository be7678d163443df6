"""Every documented Graph response for our resources parses into the right model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from examples import example_names, missing_reason, response_body

from graphlink.models import (
    Attachment,
    AttendeeType,
    Calendar,
    DirectoryObject,
    Event,
    FreeBusyStatus,
    Group,
    Member,
    ModelValidationError,
    OnlineMeetingProvider,
    Place,
    RecurrencePatternType,
    ResponseType,
    Room,
    RoomList,
    ScheduleInformation,
    Subscription,
    User,
    structure_many,
)

# Every test here runs on both structure paths: they must give the same results.
pytestmark = pytest.mark.usefixtures("structure_path")

PST = ZoneInfo("America/Los_Angeles")


def _items(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("value"), list):
        return body["value"]
    return [body] if isinstance(body, dict) else []


# Which model each documented response parses into.
_KINDS: list[tuple[str, type[Any]]] = [
    ("user-list__", User),
    ("user-get__", User),
    ("user-delta__", User),
    ("user-list-manager__", User),
    ("user-list-directreports__", DirectoryObject),
    ("concept-delta-query-users__", User),
    ("group-list__", Group),
    ("group-get__", Group),
    ("group-delta__", Group),
    ("user-list-memberof__", DirectoryObject),
    ("user-list-transitivememberof__", DirectoryObject),
    ("group-list-transitivemembers__", Member),
    ("group-list-members__", Member),
    ("calendar-get__", Calendar),
    ("user-list-calendars__", Calendar),
    ("calendar-list-events__", Event),
    ("calendar-post-events__", Event),
    ("user-post-events__", Event),
    ("user-list-calendarview__", Event),
    ("event-get__", Event),
    ("event-update__", Event),
    ("event-list-instances__", Event),
    ("event-delta__", Event),
    ("concept-delta-query-events__", Event),
    ("place-get__", Place),
    ("place-list__", Room),
    ("subscription-", Subscription),
    ("calendar-getschedule__", ScheduleInformation),
    ("concept-outlook-get-free-busy-schedule__", ScheduleInformation),
]

_CASES = [
    pytest.param(name, cls, id=name)
    for prefix, cls in _KINDS
    for name in example_names(prefix)
    if _items(response_body(name) if name else None)
]


@pytest.mark.skipif(not _CASES, reason=missing_reason())
@pytest.mark.parametrize(("name", "cls"), _CASES)
def test_every_documented_response_parses(name: str, cls: type[Any]) -> None:
    items = _items(response_body(name))
    models = structure_many(cls, items)
    assert len(models) == len(items)
    for model, raw in zip(models, items, strict=True):
        assert isinstance(model, cls)
        # nothing is lost: the full Graph JSON carries every non-empty key that came in
        present = {k for k, v in raw.items() if v is not None and v != []}
        assert present <= set(model.to_graph(include_read_only=True))
        assert type(model).from_graph(model.to_graph(include_read_only=True)) == model
        assert isinstance(model.to_placeos(), dict)


def test_event_with_online_meeting_values() -> None:
    body = response_body(
        "calendar-post-events__02__create-event-from-calendar-with-online-meeting.json"
    )
    event = Event.from_graph(body)
    assert event.subject == "Let's go for lunch"
    assert event.start == datetime(2019, 3, 10, 12, 0, tzinfo=PST)
    assert event.start.tzinfo == PST
    assert event.timezone == "Pacific Standard Time"
    assert event.created == datetime(2019, 2, 28, 21, 36, 26, 710548, tzinfo=UTC)
    assert event.organizer is not None
    assert event.organizer.name == "Megan Bowen"
    assert event.host == "MeganB@contoso.OnMicrosoft.com"
    [adele] = event.attendees
    assert (adele.name, adele.email, adele.type) == (
        "Adele Vance",
        "AdeleV@contoso.OnMicrosoft.com",
        AttendeeType.REQUIRED,
    )
    assert adele.response is ResponseType.NONE
    assert event.online_meeting_provider is OnlineMeetingProvider.TEAMS_FOR_BUSINESS
    assert event.online_meeting is not None
    assert event.join_url
    assert event.join_url.startswith("https://teams.microsoft.com/")
    placeos = event.to_placeos()
    assert placeos["online_meeting_url"] == event.join_url
    assert placeos["event_start"] == int(datetime(2019, 3, 10, 19, 0, tzinfo=UTC).timestamp())
    assert placeos["timezone"] == "America/Los_Angeles"
    assert placeos["attendees"] == [
        {
            "name": "Adele Vance",
            "email": "AdeleV@contoso.OnMicrosoft.com",
            "response_status": "needsAction",
            "resource": False,
        }
    ]


def test_recurring_event() -> None:
    event = Event.from_graph(response_body("user-post-events__03__create-event-recurring.json"))
    assert event.recurrence is not None
    assert event.recurrence.pattern is not None
    assert event.recurrence.pattern.type is RecurrencePatternType.WEEKLY
    assert [d.value for d in event.recurrence.pattern.days_of_week] == ["monday"]
    assert event.recurrence.range is not None
    assert str(event.recurrence.range.end_date) == "2017-12-31"
    assert event.recurring
    assert event.to_placeos()["recurring"] is True


def test_delta_placeholders_kept() -> None:
    [event] = structure_many(Event, response_body("event-delta__01__event-delta.json")["value"])
    assert event.response_status is not None
    status = event.response_status.response
    assert status is not None
    assert status.value == "response-value"
    assert not status.known
    # an unparseable server timestamp is None and kept verbatim
    assert event.response_status.time is None
    assert event.response_status.extra == {"time": "datetime-value"}
    assert event.to_graph(include_read_only=True)["responseStatus"]["time"] == "datetime-value"


def test_calendarview_delta_utc_events() -> None:
    body = response_body("concept-delta-query-events__03__get-calendarview-delta-3.json")
    [event] = structure_many(Event, body["value"])
    assert event.start == datetime(2016, 12, 12, 2, 0, tzinfo=UTC)
    assert event.organizer is not None
    assert event.organizer.name == "Samantha Booth"
    assert event.extra["@odata.type"] == "#microsoft.graph.event"
    assert "@odata.type" in event.to_graph()


def test_users_and_manager_chain() -> None:
    [adele] = structure_many(User, response_body("user-delta__01__user-delta.json")["value"])
    assert adele.display_name == "Adele Vance"
    assert adele.email == "AdeleV@contoso.onmicrosoft.com"
    assert adele.business_phones == ("+1 425 555 0109",)
    assert adele.to_placeos() == {
        "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
        "name": "Adele Vance",
        "email": "AdeleV@contoso.onmicrosoft.com",
        "username": "AdeleV@contoso.onmicrosoft.com",
        "title": "Retail Manager",
    }
    me = User.from_graph(response_body("user-list-manager__02__get-transitive-managers.json"))
    assert me.manager is not None
    assert me.manager.manager is not None
    assert me.manager.manager.manager is not None
    assert me.manager.manager.manager.display_name == "Patti Fernandez"


def test_members_and_directory_objects() -> None:
    [member] = structure_many(
        Member,
        response_body("group-list-transitivemembers__01__get-group-transitivemembers.json")[
            "value"
        ],
    )
    assert member.type == "user"
    assert isinstance(member.object, User)
    assert member.to_placeos()["email"] == "group1@contoso.com"
    [group] = structure_many(
        DirectoryObject, response_body("user-list-memberof__01__user-get-memberof.json")["value"]
    )
    assert isinstance(group, Group)
    assert group.display_name == "All Users"
    assert group.type == "group"
    odd = Member.from_graph({"@odata.type": "#microsoft.graph.orgContact", "id": "x"})
    assert odd.type == "orgContact"
    assert Member.from_graph({"@odata.type": "#microsoft.graph.device"}).type == "device"
    weird = DirectoryObject.from_graph({"@odata.type": "#microsoft.graph.somethingNew", "id": "1"})
    assert type(weird) is DirectoryObject
    assert weird.type == "somethingNew"


def test_groups_to_placeos() -> None:
    groups = structure_many(Group, response_body("group-list__02__get-groups.json")["value"])
    assert groups
    for group in groups:
        shape = group.to_placeos()
        assert set(shape) <= {"id", "name", "description"}
        assert shape["name"] == group.display_name


def test_calendars() -> None:
    [cal] = structure_many(
        Calendar, response_body("user-list-calendars__01__user-get-calendars.json")["value"]
    )
    assert cal.owner is not None
    assert cal.owner.name == "Samantha Booth"
    assert cal.to_placeos() == {
        "id": "samanthab@adatum.onmicrosoft.com",
        "ref": "AAMkAGI2TGuLAAA=",
        "summary": "Calendar",
        "primary": False,
        "can_edit": True,
    }
    assert cal.to_placeos("room@x")["id"] == "room@x"


def test_places() -> None:
    room = Place.from_graph(response_body("place-get__01__get-room.json"))
    assert isinstance(room, Room)
    rooms = structure_many(Room, response_body("place-list__01__get-all-rooms.json")["value"])
    assert [r.capacity for r in rooms] == [50, 40]
    assert rooms[0].tags == ("bean bags",)
    assert rooms[0].email == "cf100@contoso.com"
    roomlist = Place.from_graph(response_body("place-get__02__get-roomlist.json"))
    assert isinstance(roomlist, RoomList)
    assert roomlist.email_address == "bldg1@contoso.com"
    assert roomlist.extra["geocoordinates"] is None  # odd key spelling kept


def test_schedule() -> None:
    body = response_body("calendar-getschedule__01__calendar-getschedule.json")
    adele, megan = structure_many(ScheduleInformation, body["value"])
    assert adele.schedule_id == "adelev@contoso.onmicrosoft.com"
    assert adele.availability_view == "000220000"
    item = adele.schedule_items[0]
    assert item.status is FreeBusyStatus.BUSY
    assert item.start == datetime(2019, 3, 15, 12, 0, tzinfo=PST)
    assert megan.schedule_items[2].status is FreeBusyStatus.TENTATIVE
    assert megan.working_hours is not None
    assert megan.working_hours.time_zone is not None
    assert megan.working_hours.time_zone.extra["bias"] == 480
    shape = adele.to_placeos()
    assert shape["calendar"] == "adelev@contoso.onmicrosoft.com"
    assert shape["availability"][0]["status"] == "busy"


def test_subscription() -> None:
    sub = Subscription.from_graph(
        response_body("subscription-update__01__update-subscription.json")
    )
    assert sub.change_types == ("created", "updated")
    assert sub.expiration == datetime(2016, 11, 22, 18, 23, 45, 935691, tzinfo=UTC)
    assert sub.to_placeos()["expires_at"] == "2016-11-22T18:23:45Z"
    assert "applicationId" not in sub.to_graph()


def test_attachments() -> None:
    att = Attachment.from_graph(
        response_body("event-post-attachments__01__create-file-attachment-from-event-v1.json")
    )
    assert att.kind == "file"
    assert att.name
    item = Attachment.from_graph(
        response_body("event-post-attachments__02__create-item-attachment-from-event.json")
    )
    assert item.kind == "item"
    # the list sample's "contentBytes-value" placeholder is not base64: a clear error
    with pytest.raises(ModelValidationError, match=r"Attachment\[0\]\.content: invalid base64"):
        structure_many(
            Attachment,
            response_body("event-list-attachments__01__event-get-attachments-v1.json")["value"],
        )
