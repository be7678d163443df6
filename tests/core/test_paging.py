"""Paging: every page, headers carried over, limits, delta links, foreign hosts refused."""

from __future__ import annotations

import httpx
import pytest

from graphlink import errors
from graphlink.errors import UnsafeLinkError

BASE = "https://graph.microsoft.com/v1.0"


def pager(pages: int, size: int, *, next_host: str = BASE, delta: bool = False):
    def handler(request: httpx.Request) -> httpx.Response:
        index = int(request.url.params.get("$skiptoken", "0"))
        body: dict = {"value": [{"id": f"{index}-{i}"} for i in range(size)]}
        if index == 0:
            body["@odata.count"] = pages * size
        if index + 1 < pages:
            body["@odata.nextLink"] = f"{next_host}/users?$top={size}&$skiptoken={index + 1}"
        elif delta:
            body["@odata.deltaLink"] = f"{BASE}/users/delta?$deltatoken=abc"
        return httpx.Response(200, json=body)

    return handler


def test_follows_every_page_with_headers(harness) -> None:
    h = harness(pager(5, 3))
    paginator = h.client.paginate(
        "/users",
        params={"$top": 3, "$count": True},
        headers={"ConsistencyLevel": "eventual", "Prefer": "odata.maxpagesize=3"},
    )
    items = h.collect(paginator)
    assert len(items) == 15
    assert items[-1] == {"id": "4-2"}
    assert len(h.requests) == 5
    for request in h.requests:
        assert request.headers["ConsistencyLevel"] == "eventual"
        assert request.headers["Prefer"] == "odata.maxpagesize=3"
    # The nextLink is requested verbatim, not rebuilt from the first request's params.
    assert str(h.requests[1].url) == f"{BASE}/users?$top=3&$skiptoken=1"
    assert h.requests[0].url.params["$count"] == "true"
    assert paginator.count == 15


def test_pages_expose_links(harness) -> None:
    h = harness(pager(2, 2, delta=True))
    paginator = h.client.paginate("/users/delta")
    pages = h.pages(paginator)
    assert [len(p.items) for p in pages] == [2, 2]
    assert pages[0].next_link is not None
    assert pages[0].count == 4
    assert pages[1].next_link is None
    assert pages[1].delta_link == f"{BASE}/users/delta?$deltatoken=abc"
    assert paginator.delta_link == pages[1].delta_link


def test_limit_stops_fetching(harness) -> None:
    h = harness(pager(10, 3))
    assert len(h.collect(h.client.paginate("/users", limit=4))) == 4
    assert len(h.requests) == 2
    assert h.collect(h.client.paginate("/users", limit=0)) == []


def test_empty_page_with_next_link_is_followed(harness) -> None:
    responses = iter(
        [
            {"value": [], "@odata.nextLink": f"{BASE}/users?$skiptoken=x"},
            {"value": [{"id": "1"}]},
        ]
    )
    h = harness(lambda r: httpx.Response(200, json=next(responses)))
    assert h.collect(h.client.paginate("/users")) == [{"id": "1"}]


@pytest.mark.parametrize(
    "host",
    [
        "https://evil.example.com/v1.0",
        "http://graph.microsoft.com/v1.0",
        "https://graph.microsoft.com.evil.example/v1.0",
        "https://graph.microsoft.us/v1.0",
        "https://graph.microsoft.com@evil.example.com/v1.0",
        "https://user:pw@graph.microsoft.com/v1.0",
        "https://graph.microsoft.com:8443/v1.0",
        " https://graph.microsoft.com/v1.0",
        "/v1.0",
    ],
)
def test_refuses_next_link_to_another_host(harness, host) -> None:
    h = harness(pager(3, 1, next_host=host))
    with pytest.raises(UnsafeLinkError):
        h.collect(h.client.paginate("/users"))
    assert len(h.requests) == 1  # the token never went to the other host
    assert isinstance(UnsafeLinkError("x"), errors.GraphError)


def test_default_port_in_a_link_is_the_same_host(harness) -> None:
    h = harness(pager(3, 1, next_host="https://GRAPH.microsoft.com:443/v1.0"))
    assert len(h.collect(h.client.paginate("/users"))) == 3


@pytest.mark.parametrize(
    "body",
    [[], None, {"value": {"id": 1}}, {"id": "x"}, {"value": [], "@odata.nextLink": 12}],
    ids=["list", "null", "value-object", "no-value", "link-not-string"],
)
def test_collection_bodies_of_the_wrong_shape_are_errors(harness, body) -> None:
    h = harness(lambda r: httpx.Response(200, json=body))
    with pytest.raises(errors.InvalidResponseError):
        h.collect(h.client.paginate("/users"))


def test_raw_request_to_another_host_is_refused(harness) -> None:
    h = harness(pager(1, 1))
    with pytest.raises(UnsafeLinkError):
        h.request("GET", "https://evil.example.com/v1.0/users")
    assert h.requests == []


def test_custom_base_url_is_the_trusted_host(harness) -> None:
    h = harness(
        pager(3, 1, next_host="http://127.0.0.1:8080/v1.0"), base_url="http://127.0.0.1:8080/v1.0"
    )
    assert len(h.collect(h.client.paginate("/users"))) == 3


def test_negative_limit_is_refused(harness) -> None:
    h = harness(pager(1, 1))
    with pytest.raises(errors.ValidationError):
        h.client.paginate("/users", limit=-1)
