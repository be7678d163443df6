"""The generated fast path agrees with the validating (cattrs) path, or steps aside."""

from __future__ import annotations

import gc
import json
import linecache
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

import attrs
import pytest
from examples import example_names, missing_reason, response_body
from hypothesis import given, settings
from hypothesis import strategies as st

import graphlink.models as models
from graphlink.models import (
    Attendee,
    Event,
    GraphModel,
    Message,
    ModelValidationError,
    ScheduleInformation,
    fast_models_enabled,
    structure,
    structure_many,
)
from graphlink.models._converter import converter
from graphlink.models._fast import COMPILED_KINDS, ENV
from graphlink.models._fields import field_specs, gfield
from graphlink.models._hooks import FIELD_HOOKS, ModelHook, make_structure_hook

# These tests are about the fast path: on, whatever GRAPHLINK_FAST_MODELS says.
pytestmark = pytest.mark.usefixtures("fast_path")

MODELS = [
    cls
    for name in models.__all__
    if isinstance(cls := getattr(models, name), type)
    and issubclass(cls, GraphModel)
    and cls is not GraphModel
]


def _hook(cls: type[Any]) -> ModelHook:
    hook = converter.get_structure_hook(cls)
    if not isinstance(hook, ModelHook):  # a tagged union: its own base hook is built apart
        hook = make_structure_hook(cls)
    assert isinstance(hook, ModelHook)
    return hook


def _same(a: Any, b: Any, where: str = "") -> None:
    """Strict equality: same classes, same zones, same ``extra``, all the way down."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, GraphModel):
        for field in attrs.fields(type(a)):
            _same(getattr(a, field.name), getattr(b, field.name), f"{where}.{field.name}")
    elif isinstance(a, tuple | list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, datetime):
        assert (a, a.tzinfo, a.fold) == (b, b.tzinfo, b.fold), where
    elif isinstance(a, Enum):
        assert a is b or (a.value == b.value and not getattr(a, "known", True)), where
    else:
        assert a == b, where


def _agree(cls: type[Any], data: Any) -> None:
    """Fast and validating paths give the same object, or the fast one raised."""
    hook = _hook(cls)
    assert hook.fast is not None
    try:
        validated = hook.validate(data, cls)
    except Exception:  # then the fast path must not accept it either
        with pytest.raises(Exception):  # noqa: B017
            hook.fast(data)
        return
    try:
        fast = hook.fast(data)
    except Exception:  # stepping aside is always allowed
        return
    _same(fast, validated, cls.__name__)


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_every_model_has_a_fast_path(cls: type[Any]) -> None:
    assert _hook(cls).fast is not None


_EXAMPLES = [(name, body) for name in example_names() if (body := response_body(name)) is not None]


def _objects(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("value"), list):
        return [v for v in body["value"] if isinstance(v, dict)]
    return [body] if isinstance(body, dict) else []


@pytest.mark.skipif(not _EXAMPLES, reason=missing_reason())
def test_fast_agrees_on_every_documented_response() -> None:
    checked = 0
    for _, body in _EXAMPLES:
        for data in _objects(body):
            for cls in MODELS:
                _agree(cls, data)
                checked += 1
    assert checked


def test_fast_path_is_taken_for_graph_shaped_events() -> None:
    event = {
        "id": "1",
        "subject": "s",
        "start": {"dateTime": "2024-05-02T09:00:00.0000000", "timeZone": "UTC"},
        "attendees": [{"emailAddress": {"address": "a@b"}, "status": {"response": "none"}}],
        "newThing": 1,
    }
    fast = _hook(Event).fast
    assert fast is not None
    parsed = fast(event)
    assert parsed.extra == {"newThing": 1}
    assert parsed.attendees[0].email == "a@b"
    _same(parsed, Event.from_graph(event))


# Values of every JSON kind, with the shapes Graph uses and some it never sends.
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            "",
            "x",
            "accepted",
            "Accepted",
            "HTML",
            "busy",
            "UTC",
            "Pacific Standard Time",
            "2024-05-02T09:00:00.1234567",
            "2024-05-02T09:00:00Z",
            "0001-01-01T00:00:00Z",
            "datetime-value",
            "aGVsbG8=",
            "2024-05-02",
            "09:00:00.0000000",
        ]
    ),
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)


def _graph_object(cls: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    keys = sorted({f.key for f in field_specs(cls) if f.key is not None} | {"zz"})
    nested = st.fixed_dictionaries(
        {},
        optional={
            "dateTime": _scalars,
            "timeZone": _scalars,
            "emailAddress": st.fixed_dictionaries(
                {}, optional={"name": _scalars, "address": _scalars}
            )
            | _json,
            "response": _scalars,
            "time": _scalars,
            "content": _scalars,
            "contentType": _scalars,
            "displayName": _scalars,
        },
    )
    value = _json | nested | st.lists(nested, max_size=2)
    return st.dictionaries(st.sampled_from(keys), value, max_size=8)


@pytest.mark.parametrize(
    "cls", [Event, Attendee, Message, ScheduleInformation], ids=lambda c: c.__name__
)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_fast_agrees_on_arbitrary_json(cls: type[Any], data: st.DataObject) -> None:
    _agree(cls, data.draw(_graph_object(cls)))


def test_errors_still_name_the_field_after_the_fast_path_steps_aside() -> None:
    good = {"subject": "ok"}
    bad = {"subject": "ok", "attendees": [{}, {"status": {"response": 3}}]}
    with pytest.raises(ModelValidationError, match=r"Event\[1\]\.attendees\[1\]\.status\.response"):
        structure_many(Event, [good, bad, good])
    with pytest.raises(ModelValidationError, match=r"Event\.attendees\[1\]\.status\.response"):
        structure(Event, bad)


def test_lenient_timestamps_step_aside_and_keep_the_raw_value() -> None:
    [event] = structure_many(Event, [{"createdDateTime": "not a time", "subject": "s"}])
    assert event.created is None
    assert event.extra == {"createdDateTime": "not a time"}


def test_parsing_leaves_the_gc_state_alone() -> None:
    page = [{"subject": str(i)} for i in range(100)]
    assert gc.isenabled()
    seen: list[bool] = []
    structure_many(Event, page)
    assert gc.isenabled()
    with pytest.raises(ModelValidationError):
        structure_many(Event, [*page, {"subject": 1}])
    assert gc.isenabled()
    gc.disable()
    try:
        structure_many(Event, page)
        seen.append(gc.isenabled())
    finally:
        gc.enable()
    assert seen == [False]


def test_bench_runs_and_reports() -> None:
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "bench"))
    try:
        import bench_models
    finally:
        sys.path.remove(str(root / "bench"))
    figures = bench_models.run(events=20, rounds=1)
    assert {"graphlink_us", "baseline_us", "ratio"} <= figures.keys()
    assert figures["graphlink_us"] > 0
    parsed = structure_many(Event, json.loads(bench_models.page_bytes(3))["value"])
    assert [len(e.attendees) for e in parsed] == [5, 5, 5]


def _upper(value: Any, _: Any) -> str | None:
    if value is not None and value.__class__ is not str:
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return None if value is None else value.upper()


def test_a_field_kind_the_generator_does_not_know_is_validated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a new kind: the validating path has a hook for it, the generator does not know it
    monkeypatch.setitem(FIELD_HOOKS, "upper", lambda f: _upper)
    assert "upper" not in COMPILED_KINDS

    @attrs.frozen(kw_only=True)
    class Shouted(GraphModel):
        word: str | None = gfield(kind="upper")
        count: int | None = gfield()

    @attrs.frozen(kw_only=True)
    class Plain(GraphModel):
        word: str | None = gfield()
        count: int | None = gfield()

    assert _hook(Plain).fast is not None  # the same shape with known kinds compiles
    assert _hook(Shouted).fast is None
    data = {"word": "hi", "count": 2, "other": True}
    shouted = structure(Shouted, data)
    assert (shouted.word, shouted.count, shouted.extra) == ("HI", 2, {"other": True})
    assert structure_many(Shouted, [data, {}]) == [shouted, Shouted()]
    assert shouted.to_graph() == {"word": "HI", "count": 2, "other": True}
    with pytest.raises(ModelValidationError, match=r"Shouted\[1\]\.word: expected a string"):
        structure_many(Shouted, [data, {"word": 3}])


def test_switched_off_every_model_takes_the_validating_path(
    switch_fast_models: Callable[[bool], bool],
) -> None:
    events = [
        {
            "subject": f"s{i}",
            "start": {"dateTime": "2024-05-02T09:00:00.0000000", "timeZone": "UTC"},
            "attendees": [{"emailAddress": {"address": "a@b"}, "status": {"response": "none"}}],
            "newThing": i,
        }
        for i in range(3)
    ]
    fast = structure_many(Event, events)
    assert switch_fast_models(False) is True
    assert not fast_models_enabled()
    assert _hook(Event).fast is None
    validated = structure_many(Event, events)
    single = structure(Event, events[0])
    switch_fast_models(True)
    _same(validated, fast)
    _same(single, fast[0])
    assert _hook(Event).fast is not None


def test_nothing_is_compiled_while_switched_off(
    switch_fast_models: Callable[[bool], bool],
) -> None:
    @attrs.frozen(kw_only=True)
    class Fresh(GraphModel):
        name: str | None = gfield()

    def compiled() -> bool:
        name = f"<graphlink fast structure {Fresh.__module__}.{Fresh.__qualname__}>"
        return name in linecache.cache

    switch_fast_models(False)
    assert structure(Fresh, {"name": "x"}) == Fresh(name="x")
    assert not compiled()
    switch_fast_models(True)
    assert structure(Fresh, {"name": "x"}) == Fresh(name="x")
    assert compiled()


@pytest.mark.parametrize(("value", "enabled"), [("0", False), ("off", False), ("1", True)])
def test_the_environment_sets_the_switch_at_import(value: str, enabled: bool) -> None:
    package_root = Path(models.__file__).resolve().parents[2]
    env = {**os.environ, ENV: value, "PYTHONPATH": str(package_root)}
    code = "import graphlink.models as m; print(m.fast_models_enabled())"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(enabled)
