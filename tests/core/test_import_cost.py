"""What importing graphlink loads, pinned: heavy and optional modules load on first use.

Each case imports in a fresh interpreter and lists ``sys.modules``; no timing is asserted.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

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


def loaded_by(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``statement``."""
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_the_pinned_modules_exist() -> None:
    # A misspelt name would never be loaded and its check could never fail.
    for name in {*HEAVY, *NOT_FOR_SYNC, *NOT_FOR_ASYNC}:
        assert importlib.util.find_spec(name) is not None, name


@pytest.mark.parametrize(
    ("statement", "absent"),
    [
        ("import graphlink", HEAVY),
        ("from graphlink import GraphClient", NOT_FOR_SYNC),
        ("from graphlink import AsyncGraphClient", NOT_FOR_ASYNC),
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
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_an_unknown_name_is_an_attribute_error() -> None:
    import graphlink
    import graphlink.models
    import graphlink.resources

    for module in (graphlink, graphlink.models, graphlink.resources):
        with pytest.raises(AttributeError, match="no_such_name"):
            module.no_such_name  # noqa: B018 - the lookup is the test
