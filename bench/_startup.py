"""Start-up: import time (cold and warm ``.pyc``) and the first call, in fresh processes.

Each figure is timed inside the fresh interpreter (``time.perf_counter`` from its first
line), so interpreter start-up, the same for every side, is left out. The sides of a round
run one after another in an order that rotates from round to round.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bench._competitors import MSGRAPH, O365
from bench._procs import run_python
from bench._report import Goal, Row, compare

TOKEN = "bench-token"
USER = "AdeleV@contoso.com"

_IMPORT = """
import json, sys, time
started = time.perf_counter()
exec(sys.argv[1])
print(json.dumps({"s": time.perf_counter() - started}))
"""

#: What each side imports: what its user writes to get a client able to authenticate.
IMPORTS = {
    # What a user writes: ``import graphlink`` alone loads next to nothing (names are lazy).
    "graphlink": "from graphlink import GraphClient",
    "httpx": "import httpx",
    MSGRAPH: (
        "from msgraph import GraphServiceClient\nfrom azure.identity import ClientSecretCredential"
    ),
    O365: "from O365 import Account",
}

_IMPORT_NAMES = {
    "httpx": "`import httpx`",
    MSGRAPH: "msgraph-sdk: `GraphServiceClient`, azure-identity",
    O365: "O365: `Account`",
}

# argv: base URL, $select
_FIRST_GRAPHLINK = """
import json, sys, time
started = time.perf_counter()
from graphlink import GraphClient
client = GraphClient(token="bench-token", base_url=sys.argv[1])
user = client.users.get("AdeleV@contoso.com")
took = time.perf_counter() - started
assert user.display_name, user
client.close()
print(json.dumps({"s": took}))
"""

_FIRST_HTTPX = """
import json, sys, time
started = time.perf_counter()
import httpx
with httpx.Client() as http:
    response = http.get(
        sys.argv[1] + "/users/AdeleV%40contoso.com",
        params={"$select": sys.argv[2]},
        headers={"Authorization": "Bearer bench-token"},
    )
    response.raise_for_status()
    user = response.json()
    took = time.perf_counter() - started
assert user["displayName"], user
print(json.dumps({"s": took}))
"""

# msgraph-sdk pointed at loopback: its request adapter's base_url, and an async credential
# returning a fixed token (no identity provider here); kiota allows http on 127.0.0.1.
_FIRST_MSGRAPH = """
import json, sys, time
started = time.perf_counter()
import asyncio
from azure.core.credentials import AccessToken
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

class StaticToken:
    async def get_token(self, *scopes, **kwargs):
        return AccessToken("bench-token", int(time.time()) + 3600)
    async def close(self):
        pass
    async def __aenter__(self):
        return self
    async def __aexit__(self, *exc):
        pass

async def main():
    client = GraphServiceClient(
        credentials=StaticToken(), scopes=["https://graph.microsoft.com/.default"]
    )
    client.request_adapter.base_url = sys.argv[1]
    query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
        select=sys.argv[2].split(",")
    )
    user = await client.users.by_user_id("AdeleV@contoso.com").get(
        request_configuration=RequestConfiguration(query_parameters=query)
    )
    return user, time.perf_counter() - started

user, took = asyncio.run(main())
assert user.display_name, user
print(json.dumps({"s": took}))
"""

# O365 pointed at loopback: a protocol with our URL and a token backend with a fixed token
# (O365 sends its own $select-less GET).
_FIRST_O365 = """
import json, sys, time
started = time.perf_counter()
from O365 import Account, MSGraphProtocol
from O365.utils.token import MemoryTokenBackend

class Loopback(MSGraphProtocol):
    _protocol_url = sys.argv[1].removesuffix("v1.0")

class StaticToken(MemoryTokenBackend):
    @property
    def has_data(self):
        return True
    def get_access_token(self, *, username=None):
        return {"secret": "bench-token"}

account = Account(
    ("client-id", "unused"), auth_flow_type="credentials", tenant_id="contoso",
    protocol=Loopback(), token_backend=StaticToken(),
)
user = account.directory(resource="users").get_user("AdeleV@contoso.com")
took = time.perf_counter() - started
assert user.display_name, user
print(json.dumps({"s": took}))
"""


def _interpreters(python: Path | None, competitors: Sequence[str]) -> dict[str, Path]:
    ours = Path(sys.executable)
    out = {"graphlink": ours, "httpx": ours}
    if python is not None:
        out.update(dict.fromkeys(competitors, python))
    return out


def _rounds(
    sides: dict[str, Path], rounds: int, sample: Callable[[str, Path], float]
) -> dict[str, list[float]]:
    """``rounds`` samples of each side, the order rotating each round."""
    names = list(sides)
    out: dict[str, list[float]] = {name: [] for name in names}
    for n in range(rounds):
        shift = n % len(names)
        for name in names[shift:] + names[:shift]:
            out[name].append(sample(name, sides[name]))
    return out


def imports(
    rounds_warm: int, rounds_cold: int, python: Path | None, competitors: Sequence[str]
) -> list[Row]:
    """``import`` of each side in fresh processes, warm then cold ``.pyc``; in ms."""
    sides = _interpreters(python, competitors)
    rows: list[Row] = []
    for cold, rounds in ((False, rounds_warm), (True, rounds_cold)):
        kind = "cold .pyc" if cold else "warm .pyc"

        def sample(name: str, interpreter: Path, cold: bool = cold) -> float:
            figure = run_python(interpreter, _IMPORT, IMPORTS[name], cold=cold)
            return float(figure["s"]) * 1000

        if not cold:  # once, unmeasured: the .pyc exist and the files are in the page cache
            _rounds(sides, 1, sample)
        samples = _rounds(sides, rounds, sample)
        for name in sides:
            if name == "graphlink":
                continue
            goal = Goal("<= 1.5x", max=1.5) if name == "httpx" and not cold else None
            rows.append(
                compare(
                    f"`from graphlink import GraphClient`, {kind}",
                    "ms",
                    samples["graphlink"],
                    _IMPORT_NAMES[name],
                    samples[name],
                    goal=goal,
                )
            )
    return rows


_FIRST = {
    "graphlink": _FIRST_GRAPHLINK,
    "httpx": _FIRST_HTTPX,
    MSGRAPH: _FIRST_MSGRAPH,
    O365: _FIRST_O365,
}
_FIRST_NAMES = {
    "httpx": "raw httpx, same `$select`",
    MSGRAPH: "msgraph-sdk, same `$select`",
    O365: "O365 `get_user`",
}


def first_call(
    base_url: str, select: str, rounds: int, python: Path | None, competitors: Sequence[str]
) -> list[Row]:
    """Import, client and one ``users.get`` over loopback, in a fresh process; in ms."""
    sides = _interpreters(python, competitors)

    def sample(name: str, interpreter: Path) -> float:
        return float(run_python(interpreter, _FIRST[name], base_url, select)["s"]) * 1000

    _rounds(sides, 1, sample)  # warm .pyc and page cache, unmeasured
    samples = _rounds(sides, rounds, sample)
    return [
        compare(
            "first `users.get` in a fresh process",
            "ms",
            samples["graphlink"],
            _FIRST_NAMES[name],
            samples[name],
            goal=Goal("<= 0.1x", max=0.1) if name == MSGRAPH else None,
            note="O365 sends no `$select`" if name == O365 else "",
        )
        for name in sides
        if name != "graphlink"
    ]
