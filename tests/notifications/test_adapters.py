"""The framework adapters, each against its framework's test client, and FakeGraph
validating and notifying each of them in-process (``fake.webhook_client``)."""

from __future__ import annotations

import json
import types
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from notify_support import EVENTS, HOUR, ROOM, SECRET, START

from graphlink.notifications import Answer
from graphlink.testing import FakeGraph

pytest.importorskip("starlette")
pytest.importorskip("flask")
pytest.importorskip("django")

from django.conf import settings
from django.urls import path
from flask import Flask
from starlette.applications import Starlette
from starlette.routing import Route

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 under its TestClient; httpx is what graphlink uses.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from graphlink.notifications import django as django_adapter
from graphlink.notifications import flask as flask_adapter
from graphlink.notifications import starlette as starlette_adapter

NOTIFICATION = {
    "value": [
        {
            "subscriptionId": "sub-1",
            "clientState": SECRET,
            "changeType": "updated",
            "resource": "Users/u1/Events/e1",
            "resourceData": {"id": "e1"},
        }
    ]
}


def _starlette(seen: list[Answer], *, asynchronous: bool) -> TestClient:
    async def on_async(answer: Answer) -> None:
        seen.append(answer)

    view = starlette_adapter.endpoint(
        client_state=SECRET, on_answer=on_async if asynchronous else seen.append
    )
    app = Starlette(routes=[Route("/graph", view, methods=["GET", "POST"])])
    return TestClient(app, base_url="https://app.contoso.com")


def _flask(seen: list[Answer]) -> Flask:
    app = Flask(__name__)
    view = flask_adapter.endpoint(client_state=SECRET, on_answer=seen.append)
    app.add_url_rule("/graph", view_func=view, methods=["GET", "POST"])
    return app


_DJANGO_SEEN: list[Answer] = []
_DJANGO_URLS = types.ModuleType("graphlink_adapter_test_urls")
_DJANGO_URLS.urlpatterns = [  # type: ignore[attr-defined]
    path("graph", django_adapter.endpoint(client_state=SECRET, on_answer=_DJANGO_SEEN.append))
]


def _django() -> Any:
    if not settings.configured:
        settings.configure(
            ROOT_URLCONF=_DJANGO_URLS,
            ALLOWED_HOSTS=["*"],
            SECRET_KEY="adapter-tests-only",
            MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
            DEBUG=False,
        )
        import django

        django.setup()
    from django.test import Client

    _DJANGO_SEEN.clear()
    return Client(enforce_csrf_checks=True)  # the view is CSRF-exempt: Graph sends no token


# One driver per framework: post(query, body) -> (status, content type, text), seen answers.
Post = Callable[[str, bytes], tuple[int, str, str]]


def _drivers() -> dict[str, Callable[[], tuple[Post, list[Answer]]]]:
    def starlette_sync() -> tuple[Post, list[Answer]]:
        seen: list[Answer] = []
        client = _starlette(seen, asynchronous=False)

        def post(query: str, body: bytes) -> tuple[int, str, str]:
            r = client.post("/graph" + query, content=body)
            return r.status_code, r.headers.get("content-type", ""), r.text

        return post, seen

    def starlette_async() -> tuple[Post, list[Answer]]:
        seen: list[Answer] = []
        client = _starlette(seen, asynchronous=True)

        def post(query: str, body: bytes) -> tuple[int, str, str]:
            r = client.post("/graph" + query, content=body)
            return r.status_code, r.headers.get("content-type", ""), r.text

        return post, seen

    def flask() -> tuple[Post, list[Answer]]:
        seen: list[Answer] = []
        client = _flask(seen).test_client()

        def post(query: str, body: bytes) -> tuple[int, str, str]:
            r = client.post("/graph" + query, data=body, content_type="application/json")
            return r.status_code, r.headers.get("Content-Type", ""), r.get_data(as_text=True)

        return post, seen

    def django() -> tuple[Post, list[Answer]]:
        client = _django()

        def post(query: str, body: bytes) -> tuple[int, str, str]:
            r = client.post("/graph" + query, data=body, content_type="application/json")
            return r.status_code, r.headers.get("Content-Type", ""), r.content.decode()

        return post, _DJANGO_SEEN

    return {
        "starlette": starlette_sync,
        "starlette-async-callback": starlette_async,
        "flask": flask,
        "django": django,
    }


DRIVERS = _drivers()


@pytest.mark.parametrize("framework", sorted(DRIVERS))
def test_the_handshake(framework: str) -> None:
    post, seen = DRIVERS[framework]()
    status, kind, text = post("?validationToken=Validation%3A+a%20b%2Bc", b"")
    assert (status, text) == (200, "Validation: a b+c")
    assert kind.startswith("text/plain")
    assert seen == []  # nothing to process


@pytest.mark.parametrize("framework", sorted(DRIVERS))
def test_notifications_reach_the_callback_and_graph_gets_202(framework: str) -> None:
    post, seen = DRIVERS[framework]()
    status, _, text = post("", json.dumps(NOTIFICATION).encode())
    assert (status, text) == (202, "")
    [answer] = seen
    assert [n.resource_id for n in answer.notifications] == ["e1"]


@pytest.mark.parametrize("framework", sorted(DRIVERS))
def test_a_malformed_body_is_a_400_not_a_500(framework: str) -> None:
    post, seen = DRIVERS[framework]()
    status, kind, text = post("", b"{not json")
    assert status == 400
    assert "not JSON" in text
    assert kind.startswith("text/plain")
    assert seen == []


@pytest.mark.parametrize("framework", sorted(DRIVERS))
def test_forged_notifications_never_reach_the_callback(framework: str) -> None:
    post, seen = DRIVERS[framework]()
    forged = {"value": [{**NOTIFICATION["value"][0], "clientState": "guess"}]}
    status, _, _ = post("", json.dumps(forged).encode())
    assert status == 202
    assert seen == []


def test_only_post_is_answered_by_the_views() -> None:
    seen: list[Answer] = []
    assert _starlette(seen, asynchronous=False).get("/graph").status_code == 405
    assert _flask(seen).test_client().get("/graph").status_code == 405
    assert _django().get("/graph").status_code == 405


# ------------------------------------------------------------------ FakeGraph, in-process


def _wsgi(app: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=app))


def _django_wsgi() -> httpx.Client:
    _django()
    from django.core.wsgi import get_wsgi_application

    return _wsgi(get_wsgi_application())


@pytest.mark.parametrize("framework", ["starlette", "flask", "django"])
def test_fake_graph_validates_and_notifies_an_in_process_app(framework: str, on_fake) -> None:
    seen: list[Answer] = _DJANGO_SEEN if framework == "django" else []
    if framework == "starlette":
        webhook: httpx.Client = _starlette(seen, asynchronous=True)
    elif framework == "flask":
        webhook = _wsgi(_flask(seen))
    else:
        webhook = _django_wsgi()
    fake = FakeGraph()
    fake.add_room("Aurora", ROOM)
    fake.webhook_client = webhook
    r = on_fake(fake)
    expires = r.client.subscriptions.max_expiry(EVENTS)
    r.run(
        r.client.subscriptions.create(
            EVENTS, "https://app.contoso.com/graph", expires, client_state=SECRET
        )
    )
    assert fake.deliveries[-1].ok
    r.run(r.client.events.create("Review", START, START + HOUR, calendar_id=ROOM))
    [delivery] = fake.deliver()
    assert delivery.status == 202
    assert [n.change_type for a in seen for n in a.notifications] == ["created"]


@pytest.mark.parametrize("framework", sorted(DRIVERS))
def test_a_body_over_the_limit_is_413_unread(framework: str) -> None:
    post, seen = DRIVERS[framework]()
    status, _, text = post("", b"[" * (5 * 1024 * 1024))  # over the 4 MiB default
    assert status == 413
    assert "over" in text
    assert seen == []


def test_client_state_is_checked_once_when_the_endpoint_is_made() -> None:
    with pytest.raises(TypeError):
        starlette_adapter.endpoint(client_state=SECRET.encode())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        flask_adapter.endpoint(client_state=[SECRET, b"x"])  # type: ignore[list-item]
    # A generator would be used up by the first request: it is read once, here.
    seen: list[Answer] = []
    view = starlette_adapter.endpoint(client_state=(s for s in [SECRET]), on_answer=seen.append)
    client = TestClient(Starlette(routes=[Route("/graph", view, methods=["POST"])]))
    for _ in range(2):
        assert client.post("/graph", content=json.dumps(NOTIFICATION)).status_code == 202
    assert [len(a.notifications) for a in seen] == [1, 1]
