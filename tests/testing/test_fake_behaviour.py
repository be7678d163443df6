"""FakeGraph's behaviour: paging limits, queries, events, mail, batch, delta, faults, serve."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import sys
import textwrap

import httpx
import pytest
from fake_helpers import AUTH, ROOT, call, http

from graphlink.testing import FakeGraph


@pytest.fixture(scope="module")
def demo() -> FakeGraph:
    return FakeGraph.demo()


def test_directory_paging_default_and_limits() -> None:
    fake = FakeGraph()
    for i in range(150):
        fake.add_user(f"user{i:03}@contoso.com")
    first = call(fake, "GET", "/users").json()
    assert len(first["value"]) == 100
    second = call(fake, "GET", first["@odata.nextLink"]).json()
    assert len(second["value"]) == 50
    assert "@odata.nextLink" not in second
    assert "$skiptoken=" in first["@odata.nextLink"]
    assert len(call(fake, "GET", "/users", params={"$top": "999"}).json()["value"]) == 150
    bad = call(fake, "GET", "/users", params={"$top": "1000"})
    assert bad.status_code == 400
    assert bad.json()["error"]["message"].startswith("Invalid page size specified: '1000'")


def test_outlook_paging_uses_skip_and_caps_at_1000(demo: FakeGraph) -> None:
    url = "/users/svc-graphlink@contoso.com/calendar/events"
    page = call(demo, "GET", url, params={"$top": "2"}).json()
    assert len(page["value"]) == 2
    assert "$skip=2" in page["@odata.nextLink"]
    assert len(call(demo, "GET", url).json()["value"]) == 6  # default page is 10
    assert call(demo, "GET", url, params={"$top": "10000"}).status_code == 200


def test_count_needs_consistency_level(demo: FakeGraph) -> None:
    flt = "startswith(displayName,'a')"
    assert call(demo, "GET", "/users", params={"$filter": flt}).status_code == 200
    # Without ConsistencyLevel Graph silently ignores $count=true (aad-advanced-queries).
    ignored = call(demo, "GET", "/users", params={"$filter": flt, "$count": "true"})
    assert ignored.status_code == 200
    assert "@odata.count" not in ignored.json()
    refused = call(demo, "GET", "/users", params={"$filter": "mail ne null", "$count": "true"})
    assert refused.json()["error"]["code"] == "Request_UnsupportedQuery"
    ok = call(
        demo,
        "GET",
        "/users",
        params={"$filter": "mail ne null", "$count": "true"},
        headers={"ConsistencyLevel": "eventual"},
    )
    assert ok.json()["@odata.count"] == len(ok.json()["value"]) > 30


def test_filters_graphlink_sends(demo: FakeGraph) -> None:
    q = "(mail eq 'AdeleV@contoso.com') or (userPrincipalName eq 'adelev@contoso.com')"
    users = call(demo, "GET", "/users", params={"$filter": q}).json()["value"]
    assert [u["displayName"] for u in users] == ["Adele Vance"]
    enabled = call(
        demo,
        "GET",
        "/users",
        params={"$filter": "accountEnabled eq true", "$select": "accountEnabled", "$top": "999"},
    )
    assert all(u["accountEnabled"] for u in enabled.json()["value"])
    unified = call(demo, "GET", "/groups", params={"$filter": "groupTypes/any(c:c eq 'Unified')"})
    assert [g["displayName"] for g in unified.json()["value"]] == ["All Company"]
    bad = call(demo, "GET", "/users", params={"$filter": "startswith(displayName,"})
    assert bad.status_code == 400


def test_manager_members_and_nesting(demo: FakeGraph) -> None:
    assert call(demo, "GET", "/users/nadiao@contoso.com/manager").json()["error"]["code"] == (
        "Request_ResourceNotFound"
    )
    groups = call(demo, "GET", "/users/adelev@contoso.com/memberOf").json()["value"]
    transitive = call(demo, "GET", "/users/adelev@contoso.com/transitiveMemberOf").json()["value"]
    assert {g["displayName"] for g in groups} < {g["displayName"] for g in transitive}
    eng = call(demo, "GET", "/groups", params={"$filter": "displayName eq 'Engineering'"}).json()
    gid = eng["value"][0]["id"]
    direct = call(demo, "GET", f"/groups/{gid}/members").json()["value"]
    assert {m["@odata.type"] for m in direct} == {"#microsoft.graph.user", "#microsoft.graph.group"}
    users = call(demo, "GET", f"/groups/{gid}/transitiveMembers/microsoft.graph.user").json()
    assert len(users["value"]) == 12
    assert "givenName" in users["value"][0]
    assert call(demo, "GET", "/groups/nope").json()["error"]["code"] == "Request_ResourceNotFound"


def test_delta_rounds() -> None:
    fake = FakeGraph()
    ada = fake.add_user("ada@contoso.com")
    fake.add_user("bob@contoso.com")
    first = call(fake, "GET", "/users/delta", headers={"Prefer": "odata.maxpagesize=1"}).json()
    assert len(first["value"]) == 1
    assert "@odata.nextLink" in first
    last = call(fake, "GET", first["@odata.nextLink"]).json()
    delta_link = last["@odata.deltaLink"]
    assert call(fake, "GET", delta_link).json()["value"] == []
    fake.update_user(ada, job_title="CTO")
    fake.remove_user("bob@contoso.com")
    changes = call(fake, "GET", delta_link).json()["value"]
    assert changes[0]["jobTitle"] == "CTO"
    assert changes[1]["@removed"] == {"reason": "deleted"}
    group = fake.add_group("G", [ada])
    rows = call(fake, "GET", "/groups/delta").json()["value"]
    assert rows[0]["id"] == group["id"]
    assert rows[0]["members@delta"] == [{"@odata.type": "#microsoft.graph.user", "id": ada["id"]}]


def test_event_lifecycle_with_organizer_semantics(demo: FakeGraph) -> None:
    fake = FakeGraph()
    fake.add_user("org@contoso.com")
    fake.add_user("att@contoso.com")
    fake.add_room("Room 1", "room1@contoso.com")
    body = {
        "subject": "Plan",
        "start": {"dateTime": "2030-01-01T09:00:00", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2030-01-01T10:00:00", "timeZone": "Pacific Standard Time"},
        "attendees": [
            {"emailAddress": {"address": "att@contoso.com"}, "type": "required"},
            {"emailAddress": {"address": "room1@contoso.com"}, "type": "resource"},
        ],
        "transactionId": "txn-1",
    }
    created = call(fake, "POST", "/users/org@contoso.com/calendar/events", json=body)
    assert created.status_code == 201
    event = created.json()
    assert event["start"] == {"dateTime": "2030-01-01T17:00:00.0000000", "timeZone": "UTC"}
    assert event["attendees"][1]["status"]["response"] == "accepted"  # rooms accept
    again = call(fake, "POST", "/users/org@contoso.com/calendar/events", json=body).json()
    assert again["id"] == event["id"]  # transactionId dedupe
    view = call(
        fake,
        "GET",
        "/users/att@contoso.com/calendarView",
        params={"startDateTime": "2030-01-01T16:30:00Z", "endDateTime": "2030-01-01T17:30:00Z"},
        headers={"Prefer": 'outlook.timezone="Pacific Standard Time"'},
    )
    copy = view.json()["value"][0]
    assert copy["start"]["timeZone"] == "Pacific Standard Time"
    assert copy["isOrganizer"] is False
    outside = call(
        fake,
        "GET",
        "/users/att@contoso.com/calendarView",
        params={"startDateTime": "2030-01-02T00:00:00Z", "endDateTime": "2030-01-03T00:00:00Z"},
    )
    assert outside.json()["value"] == []
    assert call(fake, "GET", "/users/att@contoso.com/calendarView").status_code == 400
    accept = call(fake, "POST", f"/users/att@contoso.com/events/{copy['id']}/accept", json={})
    assert accept.status_code == 202
    organizer = call(fake, "GET", f"/users/org@contoso.com/events/{event['id']}").json()
    assert organizer["attendees"][0]["status"]["response"] == "accepted"
    own = call(fake, "POST", f"/users/org@contoso.com/events/{event['id']}/decline", json={})
    assert own.status_code == 400
    patched = call(
        fake, "PATCH", f"/users/org@contoso.com/events/{event['id']}", json={"subject": "Plan v2"}
    )
    assert patched.status_code == 200
    assert patched.json()["subject"] == "Plan v2"
    assert fake.events("att@contoso.com")[0]["subject"] == "Plan v2"
    assert call(fake, "DELETE", f"/users/org@contoso.com/events/{event['id']}").status_code == 204
    assert fake.events("att@contoso.com")[0]["isCancelled"] is True
    missing = call(fake, "GET", f"/users/org@contoso.com/events/{event['id']}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "ErrorItemNotFound"


def test_send_mail_keeps_attachments() -> None:
    fake = FakeGraph()
    fake.add_user("svc@contoso.com")
    message = {
        "subject": "Hi",
        "body": {"contentType": "HTML", "content": "<b>hi</b>"},
        "toRecipients": [{"emailAddress": {"address": "a@x.com"}}],
        "attachments": [
            {
                "@odata.type": "#microsoft.graph.fileAttachment",
                "name": "a.txt",
                "contentBytes": base64.b64encode(b"hello").decode(),
                "contentId": "logo",
                "isInline": True,
            }
        ],
    }
    response = call(
        fake,
        "POST",
        "/users/svc@contoso.com/sendMail",
        json={"message": message, "saveToSentItems": False},
    )
    assert response.status_code == 202
    assert response.content == b""
    sent = fake.sent_mail[0]
    assert sent.to == ("a@x.com",)
    assert sent.attachments[0].content == b"hello"
    assert sent.save_to_sent_items is False
    nobody = call(
        fake, "POST", "/users/svc@contoso.com/sendMail", json={"message": {"subject": "x"}}
    )
    assert nobody.json()["error"]["code"] == "ErrorInvalidRecipients"
    assert call(fake, "POST", "/users/ghost@contoso.com/sendMail", json={}).status_code == 404


def test_upload_session_round_trip() -> None:
    fake = FakeGraph()
    fake.add_user("svc@contoso.com")
    draft = call(
        fake,
        "POST",
        "/users/svc@contoso.com/messages",
        json={"subject": "big", "toRecipients": [{"emailAddress": {"address": "a@x.com"}}]},
    )
    session = call(
        fake,
        "POST",
        f"/users/svc@contoso.com/messages/{draft.json()['id']}/attachments/createUploadSession",
        json={"AttachmentItem": {"attachmentType": "file", "name": "f.bin", "size": 10}},
    )
    url = session.json()["uploadUrl"]
    with httpx.Client(transport=fake.transport()) as client:  # pre-authenticated: no token
        part = client.put(url, content=b"01234", headers={"Content-Range": "bytes 0-4/10"})
        # outlook-large-attachments.md: the next byte's offset, and the session's expiry.
        assert part.json()["nextExpectedRanges"] == ["5"]
        assert part.json()["expirationDateTime"] == session.json()["expirationDateTime"]
        done = client.put(url, content=b"56789", headers={"Content-Range": "bytes 5-9/10"})
    assert done.status_code == 201
    assert "Location" in done.headers
    sent = call(fake, "POST", f"/users/svc@contoso.com/messages/{draft.json()['id']}/send")
    assert sent.status_code == 202
    assert fake.sent_mail[0].attachments[0].content == b"0123456789"


def test_batch_depends_on_limits_and_inner_faults(demo: FakeGraph) -> None:
    fake = FakeGraph.demo()
    fake.fail_next(429, retry_after=1.5, path="/users/adelev@contoso.com/calendar*")
    requests = [
        {"id": "1", "method": "GET", "url": "/users/adelev@contoso.com"},
        {"id": "2", "method": "GET", "url": "/users/ghost@contoso.com", "dependsOn": ["1"]},
        {"id": "3", "method": "GET", "url": "/users?$top=1", "dependsOn": ["2"]},
        {"id": "4", "method": "GET", "url": "/users/adelev@contoso.com/calendar"},
    ]
    body = call(fake, "POST", "/$batch", json={"requests": requests}).json()
    status = {r["id"]: r["status"] for r in body["responses"]}
    assert status == {"1": 200, "2": 404, "3": 424, "4": 429}
    item4 = next(r for r in body["responses"] if r["id"] == "4")
    assert item4["headers"]["Retry-After"] == "1.5"
    too_many = [{"id": str(i), "method": "GET", "url": "/users"} for i in range(21)]
    assert call(fake, "POST", "/$batch", json={"requests": too_many}).status_code == 400
    dupes = [
        {"id": "a", "method": "GET", "url": "/users"},
        {"id": "A", "method": "GET", "url": "/users"},
    ]
    assert call(fake, "POST", "/$batch", json={"requests": dupes}).status_code == 400


def test_faults() -> None:
    fake = FakeGraph()
    fake.fail_next(503, retry_after=2, times=2, path="/users")
    assert call(fake, "GET", "/users").status_code == 503
    assert call(fake, "GET", "/groups").status_code == 200  # path-bound
    second = call(fake, "GET", "/users")
    assert second.status_code == 503
    assert second.headers["Retry-After"] == "2"
    assert call(fake, "GET", "/users").status_code == 200
    fake.fail_next(fault="reset")
    with pytest.raises(httpx.ReadError):  # the request went out: never a ConnectError
        call(fake, "GET", "/users")
    fake.fail_next(fault="timeout")
    with pytest.raises(httpx.ReadTimeout):
        call(fake, "GET", "/users")
    fake.fail_next(200, fault="malformed_json")
    with pytest.raises(ValueError):
        call(fake, "GET", "/users").json()
    fake.fail_next(fault="204_with_body")
    assert call(fake, "GET", "/users").status_code == 204
    assert [r.status for r in fake.requests][-3:] == [None, 200, 204]


def test_requests_are_recorded_without_authorization() -> None:
    fake = FakeGraph()
    call(fake, "POST", "/subscriptions", json={"x": 1}, headers={"client-request-id": "abc"})
    recorded = fake.requests[0]
    assert recorded.method == "POST"
    assert recorded.path == "/subscriptions"
    assert recorded.body == {"x": 1}
    assert recorded.status == 400
    assert "authorization" not in {k.lower() for k in recorded.headers}
    assert recorded.headers["client-request-id"] == "abc"
    with httpx.Client(transport=fake.transport()) as client:
        assert client.get(f"{ROOT}/users").json()["error"]["code"] == "InvalidAuthenticationToken"


def test_token_endpoint_and_token_checking() -> None:
    fake = FakeGraph(check_tokens=True)
    fake.register_app("app", "secret")
    with httpx.Client(transport=fake.transport()) as client:
        login = "https://login.microsoftonline.com/t/oauth2/v2.0/token"
        form = {
            "grant_type": "client_credentials",
            "client_id": "app",
            "scope": "https://graph.microsoft.com/.default",
        }
        wrong = client.post(login, data={**form, "client_secret": "nope"})
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "invalid_client"
        token = client.post(login, data={**form, "client_secret": "secret"}).json()
        assert token["token_type"] == "Bearer"
        assert token["expires_in"] == 3599
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        assert client.get(f"{ROOT}/users", headers=bearer).status_code == 200
        assert client.get(f"{ROOT}/users", headers=AUTH).status_code == 401
        fake.expire_tokens()
        assert client.get(f"{ROOT}/users", headers=bearer).status_code == 401
    assert fake.requests[0].body["client_secret"] == "***"


def test_mailbox_rate_limit() -> None:
    fake = FakeGraph(mailbox_rate=(2, 60.0))
    fake.add_user("a@contoso.com")
    url = "/users/a@contoso.com/calendars"
    assert [call(fake, "GET", url).status_code for _ in range(3)] == [200, 200, 429]
    refused = call(fake, "GET", url)
    assert refused.json()["error"]["code"] == "ApplicationThrottled"
    assert float(refused.headers["Retry-After"]) > 0
    assert call(fake, "GET", "/users").status_code == 200  # directory is not a mailbox


async def test_mailbox_concurrency_limit_async() -> None:
    fake = FakeGraph(latency=0.05)
    fake.add_user("a@contoso.com")
    async with httpx.AsyncClient(
        transport=fake.async_transport(), base_url=ROOT, headers=AUTH
    ) as client:
        responses = await asyncio.gather(
            *(client.get("/users/a@contoso.com/calendars") for _ in range(6))
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 200, 200, 429, 429]
    body = next(r for r in responses if r.status_code == 429).json()
    assert body == {
        "error": {
            "code": "ApplicationThrottled",
            "message": "Application is over its MailboxConcurrency limit.",
        }
    }


def test_serve_from_a_second_process() -> None:
    fake = FakeGraph()
    for i in range(3):
        fake.add_user(f"u{i}@contoso.com")
    script = textwrap.dedent(
        """
        import sys, httpx
        base = sys.argv[1]
        with httpx.Client(headers={"Authorization": "Bearer t"}) as c:
            page = c.get(base + "/users", params={"$top": "2"}).json()
            assert page["@odata.nextLink"].startswith(base), page
            rest = c.get(page["@odata.nextLink"]).json()
            print(len(page["value"]) + len(rest["value"]))
        """
    )
    with fake.serve() as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        done = subprocess.run(
            [sys.executable, "-c", script, base_url],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        fake.fail_next(fault="reset")
        with pytest.raises(httpx.TransportError), httpx.Client() as client:
            client.get(base_url + "/users", headers=AUTH)
    assert done.stdout.strip() == "3"


def test_plugin_fixture(fake_graph: FakeGraph) -> None:
    fake_graph.add_user("ada@contoso.com", "Ada Lovelace")
    with http(fake_graph) as client:
        assert client.get("/users").json()["value"][0]["givenName"] == "Ada"
