"""Free/busy for any number of mailboxes over any window: split by 20 mailboxes and by
window (< 42 days), merged one result per mailbox in the order asked, errors surfaced."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from calendar_support import SVC, body_of, graph_path

from graphlink import errors
from graphlink.models import FreeBusyStatus
from graphlink.testing import FakeGraph

START = datetime(2030, 1, 7, 0, tzinfo=UTC)


def when(value: dict) -> datetime:
    assert value["timeZone"] == "UTC"
    return datetime.fromisoformat(value["dateTime"][:19]).replace(tzinfo=UTC)


class ScheduleServer:
    """Answers getSchedule like Graph (limits included); window ``i`` is written as digit
    ``i`` in every view so the joins can be checked."""

    def __init__(self, *, errors_for: tuple[str, ...] = ()) -> None:
        self.windows: list[tuple[datetime, datetime]] = []
        self.errors_for = errors_for

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = body_of(request)
        names = body["schedules"]
        start, end = when(body["startTime"]), when(body["endTime"])
        interval = timedelta(minutes=body["availabilityViewInterval"])
        if len(names) > 20 or end - start >= timedelta(days=42) or interval > end - start:
            return httpx.Response(
                400, json={"error": {"code": "ErrorInvalidRequest", "message": "limit"}}
            )
        if (start, end) not in self.windows:
            self.windows.append((start, end))
        index = self.windows.index((start, end))
        slots = -((start - end) // interval)
        value = []
        for name in names:
            if name in self.errors_for:
                value.append(
                    {
                        "scheduleId": name,
                        "error": {"message": f"Unable to resolve {name}", "responseCode": "5009"},
                    }
                )
                continue
            value.append(
                {
                    "scheduleId": name,
                    "availabilityView": str(index % 10) * slots,
                    "scheduleItems": [
                        {
                            "status": "busy",
                            "subject": f"w{index}",
                            "start": {"dateTime": body["startTime"]["dateTime"], "timeZone": "UTC"},
                            "end": {"dateTime": body["startTime"]["dateTime"], "timeZone": "UTC"},
                        }
                    ],
                }
            )
        return httpx.Response(200, json={"value": value})


def names(n: int) -> list[str]:
    return [f"Person{i:02}@contoso.com" for i in range(n)]


def test_45_mailboxes_are_asked_in_three_calls_of_at_most_20(harness) -> None:
    server = ScheduleServer()
    h = harness(server, service_account=SVC)
    asked = names(45)
    result = h.run(h.client.calendars.get_schedule(asked, START, START + timedelta(hours=8)))
    sizes = [len(body_of(r)["schedules"]) for r in h.requests]
    assert sizes == [20, 20, 5]
    assert [n for r in h.requests for n in body_of(r)["schedules"]] == asked
    assert [r.schedule_id for r in result] == asked
    assert all(r.availability_view == "0" * 16 for r in result)
    assert all(graph_path(r) == f"/users/{SVC}/calendar/getSchedule" for r in h.requests)


def test_a_90_day_window_is_split_into_calls_under_42_days_and_joined(harness) -> None:
    server = ScheduleServer()
    h = harness(server, service_account=SVC)
    end = START + timedelta(days=90)
    (result,) = h.run(h.client.calendars.get_schedule(["room@contoso.com"], START, end))
    windows = server.windows
    assert len(windows) >= 3
    assert windows[0][0] == START
    assert windows[-1][1] == end
    for (_a, b), (c, _d) in itertools.pairwise(windows):
        assert b == c  # consecutive, no gap, no overlap
    assert all(b - a < timedelta(days=42) for a, b in windows)
    view = result.availability_view
    assert len(view) == 90 * 48  # one digit per 30 minutes of the whole window
    expected = "".join(
        str(i) * int((b - a) / timedelta(minutes=30)) for i, (a, b) in enumerate(windows)
    )
    assert view == expected  # joined in window order
    assert [item.subject for item in result.schedule_items] == [
        f"w{i}" for i in range(len(windows))
    ]


def test_many_mailboxes_over_a_long_window(harness) -> None:
    server = ScheduleServer()
    h = harness(server, service_account=SVC)
    asked = names(45)
    result = h.run(
        h.client.calendars.get_schedule(asked, START, START + timedelta(days=90), interval=60)
    )
    assert len(h.requests) == 3 * len(server.windows)
    assert all(len(body_of(r)["schedules"]) <= 20 for r in h.requests)
    assert [r.schedule_id for r in result] == asked
    assert {len(r.availability_view) for r in result} == {90 * 24}
    assert {len(r.schedule_items) for r in result} == {len(server.windows)}


def test_a_per_schedule_error_is_surfaced_not_raised(harness) -> None:
    server = ScheduleServer(errors_for=("ghost@contoso.com",))
    h = harness(server, service_account=SVC)
    asked = ["a@contoso.com", "ghost@contoso.com", "b@contoso.com"]
    result = h.run(h.client.calendars.get_schedule(asked, START, START + timedelta(days=60)))
    assert [r.schedule_id for r in result] == asked
    ghost = result[1]
    assert ghost.error is not None
    assert ghost.error.response_code == "5009"
    assert ghost.availability_view is None
    assert result[0].error is None
    assert result[2].error is None
    assert len(result[0].availability_view) == 60 * 48


def test_results_follow_the_asked_order_whatever_graph_answers(harness) -> None:
    def reversed_answer(request: httpx.Request) -> httpx.Response:
        asked = body_of(request)["schedules"]
        return httpx.Response(
            200,
            json={
                "value": [
                    {"scheduleId": n.upper(), "availabilityView": "0"} for n in reversed(asked)
                ]
            },
        )

    h = harness(reversed_answer, service_account=SVC)
    asked = ["b@contoso.com", "a@contoso.com", "c@contoso.com"]
    result = h.run(h.client.calendars.get_schedule(asked, START, START + timedelta(minutes=30)))
    assert [r.schedule_id.lower() for r in result] == asked


def test_a_mailbox_graph_left_out_still_gets_a_result(harness) -> None:
    h = harness(lambda r: httpx.Response(200, json={"value": []}), service_account=SVC)
    result = h.run(
        h.client.calendars.get_schedule(["a@contoso.com"], START, START + timedelta(hours=1))
    )
    assert [r.schedule_id for r in result] == ["a@contoso.com"]


def test_a_single_string_is_one_mailbox(harness) -> None:
    server = ScheduleServer()
    h = harness(server, service_account=SVC)
    result = h.run(
        h.client.calendars.get_schedule("room@contoso.com", START, START + timedelta(hours=1))
    )
    assert [r.schedule_id for r in result] == ["room@contoso.com"]
    assert body_of(h.requests[0])["schedules"] == ["room@contoso.com"]


def test_a_whole_call_failure_raises(harness) -> None:
    h = harness(
        lambda r: httpx.Response(
            403, json={"error": {"code": "ErrorAccessDenied", "message": "no"}}
        ),
        service_account=SVC,
    )
    with pytest.raises(errors.PermissionDeniedError):
        h.run(h.client.calendars.get_schedule(["a@contoso.com"], START, START + timedelta(hours=1)))


def test_a_mailbox_asked_twice_is_not_doubled(harness) -> None:
    server = ScheduleServer()
    h = harness(server, service_account=SVC)
    asked = ["a@contoso.com", "b@contoso.com", "a@contoso.com"]
    result = h.run(h.client.calendars.get_schedule(asked, START, START + timedelta(hours=2)))
    assert [r.schedule_id for r in result] == asked
    assert [r.availability_view for r in result] == ["0000"] * 3
    assert [len(r.schedule_items) for r in result] == [1, 1, 1]


def test_a_padded_mailbox_keeps_its_answer(harness) -> None:
    """Regression: once sent stripped but merged under the unstripped name (answer lost)."""
    server = ScheduleServer()
    h = harness(server, service_account=SVC)
    (result,) = h.run(
        h.client.calendars.get_schedule([" a@contoso.com "], START, START + timedelta(hours=1))
    )
    assert result.availability_view == "00"


# ------------------------------------------------------------------ against FakeGraph


@pytest.fixture(scope="module")
def office() -> FakeGraph:
    fake = FakeGraph()
    fake.add_user(SVC, "Service")
    for i, name in enumerate(names(45)):
        fake.add_user(name, f"Person {i}")
        # Busy on day i (09:00-10:00): spread across the 90-day window's sub-windows.
        at = START + timedelta(days=2 * i, hours=9)
        fake.add_event(name, f"Busy {i}", at, at + timedelta(hours=1))
    fake.add_room("Room 1", "room1@contoso.com")
    return fake


def test_fake_45_mailboxes_over_90_days(office: FakeGraph, on_fake) -> None:
    run = on_fake(office)
    asked = [*names(45), "ghost@contoso.com", "room1@contoso.com"]
    office.clear_requests()
    result = run.run(
        run.client.calendars.get_schedule(asked, START, START + timedelta(days=90), interval=60)
    )
    calls = [r for r in office.requests if r.path.endswith("/getSchedule")]
    assert all(r.status == 200 for r in calls)
    assert len(calls) == 3 * 3  # 47 mailboxes in 3 calls, for each of 3 windows
    assert [r.schedule_id for r in result] == asked
    for i, info in enumerate(result[:45]):
        assert info.error is None
        view = info.availability_view
        assert len(view) == 90 * 24
        busy = 2 * i * 24 + 9
        assert view[busy] == "2", i
        assert view.count("2") == 1, i
        (item,) = info.schedule_items
        assert item.status == FreeBusyStatus.BUSY
        assert item.start == START + timedelta(days=2 * i, hours=9)
    ghost, room = result[45], result[46]
    assert ghost.error is not None
    assert ghost.error.response_code == "5009"
    assert room.error is None
    assert set(room.availability_view) == {"0"}


def test_fake_a_window_just_over_41_days(office: FakeGraph, on_fake) -> None:
    """The split never leaves a last call shorter than the interval (Graph's 400)."""
    run = on_fake(office)
    end = START + timedelta(days=41, minutes=10)
    (info,) = run.run(run.client.calendars.get_schedule(["person00@contoso.com"], START, end))
    assert info.error is None
    assert len(info.availability_view) == 41 * 48 + 1


def test_every_split_call_is_at_least_one_interval_long(harness) -> None:
    server = ScheduleServer()  # answers 400 to a call shorter than its interval
    h = harness(server, service_account=SVC)
    for days, minutes, interval in [(41, 10, 30), (83, 5, 60), (41, 1, 1440), (100, 7, 7)]:
        end = START + timedelta(days=days, minutes=minutes)
        (info,) = h.run(
            h.client.calendars.get_schedule(["a@contoso.com"], START, end, interval=interval)
        )
        unit = timedelta(minutes=interval)
        assert len(info.availability_view) == -(-(end - START) // unit)
