"""Typed errors built from Graph's real error bodies."""

from __future__ import annotations

import json

import httpx
import pytest
from examples import example

from graphlink import errors
from graphlink._core.responses import api_error


def response_of(name: str) -> tuple[int, dict[str, str], bytes]:
    data = example(name)
    return (
        data["response_status"],
        data["response_headers"],
        json.dumps(data["response_body"]).encode(),
    )


def test_throttling_sample_maps_to_rate_limit_error() -> None:
    status, headers, content = response_of("concept-throttling__01__sample-response")
    error = api_error(status, headers, content, retry_after=2.128)
    assert isinstance(error, errors.RateLimitError)
    assert error.code == "TooManyRequests"
    assert error.message == "Please retry again later."
    assert error.request_id == "94fb3b52-452a-4535-a601-69e0a90e3aa2"
    assert error.retry_after == 2.128


def test_mime_error_maps_to_bad_request() -> None:
    status, headers, content = response_of(
        "user-sendmail__05__example-4-send-a-new-message-using-mime-format"
    )
    error = api_error(status, headers, content)
    assert isinstance(error, errors.BadRequestError)
    assert error.code == "ErrorMimeContentInvalidBase64String"


@pytest.mark.parametrize(
    ("status", "expected"),
    [(403, errors.PermissionDeniedError), (405, errors.GraphAPIError)],
)
def test_batch_item_errors_from_the_2025_sample(status, expected) -> None:
    data = example("concept-json-batching-2025__01__json-batching-example-request")
    for item in data["response_body"]["responses"]:
        if item["status"] != status:
            continue
        error = api_error(item["status"], {}, json.dumps(item["body"]).encode())
        assert type(error) is expected
        assert error.request_id == item["body"]["error"]["innerError"]["request-id"]
        assert error.client_request_id == item["body"]["error"]["innerError"]["client-request-id"]
        assert error.message  # an empty code still gives a useful error


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (410, errors.DeltaResyncRequired),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (503, errors.ServerError),
        (418, errors.GraphAPIError),
    ],
)
def test_status_classes(status, cls) -> None:
    error = api_error(status, {}, b'{"error": {"code": "X", "message": "m"}}')
    assert type(error) is cls
    assert isinstance(error, errors.GraphError)


def test_resync_codes_map_to_delta_resync() -> None:
    error = api_error(400, {}, b'{"error": {"code": "syncStateNotFound", "message": "m"}}')
    assert isinstance(error, errors.DeltaResyncRequired)


def test_old_spellings_and_header_fallbacks() -> None:
    body = (
        b'{"error": {"code": "itemNotFound", "message": "gone", "innererror": {"requestId": "r"}}}'
    )
    assert api_error(404, {}, body).request_id == "r"
    headers = {"request-id": "h", "client-request-id": "c"}
    error = api_error(404, headers, b'{"error": {"code": "x", "message": "y"}}')
    assert (error.request_id, error.client_request_id) == ("h", "c")


def test_non_json_error_body_keeps_text() -> None:
    error = api_error(502, {}, b"<html>Bad Gateway</html>")
    assert isinstance(error, errors.ServerError)
    assert "Bad Gateway" in error.message
    empty = api_error(500, {}, b"")
    assert empty.message == "HTTP 500"


def test_error_text_is_readable() -> None:
    error = api_error(404, {}, b'{"error": {"code": "ErrorItemNotFound", "message": "nope"}}')
    assert str(error) == "404 ErrorItemNotFound: nope"


def test_errors_from_the_wire(harness) -> None:
    h = harness(
        lambda r: httpx.Response(
            404,
            json={"error": {"code": "Request_ResourceNotFound", "message": "Resource 'x'"}},
            headers={"request-id": "rid"},
        )
    )
    with pytest.raises(errors.NotFoundError) as info:
        h.request("GET", "/users/x")
    assert info.value.code == "Request_ResourceNotFound"
    assert info.value.request_id == "rid"
