"""The constructor options are defined once (the async client's signature); all else agrees."""

from __future__ import annotations

import inspect
import re
import typing

import attrs
import pytest

from graphlink import AsyncGraphClient, GraphClient, GraphConfig
from graphlink._core.setup import CREDENTIALS, OPTIONS, Options
from graphlink.errors import ValidationError

CLIENT_ONLY = {"http_client"}  # its type is the flavour's httpx client: not in Options


def parameters(cls: type) -> dict[str, inspect.Parameter]:
    params = dict(inspect.signature(cls.__init__).parameters)
    del params["self"]
    return params


def documented(docstring: str | None, section: str) -> set[str]:
    """The names a Google-style docstring documents under ``section``."""
    text = inspect.cleandoc(docstring or "")
    body = text.split(f"{section}:\n", 1)[1]
    return set(re.findall(r"^    (\w+):", body, re.MULTILINE))


@pytest.mark.parametrize("cls", [AsyncGraphClient, GraphClient])
def test_every_option_is_keyword_only_with_a_default(cls: type) -> None:
    for name, param in parameters(cls).items():
        assert param.kind is inspect.Parameter.KEYWORD_ONLY, name
        assert param.default is not inspect.Parameter.empty, name


def test_options_type_matches_the_client_signature() -> None:
    signature = parameters(AsyncGraphClient)
    assert set(signature) == OPTIONS | CLIENT_ONLY
    assert list(Options.__annotations__) == [n for n in signature if n not in CLIENT_ONLY]
    hints = typing.get_type_hints(AsyncGraphClient.__init__)
    for name, hint in typing.get_type_hints(Options).items():
        assert hint == hints[name], name


def test_sync_client_takes_the_same_options() -> None:
    sync, async_ = parameters(GraphClient), parameters(AsyncGraphClient)
    assert list(sync) == list(async_)
    assert {n: p.default for n, p in sync.items()} == {n: p.default for n, p in async_.items()}


def test_graph_config_is_the_options_resolved() -> None:
    fields = attrs.fields_dict(GraphConfig)
    assert set(fields) <= OPTIONS
    # The defaults live in the client signature only.
    assert all(field.default is attrs.NOTHING for field in fields.values())
    assert set(CREDENTIALS) <= OPTIONS


def test_each_option_is_documented_in_exactly_one_place() -> None:
    on_config = documented(GraphConfig.__doc__, "Attributes")
    on_client = documented(AsyncGraphClient.__doc__, "Args")
    assert on_config == set(attrs.fields_dict(GraphConfig))
    assert on_client == set(parameters(AsyncGraphClient)) - on_config
    assert not on_config & on_client


def test_the_config_holds_what_was_given_and_the_defaults() -> None:
    client = GraphClient(token="t", service_account="svc@contoso.com", timeout=5)
    config = client.config
    assert config.service_account == "svc@contoso.com"
    assert config.timeout == 5.0
    assert config.retry is not None
    assert config.rate_limit is not None
    assert config.base_url == "https://graph.microsoft.com/v1.0"


def test_max_response_bytes_defaults_to_64_mib_and_reaches_both_clients() -> None:
    for cls in (GraphClient, AsyncGraphClient):
        assert cls(token="t").config.max_response_bytes == 64 * 1024 * 1024
        assert cls(token="t", max_response_bytes=1024).config.max_response_bytes == 1024
        assert cls(token="t", max_response_bytes=None).config.max_response_bytes is None
        assert cls(token="t", max_response_bytes=1024)._transport._max_bytes == 1024


def test_max_response_bytes_reaches_a_client_built_from_placeos_settings() -> None:
    settings = {"calendar_config": {"tenant": "t", "client_id": "c", "client_secret": "s"}}
    client = GraphClient.from_placeos_settings(settings, max_response_bytes=2048)
    assert client.config.max_response_bytes == 2048


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "1024"])
def test_max_response_bytes_must_be_a_positive_int_or_none(value: object) -> None:
    with pytest.raises(ValidationError, match="max_response_bytes"):
        GraphClient(token="t", max_response_bytes=value)  # type: ignore[arg-type]
