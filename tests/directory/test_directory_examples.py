"""users/groups methods against Microsoft's documented responses (request shape + parsing)."""

from __future__ import annotations

from urllib.parse import unquote

import httpx
import pytest
from examples import example

from graphlink import errors


def replay(name: str):
    """A handler answering every request with the documented response of ``name``."""
    data = example(name)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(data["response_status"], json=data["response_body"])

    return handler


def test_users_list_parses_the_documented_page(harness) -> None:
    h = harness(replay("user-list__01__get-users-2"))
    users = h.collect(h.client.users.list())
    documented = example("user-list__01__get-users-2")["response_body"]["value"]
    assert [u.display_name for u in users] == [u["displayName"] for u in documented]
    request = h.requests[0]
    assert request.url.path == "/v1.0/users"
    assert request.url.params["$filter"] == "accountEnabled eq true"
    assert request.url.params["$top"] == "999"
    assert "userPrincipalName" in request.url.params["$select"].split(",")
    assert "ConsistencyLevel" not in request.headers  # a basic query


def test_users_list_query_matches_each_word_like_the_driver(harness) -> None:
    h = harness(replay("user-list__01__get-users-2"))
    h.collect(h.client.users.list("Seán O'Brien", limit=5))
    params = h.requests[0].url.params
    assert params["$filter"] == (
        "accountEnabled eq true"
        " and (startswith(displayName,'Seán') or startswith(givenName,'Seán')"
        " or startswith(surname,'Seán') or startswith(mail,'Seán'))"
        " and (startswith(displayName,'O''Brien') or startswith(givenName,'O''Brien')"
        " or startswith(surname,'O''Brien') or startswith(mail,'O''Brien'))"
    )
    assert params["$top"] == "5"


def test_users_list_filter_passes_through_and_advanced_filters_get_consistency(harness) -> None:
    h = harness(replay("user-list__05__get-a-count-endswith"))
    users = h.collect(h.client.users.list(filter="endswith(mail,'a@contoso.com')"))
    assert users[0].display_name == "Grady Archie"
    request = h.requests[0]
    assert request.url.params["$filter"] == "endswith(mail,'a@contoso.com')"
    assert request.url.params["$count"] == "true"
    assert request.headers["ConsistencyLevel"] == "eventual"


def test_advanced_filter_keeps_consistency_on_every_page(harness) -> None:
    documented = example("user-list__05__get-a-count-endswith")["response_body"]
    pages = iter(
        [
            {
                **documented,
                "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$skiptoken=2",
            },
            {
                **documented,
                "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$skiptoken=3",
            },
            documented,
        ]
    )
    h = harness(lambda r: httpx.Response(200, json=next(pages)))
    users = h.collect(h.client.users.list(filter="mail ne 'x@contoso.com'"))
    assert len(users) == 3 * len(documented["value"])
    assert len(h.requests) == 3
    assert all(r.headers["ConsistencyLevel"] == "eventual" for r in h.requests)


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_queries_list_everything(harness, blank) -> None:
    h = harness(replay("user-list__01__get-users-2"))
    h.collect(h.client.users.list(blank))
    h.collect(h.client.groups.list(blank))
    assert h.requests[0].url.params["$filter"] == "accountEnabled eq true"
    assert "$filter" not in h.requests[1].url.params


def test_users_list_select_adds_fields(harness) -> None:
    h = harness(replay("user-list__01__get-users-2"))
    h.collect(h.client.users.list(select=["otherMails"]))
    assert h.requests[0].url.params["$select"].endswith(",otherMails")


def test_users_get_by_upn(harness) -> None:
    h = harness(replay("user-get__02__get-user"))
    user = h.run(h.client.users.get("AdeleV@contoso.onmicrosoft.com"))
    assert user.display_name == "Adele Vance"
    assert user.job_title == "Retail Manager"
    assert h.requests[0].url.raw_path.startswith(b"/v1.0/users/AdeleV%40contoso.onmicrosoft.com?")


def test_users_get_by_email_falls_back_to_a_mail_lookup(harness) -> None:
    documented = example("user-list__01__get-users-2")["response_body"]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1.0/users":
            # The documented item leaves out the id that graphlink always selects.
            return httpx.Response(200, json={"value": [{**documented["value"][0], "id": "u1"}]})
        return httpx.Response(
            404, json={"error": {"code": "Request_ResourceNotFound", "message": "x"}}
        )

    h = harness(handler)
    user = h.run(h.client.users.get("alias@contoso.com"))
    assert user.display_name == documented["value"][0]["displayName"]
    assert h.requests[1].url.params["$filter"] == (
        "mail eq 'alias@contoso.com' or userPrincipalName eq 'alias@contoso.com'"
    )


@pytest.mark.parametrize(
    "reference", ["no.one@contoso.com", "00000000-0000-0000-0000-000000000000"]
)
def test_unknown_user_is_not_found(harness, reference) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1.0/users":
            return httpx.Response(200, json={"value": []})
        return httpx.Response(
            404, json={"error": {"code": "Request_ResourceNotFound", "message": "x"}}
        )

    h = harness(handler)
    with pytest.raises(errors.NotFoundError):
        h.run(h.client.users.get(reference))


def test_ids_with_slashes_stay_one_segment(harness) -> None:
    h = harness(replay("user-get__02__get-user"))
    h.run(h.client.users.get("a/b+c=="))
    h.run(h.client.users.get("../me"))
    assert h.requests[0].url.raw_path.startswith(b"/v1.0/users/a%2Fb%2Bc%3D%3D?")
    assert h.requests[1].url.raw_path.startswith(b"/v1.0/users/..%2Fme?")


def test_manager(harness) -> None:
    h = harness(replay("user-list-manager__01__get-manager-2"))
    manager = h.run(h.client.users.manager("0b2d3f2c-id"))
    assert manager.display_name == "Sara Davis"
    assert manager.job_title == "Finance VP"
    assert h.requests[0].url.path == "/v1.0/users/0b2d3f2c-id/manager"


def test_no_manager_is_not_found(harness) -> None:
    h = harness(
        lambda r: httpx.Response(
            404, json={"error": {"code": "Request_ResourceNotFound", "message": "no manager"}}
        )
    )
    with pytest.raises(errors.NotFoundError):
        h.run(h.client.users.manager("0b2d3f2c-id"))


def test_user_groups_are_transitive_groups_with_consistency_on_every_page(harness) -> None:
    documented = example("user-list-transitivememberof__05__get-a-count")["response_body"]
    pages = iter(
        [
            {**documented, "@odata.nextLink": "https://graph.microsoft.com/v1.0/next?$skiptoken=1"},
            documented,
        ]
    )
    h = harness(lambda r: httpx.Response(200, json=next(pages)))
    groups = h.collect(h.client.users.groups("0b2d3f2c-id"))
    assert len(groups) == 2 * len(documented["value"])
    assert groups[0].display_name == "AAD Contoso Users"
    first = h.requests[0]
    assert first.url.path == "/v1.0/users/0b2d3f2c-id/transitiveMemberOf/microsoft.graph.group"
    assert first.url.params["$count"] == "true"
    assert all(r.headers["ConsistencyLevel"] == "eventual" for r in h.requests)


def test_user_groups_direct_only(harness) -> None:
    h = harness(replay("user-list-memberof__01__user-get-memberof"))
    groups = h.collect(h.client.users.groups("0b2d3f2c-id", transitive=False))
    assert groups[0].display_name == "All Users"
    assert groups[0].security_enabled is True
    assert h.requests[0].url.path == "/v1.0/users/0b2d3f2c-id/memberOf/microsoft.graph.group"


def test_groups_list_and_query(harness) -> None:
    h = harness(replay("group-list__02__get-groups"))
    groups = h.collect(h.client.groups.list("Fin'ance"))
    documented = example("group-list__02__get-groups")["response_body"]["value"]
    assert [g.id for g in groups] == [g["id"] for g in documented]
    assert h.requests[0].url.params["$filter"] == "startswith(displayName,'Fin''ance')"
    assert h.requests[0].url.params["$top"] == "999"


def test_group_get_by_id(harness) -> None:
    h = harness(replay("group-get__02__get-group-non-default"))
    group = h.run(h.client.groups.get("b320ee12-b1cd-4cca-b648-a437be61c5cd"))
    assert group.id == "b320ee12-b1cd-4cca-b648-a437be61c5cd"
    assert group.extra["allowExternalSenders"] is False


def test_group_members_of_every_type(harness) -> None:
    h = harness(replay("group-list-transitivemembers__01__get-group-transitivemembers"))
    members = h.collect(h.client.groups.members("g-id", transitive=True))
    assert members[0].type == "user"
    assert members[0].email == "group1@contoso.com"
    assert h.requests[0].url.path == "/v1.0/groups/g-id/transitiveMembers"


def test_group_members_by_email_resolves_once(harness) -> None:
    groups = example("group-list__02__get-groups")["response_body"]["value"][:1]
    members = example("group-list-transitivemembers__01__get-group-transitivemembers")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1.0/groups":
            return httpx.Response(200, json={"value": groups})
        return httpx.Response(200, json=members["response_body"])

    pages = iter(
        [
            {
                **members["response_body"],
                "@odata.nextLink": "https://graph.microsoft.com/v1.0/x?$skiptoken=1",
            },
            members["response_body"],
        ]
    )

    def paged(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1.0/groups":
            return handler(request)
        return httpx.Response(200, json=next(pages))

    h = harness(paged)
    paginator = h.client.groups.members("team@contoso.com")
    assert h.requests == []  # nothing is sent before iteration
    assert len(h.collect(paginator)) == 2
    assert [unquote(r.url.path) for r in h.requests] == [
        "/v1.0/groups",
        f"/v1.0/groups/{groups[0]['id']}/members",
        "/v1.0/x",
    ]
    assert h.requests[0].url.params["$filter"] == "mail eq 'team@contoso.com'"


def test_unknown_group_email_is_not_found(harness) -> None:
    h = harness(lambda r: httpx.Response(200, json={"value": []}))
    with pytest.raises(errors.NotFoundError):
        h.run(h.client.groups.get("nobody@contoso.com"))
    with pytest.raises(errors.NotFoundError):
        h.collect(h.client.groups.members("nobody@contoso.com"))


@pytest.mark.parametrize("bad", ["", "   ", "a\r\nb"])
def test_bad_references_fail_before_sending(harness, bad) -> None:
    h = harness(lambda r: httpx.Response(200, json={}))
    with pytest.raises(errors.ValidationError):
        h.run(h.client.users.get(bad))
    with pytest.raises(errors.ValidationError):
        h.client.groups.members(bad)
    with pytest.raises(errors.ValidationError):
        h.client.users.groups(bad)
    assert h.requests == []


def test_users_delta_rounds(harness) -> None:
    first = example("user-delta__01__user-delta")["response_body"]
    final = example("concept-delta-query-users__03__final-nextlink-request")["response_body"]
    later = example("concept-delta-query-users__05__deltalink-response")["response_body"]

    def handler(request: httpx.Request) -> httpx.Response:
        if "$deltatoken" in str(request.url):
            return httpx.Response(200, json=later)
        if "$skiptoken" in str(request.url):
            return httpx.Response(200, json=final)
        return httpx.Response(200, json=first)

    h = harness(handler)
    round1 = h.run(h.client.users.delta())
    assert round1.delta_link == final["@odata.deltaLink"]
    assert len(round1.changed) + len(round1.removed) == len(first["value"]) + len(final["value"])
    assert not round1.resynced
    round2 = h.run(h.client.users.delta(round1.delta_link))
    assert str(h.requests[-1].url) == round1.delta_link  # verbatim
    assert round2.delta_link == later["@odata.deltaLink"]
    removed_ids = [item["id"] for item in later["value"] if "@removed" in item]
    assert [r.id for r in round2.removed] == removed_ids


@pytest.mark.parametrize(
    "expired",
    [
        httpx.Response(410, headers={"Location": "https://graph.microsoft.com/v1.0/users/delta"}),
        httpx.Response(400, json={"error": {"code": "syncStateNotFound", "message": "gone"}}),
    ],
)
def test_expired_delta_link_resyncs_with_a_signal(harness, expired) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "$deltatoken=old" in str(request.url):
            return httpx.Response(
                expired.status_code, headers=expired.headers, content=expired.content
            )
        return httpx.Response(
            200,
            json={
                "value": [{"id": "1", "displayName": "A"}],
                "@odata.deltaLink": "https://graph.microsoft.com/v1.0/groups/delta?$deltatoken=new",
            },
        )

    h = harness(handler)
    result = h.run(
        h.client.groups.delta("https://graph.microsoft.com/v1.0/groups/delta?$deltatoken=old")
    )
    assert result.resynced
    assert [g.display_name for g in result.changed] == ["A"]
    assert result.delta_link.endswith("$deltatoken=new")
