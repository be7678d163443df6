"""What importing graphlink loads, pinned: heavy and optional modules load on first use.

Each case imports in a fresh interpreter and lists ``sys.modules``; no timing is asserted.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading

import pytest

from graphlink import AsyncGraphClient, GraphClient
from graphlink.resources import (
    AsyncCalendars,
    AsyncEvents,
    AsyncGroups,
    AsyncMail,
    AsyncRooms,
    AsyncSubscriptions,
    AsyncUsers,
    Calendars,
    Events,
    Groups,
    Mail,
    Rooms,
    Subscriptions,
    Users,
)

# Heavy or optional: none of them is needed to ``import graphlink``.
HEAVY = (
    "asyncio",
    "attr",
    "attrs",
    "cattrs",
    "email_validator",
    "httpx",
    "msal",
    "redis",
    "segno",
    "graphlink._client_async",
    "graphlink._client_sync",
    "graphlink.models._base",
    "graphlink.notifications",
    "graphlink.placeos",
    "graphlink.testing",
)
# Optional parts and the other flavour: not loaded by the blocking client.
NOT_FOR_SYNC = (
    "email_validator",
    "msal",
    "redis",
    "segno",
    "graphlink._client_async",
    "graphlink._transport._async",
    "graphlink.notifications",
    "graphlink.placeos",
    "graphlink.resources._async",
    "graphlink.testing",
)
NOT_FOR_ASYNC = (
    "graphlink._client_sync",
    "graphlink._transport._sync",
    "graphlink.resources._sync",
)
# Not loaded by making a client: its facades (and their resources and models) come with
# their first use, msal with the first token, the Redis store and asyncio never (blocking).
NOT_FOR_A_NEW_CLIENT = (
    "asyncio",
    "cattrs",
    "email_validator",
    "msal",
    "redis",
    "segno",
    "tzlocal",
    "graphlink._core.addresses",
    "graphlink.models._base",
    "graphlink.ratelimit._ops_async",
    "graphlink.ratelimit._redis",
    "graphlink.resources._handles",
    "graphlink.resources._sync.batch",
    "graphlink.resources._sync.calendar",
    "graphlink.resources._sync.directory",
    "graphlink.resources._sync.mail",
    "graphlink.resources._sync.subscriptions",
)
# A first ``users.get`` loads the user model, not the calendar, mail or common models, the
# other facades, delta rounds nor asyncio.
NOT_FOR_A_FIRST_USER = (
    "asyncio",
    "msal",
    "redis",
    "graphlink.models._calendar",
    "graphlink.models._common",
    "graphlink.models._mail",
    "graphlink.models._places",
    "graphlink.resources._calendar",
    "graphlink.resources._delta",
    "graphlink.resources._events",
    "graphlink.resources._handles",
    "graphlink.resources._mail",
    "graphlink.resources._sync.calendar",
    "graphlink.resources._sync.mail",
)
NEW_CLIENT = (
    "from graphlink import GraphClient\n"
    "client = GraphClient(tenant_id='t', client_id='c', client_secret='s')"
)
FIRST_USER = (
    "import httpx\n"
    "from graphlink import GraphClient\n"
    "answer = {'id': 'u1', 'displayName': 'Ada'}\n"
    "mock = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))\n"
    "client = GraphClient(token='t', http_client=httpx.Client(transport=mock))\n"
    "assert client.users.get('u1').display_name == 'Ada'"
)


def loaded_by(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``statement``."""
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_the_pinned_modules_exist() -> None:
    # A misspelt name would never be loaded and its check could never fail.
    for name in {
        *HEAVY,
        *NOT_FOR_SYNC,
        *NOT_FOR_ASYNC,
        *NOT_FOR_A_NEW_CLIENT,
        *NOT_FOR_A_FIRST_USER,
    }:
        assert importlib.util.find_spec(name) is not None, name


@pytest.mark.parametrize(
    ("statement", "absent"),
    [
        ("import graphlink", HEAVY),
        ("from graphlink import GraphClient", NOT_FOR_SYNC),
        ("from graphlink import AsyncGraphClient", NOT_FOR_ASYNC),
        (NEW_CLIENT, NOT_FOR_A_NEW_CLIENT),
        (
            "import graphlink.ratelimit as r\nr.PerMailbox().try_acquire('k', 0.0)",
            ("asyncio", "redis", "graphlink.ratelimit._redis", "graphlink.ratelimit._ops_async"),
        ),
        (FIRST_USER, NOT_FOR_A_FIRST_USER),
        (
            "from graphlink import AsyncGraphClient\nAsyncGraphClient(token='t')",
            (
                *NOT_FOR_ASYNC,
                "msal",
                "redis",
                "graphlink.models._base",
                "graphlink.resources._async.directory",
            ),
        ),
        ("import graphlink.models", ("attr", "cattrs", "graphlink.models._base")),
        (
            "from graphlink.models import User",
            ("graphlink.models._calendar", "graphlink.models._places", "graphlink.models._mail"),
        ),
    ],
)
def test_import_leaves_out(statement: str, absent: tuple[str, ...]) -> None:
    modules = loaded_by(statement)
    assert sorted(set(absent) & modules) == []


def test_public_names_load_on_first_use() -> None:
    code = (
        "import graphlink\n"
        "listed = set(dir(graphlink))\n"
        "assert set(graphlink.__all__) <= listed, set(graphlink.__all__) - listed\n"
        "assert graphlink.errors.ValidationError and graphlink.models.Event\n"
        "from graphlink import GraphClient, segment\n"
        "assert GraphClient is graphlink.GraphClient and segment('a/b') == 'a%2Fb'\n"
        "import graphlink.models as m, graphlink.resources as r\n"
        "assert set(m.__all__) <= set(dir(m)) and set(r.__all__) <= set(dir(r))\n"
        "assert all(getattr(m, n) is not None for n in m.__all__)\n"
        "assert all(getattr(r, n) is not None for n in r.__all__)\n"
        "import graphlink.ratelimit as rl\n"
        "assert set(rl.__all__) <= set(dir(rl))\n"
        "assert all(getattr(rl, n) is not None for n in rl.__all__)\n"
        "assert rl.PlaceOSLimiter.__module__ == 'graphlink.placeos._limiter'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_an_unknown_name_is_an_attribute_error() -> None:
    import graphlink
    import graphlink.models
    import graphlink.ratelimit
    import graphlink.resources

    for module in (graphlink, graphlink.models, graphlink.ratelimit, graphlink.resources):
        with pytest.raises(AttributeError, match="no_such_name"):
            module.no_such_name  # noqa: B018 - the lookup is the test


FACADES = {
    "users": (Users, AsyncUsers),
    "groups": (Groups, AsyncGroups),
    "calendars": (Calendars, AsyncCalendars),
    "events": (Events, AsyncEvents),
    "rooms": (Rooms, AsyncRooms),
    "mail": (Mail, AsyncMail),
    "subscriptions": (Subscriptions, AsyncSubscriptions),
}


@pytest.mark.parametrize("name", sorted(FACADES))
def test_a_facade_is_made_once_on_first_use(name: str) -> None:
    sync_type, async_type = FACADES[name]
    for client, kind in (
        (GraphClient(token="t"), sync_type),
        (AsyncGraphClient(token="t"), async_type),
    ):
        assert name not in vars(client)  # not made by the constructor
        facade = getattr(client, name)
        assert type(facade) is kind
        assert getattr(client, name) is facade
        assert facade._transport is client._transport


def test_threads_reaching_a_new_facade_at_once_share_the_transport() -> None:
    client = GraphClient(token="t")
    start = threading.Barrier(8)
    seen: list[Users] = []

    def reach() -> None:
        start.wait()
        seen.append(client.users)

    threads = [threading.Thread(target=reach) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8
    assert all(type(f) is Users and f._transport is client._transport for f in seen)
    assert client.users in seen  # the one kept is one that was handed out


def test_the_facades_keep_their_documentation() -> None:
    for client_type in (GraphClient, AsyncGraphClient):
        for name in FACADES:
            assert getattr(client_type, name).__doc__, (client_type, name)


def test_a_subclass_may_set_its_own_facade() -> None:
    # The facades are non-data descriptors: an instance attribute of the same name wins.
    mine = object()

    class Client(GraphClient):
        def __init__(self) -> None:
            super().__init__(token="t")
            self.users = mine  # type: ignore[assignment]

    client = Client()
    assert client.users is mine
    assert type(GraphClient(token="t").users) is Users
