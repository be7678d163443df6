"""The one cattrs converter between Graph JSON and the models, with its leaf hooks.

Leaf hooks (strings, numbers, enums, timestamps, dates, base64, tuples) are hand-tuned:
decoding a 1,000-event page is the hot path of the SDK. The model classes' own hooks are
built by ``_hooks``. The converter is internal on purpose: the generated fast functions
inline the common cases of these hooks, so a hook registered from outside would apply to
one structure path and not the other.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any, get_args, get_origin

import cattrs
from cattrs.errors import IterableValidationError, IterableValidationNote

from graphlink.models._datetimes import format_utc, parse_utc
from graphlink.models._enums import OpenEnum

__all__ = ["converter", "is_tuple"]

converter = cattrs.Converter(detailed_validation=True)
"""The converter between Graph JSON and the models; built once, at import."""


def _leaf(kind: type, name: str, optional: bool) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        if value.__class__ is kind or (value is None and optional):
            return value
        if kind is float and value.__class__ is int:
            return float(value)
        if kind is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        raise TypeError(f"expected {name}, got {type(value).__name__} {value!r:.40}")

    return hook


def _exactly(wanted: Any) -> Callable[[Any], bool]:
    return lambda t: t == wanted


for _kind, _name in (
    (str, "a string"),
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a number"),
):
    converter.register_structure_hook_func(_exactly(_kind), _leaf(_kind, _name, False))
    converter.register_structure_hook_func(_exactly(_kind | None), _leaf(_kind, _name, True))


converter.register_structure_hook(datetime, lambda v, _: parse_utc(v))
converter.register_structure_hook(datetime | None, lambda v, _: parse_utc(v))
converter.register_unstructure_hook(datetime, format_utc)


def _parse_date(value: Any, _: Any) -> date | None:
    if value is None:
        return None
    if value.__class__ is not str:
        raise TypeError(f"expected a date string, got {type(value).__name__}")
    return date.fromisoformat(value[:10])


def _parse_time(value: Any, _: Any) -> time | None:
    if value is None:
        return None
    if value.__class__ is not str:
        raise TypeError(f"expected a time string, got {type(value).__name__}")
    return time.fromisoformat(value)


converter.register_structure_hook(date, _parse_date)
converter.register_structure_hook(date | None, _parse_date)
converter.register_unstructure_hook(date, lambda v: v.isoformat())
converter.register_structure_hook(time, _parse_time)
converter.register_structure_hook(time | None, _parse_time)
converter.register_unstructure_hook(
    time, lambda v: v.replace(tzinfo=None).isoformat(timespec="microseconds") + "0"
)


def _parse_b64(value: Any, _: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if value.__class__ is not str:
        raise TypeError(f"expected base64 text, got {type(value).__name__}")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"invalid base64 ({exc})") from None


converter.register_structure_hook(bytes, _parse_b64)
converter.register_structure_hook(bytes | None, _parse_b64)
converter.register_unstructure_hook(bytes, lambda v: base64.b64encode(v).decode("ascii"))


def _is_open_enum(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, OpenEnum)


def _enum_hook_factory(t: type[OpenEnum]) -> Callable[[Any, Any], Any]:
    members = t._value2member_map_

    def hook(value: Any, _: Any) -> Any:
        member = members.get(value)
        if member is not None:
            return member
        if isinstance(value, t):
            return value
        if value.__class__ is not str:
            raise TypeError(f"expected a {t.__name__} string, got {type(value).__name__}")
        return t(value)

    return hook


def _is_optional_open_enum(t: Any) -> bool:
    args = get_args(t)
    return len(args) == 2 and type(None) in args and any(_is_open_enum(a) for a in args)


def _optional_enum_factory(t: Any) -> Callable[[Any, Any], Any]:
    inner = _enum_hook_factory(next(a for a in get_args(t) if _is_open_enum(a)))

    def hook(value: Any, _: Any) -> Any:
        return None if value is None else inner(value, None)

    return hook


converter.register_structure_hook_factory(_is_open_enum, _enum_hook_factory)
converter.register_structure_hook_factory(_is_optional_open_enum, _optional_enum_factory)
converter.register_unstructure_hook(OpenEnum, lambda v: v._value_)


def is_tuple(t: Any) -> bool:
    """True for ``tuple[X, ...]``, the type of every list-valued model field."""
    args = get_args(t)
    return get_origin(t) is tuple and len(args) == 2 and args[1] is Ellipsis


def _tuple_structure_factory(t: Any) -> Callable[[Any, Any], tuple[Any, ...]]:
    item_type = get_args(t)[0]
    item = converter.get_structure_hook(item_type)

    def hook(value: Any, _: Any) -> tuple[Any, ...]:
        if value is None:
            return ()
        if value.__class__ is not list:
            raise TypeError(f"expected a JSON array, got {type(value).__name__}")
        try:
            return tuple([item(v, item_type) for v in value])
        except Exception:
            pass
        # the quick attempt failed: go again, item by item, to name each bad index
        errors: list[Exception] = []
        for index, v in enumerate(value):
            try:
                item(v, item_type)
            except Exception as exc:
                exc.__notes__ = [
                    *getattr(exc, "__notes__", []),
                    IterableValidationNote(f"Structuring {t} @ index {index}", index, item_type),
                ]
                errors.append(exc)
        raise IterableValidationError(f"While structuring {t!r}", errors, t)

    return hook


def _tuple_unstructure_factory(t: Any) -> Callable[[tuple[Any, ...]], list[Any]]:
    item = converter.get_unstructure_hook(get_args(t)[0])
    return lambda value: [item(v) for v in value]


converter.register_structure_hook_factory(is_tuple, _tuple_structure_factory)
converter.register_unstructure_hook_factory(is_tuple, _tuple_unstructure_factory)
