"""The command table, ``execute``'s checks (before any request), the error JSON, status."""

from __future__ import annotations

import inspect
import json
from typing import Any

import httpx
import pytest
from placeos_support import ADA, CASES, SEED, SVC, build_fake, client_options

from graphlink.errors import NotFoundError, ValidationError
from graphlink.placeos import AsyncPlaceOSDriver, PlaceOSDriver, error_json
from graphlink.placeos._commands import commands
from graphlink.testing import FakeGraph


def test_the_table_is_the_seed_command_for_command() -> None:
    table = commands(PlaceOSDriver)
    assert set(table) == set(SEED)
    for name, found in table.items():
        assert [p.json_name for p in found.parameters] == SEED[name], name
    assert {case.command for case in CASES} == set(SEED)  # every command is exercised


def test_both_drivers_have_the_same_table() -> None:
    sync, asyncio = commands(PlaceOSDriver), commands(AsyncPlaceOSDriver)
    assert list(sync) == list(asyncio)
    for name in sync:
        assert sync[name].parameters == asyncio[name].parameters
        assert inspect.iscoroutinefunction(getattr(AsyncPlaceOSDriver, name))


def test_the_seed_defaults() -> None:
    table = commands(PlaceOSDriver)
    defaults = {
        (name, p.json_name): p.default
        for name, found in table.items()
        for p in found.parameters
        if not p.required
    }
    assert defaults[("generate_png_qrcode", "size")] == 128
    assert defaults[("list_events", "include_cancelled")] is False
    assert defaults[("send_mail", "cc")] == ()
    assert defaults[("send_mail", "from")] is None
    assert defaults[("create_event", "event_end")] is None
    required = {
        name: [p.json_name for p in f.parameters if p.required] for name, f in table.items()
    }
    assert required["create_event"] == ["title", "event_start"]
    assert required["list_events"] == ["calendar_id", "period_start", "period_end"]
    assert required["send_template"] == ["to", "template", "args"]


BAD: list[tuple[str, Any, str]] = [
    ("no_such_command", {}, "unknown command 'no_such_command'"),
    ("get_user", {"user_id": ADA, "mailbox": "x"}, "unknown argument 'mailbox'"),
    ("get_user", {}, "missing required argument 'user_id'"),
    ("list_events", {"calendar_id": SVC}, "'period_start', 'period_end'"),
    ("list_events", {"calendar_id": SVC, "period_start": "soon", "period_end": 1}, "integer"),
    ("list_events", {"calendar_id": SVC, "period_start": True, "period_end": 1}, "boolean"),
    ("generate_png_qrcode", {"text": "x", "size": 12.5}, "'size' must be integer"),
    ("send_mail", {"to": [ADA, 3], "subject": "s"}, "'to' must be string or array of string"),
    ("send_mail", {"to": ADA, "subject": "s", "from": SVC, "from_": SVC}, "given twice"),
    ("build_template", {"string": "x", "args": {"a": [1]}}, "'args' must be object"),
    ("create_event", {"title": "t", "event_start": 1, "attendees": [7]}, "'attendees'"),
    ("get_user", ["ada"], "must be a JSON object"),
]


@pytest.mark.parametrize(("command", "args", "message"), BAD, ids=[b[2] for b in BAD])
def test_execute_refuses_before_any_request(
    command: str, args: Any, message: str, fake: FakeGraph, driver: PlaceOSDriver
) -> None:
    fake.clear_requests()
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        driver.execute(command, args)
    assert fake.requests == []


async def test_execute_refuses_before_any_request_async(
    fake: FakeGraph, adriver: AsyncPlaceOSDriver
) -> None:
    fake.clear_requests()
    with pytest.raises(ValidationError, match="unknown argument 'calendar'"):
        await adriver.execute("list_events", {"calendar": SVC})
    assert fake.requests == []


def test_from_and_from_underscore_both_name_the_sender(
    fake: FakeGraph, driver: PlaceOSDriver
) -> None:
    driver.execute("send_mail", {"to": ADA, "subject": "a", "message_plaintext": "x", "from_": ADA})
    assert fake.sent_mail[-1].sender == ADA
    driver.execute(
        "send_mail", {"to": ADA, "subject": "b", "message_plaintext": "x", "from": [ADA]}
    )
    assert fake.sent_mail[-1].sender == ADA


@pytest.mark.parametrize(
    ("attachment", "message"),
    [
        ({"content": "aGk="}, "needs a file_name"),
        ({"file_name": "a.txt", "content": "not base64!"}, "not valid Base64"),
        ({"file_name": "a.txt", "content": "aGk=", "colour": "red"}, "unknown key 'colour'"),
    ],
)
def test_bad_attachments_are_refused_before_sending(
    attachment: dict[str, Any], message: str, fake: FakeGraph, driver: PlaceOSDriver
) -> None:
    fake.clear_requests()
    with pytest.raises(ValidationError, match=message):
        driver.send_mail(ADA, "s", message_plaintext="x", attachments=[attachment])
    assert fake.requests == []


def test_get_members_needs_a_group(driver: PlaceOSDriver) -> None:
    with pytest.raises(ValidationError, match="group_id is required"):
        driver.get_members()


def test_get_groups_defaults_to_the_service_account(driver: PlaceOSDriver) -> None:
    assert [g["name"] for g in driver.get_groups()] == ["Everyone"]


def test_send_template_names(fake: FakeGraph, driver: PlaceOSDriver) -> None:
    for name in ("visitor.checkin", {"event_name": "visitor", "notify_who": "checkin"}):
        assert driver.send_template(ADA, name, {"name": "Bo", "time": "now"}) is True
        assert fake.sent_mail[-1].subject == "Bo has arrived"


def test_error_json_of_a_graph_error(driver: PlaceOSDriver) -> None:
    with pytest.raises(NotFoundError) as caught:
        driver.execute("get_user", {"user_id": "nobody-at-all"})
    answer = error_json(caught.value)
    assert json.loads(json.dumps(answer)) == answer
    assert answer["error"] == "request failed"
    assert (answer["status"], answer["type"]) == (404, "NotFoundError")
    assert answer["code"]
    assert answer["request_id"]
    assert "nobody-at-all" in answer["message"]


def test_error_json_of_a_validation_error(driver: PlaceOSDriver) -> None:
    with pytest.raises(ValidationError) as caught:
        driver.execute("nope", {})
    answer = error_json(caught.value)
    assert answer == {
        "error": "request failed",
        "message": answer["message"],
        "status": None,
        "code": None,
        "type": "ValidationError",
        "request_id": None,
    }
    assert "unknown command 'nope'" in answer["message"]


def test_status_says_connected_after_a_request(driver: PlaceOSDriver) -> None:
    assert driver.status == {"connected": False}
    driver.get_user(ADA)
    assert driver.status == {"connected": True}


async def test_status_async(adriver: AsyncPlaceOSDriver) -> None:
    assert adriver.status == {"connected": False}
    await adriver.list_users(limit=1)
    assert adriver.status == {"connected": True}


SETTINGS = {
    "calendar_service_account": SVC,
    "calendar_config": {"tenant": "contoso", "client_id": "app", "conference_type": ""},
    "rate_limit": 5,
    "mailer_from": SVC,
    "email_templates": client_options()["email_templates"],
}


def test_from_settings() -> None:
    fake = build_fake()
    http = httpx.Client(transport=fake.transport())
    with PlaceOSDriver.from_settings(SETTINGS, token="fake-token", http_client=http) as driver:
        assert driver.client.config.service_account == SVC
        assert [g["name"] for g in driver.get_groups()] == ["Everyone"]
    http.close()


async def test_from_settings_async() -> None:
    fake = build_fake()
    async with (
        httpx.AsyncClient(transport=fake.async_transport()) as http,
        AsyncPlaceOSDriver.from_settings(SETTINGS, token="fake-token", http_client=http) as driver,
    ):
        assert (await driver.get_user(ADA))["name"] == "Ada Lovelace"


@pytest.mark.parametrize(
    ("attendees", "message"),
    [
        ([{"name": "No address"}], r"attendees\[0\] needs an email"),
        ([ADA, {"email": ADA, "name": 7}], r"attendees\[1\].name must be a string"),
        ([3], r"attendees\[0\] must be an address or an object"),
    ],
)
def test_bad_attendees_are_refused_before_booking(
    attendees: list[Any], message: str, fake: FakeGraph, driver: PlaceOSDriver
) -> None:
    fake.clear_requests()
    with pytest.raises(ValidationError, match=message):
        driver.create_event("t", 1796025600, attendees=attendees)
    assert fake.requests == []


def test_optional_attendees_and_a_single_address(fake: FakeGraph, driver: PlaceOSDriver) -> None:
    booked = driver.create_event(
        "t", 1796025600, 1796029200, attendees=[{"email": ADA, "optional": True}]
    )
    graph = next(e for e in fake.events(SVC) if e["id"] == booked["id"])
    assert [a["type"] for a in graph["attendees"]] == ["optional"]
    booked = driver.create_event("u", 1796025600, 1796029200, attendees=ADA)
    assert [a["email"] for a in booked["attendees"]] == [ADA]


@pytest.mark.parametrize("name", [["visitor"], {"event_name": "visitor"}, ["visitor", 3]])
def test_bad_template_names(name: Any, driver: PlaceOSDriver) -> None:
    with pytest.raises(ValidationError, match="template must be"):
        driver.send_template(ADA, name, {})


async def test_no_service_account_means_user_id_is_needed(fake: FakeGraph) -> None:
    async with fake.async_client() as client:
        with pytest.raises(ValidationError, match="user_id is required"):
            await AsyncPlaceOSDriver(client).get_groups()
