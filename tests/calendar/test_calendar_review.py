"""Cases an outside review found: fixed offsets, lost deletes, organizer checks, merging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from calendar_support import SVC, body_of, event_json, graph_path
from harness import graph_error, sequence

from graphlink import errors
from graphlink.models import ScheduleInformation
from graphlink.resources._calendar import merge_schedules


def test_an_all_day_event_from_a_fixed_offset_is_on_its_local_day(harness) -> None:
    h = harness(lambda r: httpx.Response(201, json=event_json()), service_account=SVC)
    plus_ten = timezone(timedelta(hours=10))
    h.run(h.client.events.create("Offsite", datetime(2024, 3, 5, 8, tzinfo=plus_ten)))
    body = body_of(h.requests[0])
    assert body["isAllDay"] is True
    assert body["start"] == {"dateTime": "2024-03-05T00:00:00.0000000", "timeZone": "Etc/GMT-10"}
    assert body["end"]["dateTime"] == "2024-03-06T00:00:00.0000000"


def test_a_zone_with_no_name_is_refused_before_sending(harness) -> None:
    h = harness(lambda r: httpx.Response(201, json=event_json()), service_account=SVC)
    odd = timezone(timedelta(hours=5, minutes=45))
    with pytest.raises(errors.ValidationError, match="timezone="):
        h.run(h.client.events.create("x", datetime(2024, 3, 5, 8, tzinfo=odd)))
    assert h.requests == []


def test_a_delete_answered_404_after_a_throttled_attempt_is_not_a_success(harness) -> None:
    h = harness(
        sequence(
            graph_error(429, "TooManyRequests", **{"Retry-After": "1"}),
            graph_error(404, "ErrorItemNotFound"),
        ),
        service_account=SVC,
    )
    with pytest.raises(errors.NotFoundError):
        h.run(h.client.events.delete(SVC, "no-such-event"))


def test_a_delete_answered_404_after_a_lost_answer_is_a_success(harness) -> None:
    h = harness(
        sequence(graph_error(504, "gatewayTimeout"), graph_error(404, "ErrorItemNotFound")),
        service_account=SVC,
    )
    assert h.run(h.client.events.delete(SVC, "E1")) is None
    assert len(h.requests) == 2


def test_a_create_that_ran_out_of_retries_says_how_to_retry_safely(harness) -> None:
    h = harness(lambda r: graph_error(504, "gatewayTimeout"), service_account=SVC)
    start = datetime(2026, 12, 7, 9, tzinfo=UTC)
    with pytest.raises(errors.ServerError) as caught:
        h.run(h.client.events.create("x", start, start + timedelta(hours=1), transaction_id="t-42"))
    assert caught.value.maybe_processed
    assert "transaction_id='t-42'" in str(caught.value)


def test_a_failed_organizer_check_keeps_the_declines_own_error(harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return graph_error(400, "ErrorInvalidRequest", "You can't respond to this meeting.")
        return graph_error(403, "ErrorAccessDenied")

    h = harness(handler, service_account=SVC)
    with pytest.raises(errors.BadRequestError) as caught:
        h.run(h.client.events.decline(SVC, "E1"))
    assert any("could not tell" in note for note in caught.value.__notes__)
    assert [graph_path(r).rsplit("/", 1)[-1] for r in h.requests] == ["decline", "E1"]


def _info(name: str, view: str | None, error: bool = False) -> ScheduleInformation:
    data = {"scheduleId": name}
    if view is not None:
        data["availabilityView"] = view
    if error:
        data["error"] = {"message": "not found", "responseCode": "5009"}
    return ScheduleInformation.from_graph(data)


def test_a_window_without_a_view_leaves_no_shifted_view() -> None:
    merged = merge_schedules(
        ["a@x.com"], [[_info("a@x.com", None, error=True)], [_info("a@x.com", "2200")]]
    )
    assert merged[0].availability_view is None
    assert merged[0].error is not None


def test_a_mailbox_graph_left_out_gets_an_error() -> None:
    merged = merge_schedules(["a@x.com", "b@x.com"], [[_info("a@x.com", "00")]])
    assert merged[0].error is None
    assert merged[1].error is not None
    assert merged[1].availability_view is None


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"event_start": None}, "event_start"),
        ({"locations": 5}, "locations"),
        (
            {
                "all_day": True,
                "event_start": datetime(2026, 1, 1, 9, tzinfo=UTC),
                "event_end": datetime(2026, 1, 2, tzinfo=UTC),
            },
            "midnight",
        ),
    ],
)
def test_bad_updates_are_refused_before_sending(harness, changes, match) -> None:
    h = harness(lambda r: httpx.Response(200, json=event_json()), service_account=SVC)
    with pytest.raises(errors.ValidationError, match=match):
        h.run(h.client.events.update(SVC, "E1", **changes))
    assert h.requests == []


def test_clearing_the_description_sends_an_empty_body(harness) -> None:
    h = harness(lambda r: httpx.Response(200, json=event_json()), service_account=SVC)
    h.run(h.client.events.update(SVC, "E1", description=None))
    assert body_of(h.requests[0]) == {"body": {"contentType": "html", "content": ""}}
