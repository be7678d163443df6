"""The one cattrs converter between Graph JSON and the models, and the model base class.

Hook factories build, once per class, a generated ``cattrs`` structure function with
Graph's camelCase names, then keep every key the class does not model in ``extra``. Leaf
hooks (strings, enums, timestamps, Graph ``dateTimeTimeZone`` values) are hand-tuned:
decoding a 1,000-event page is the hot path of the SDK.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time
from enum import Enum
from typing import Any, Self, TypeVar, get_args, get_origin
from zoneinfo import ZoneInfo

import attrs
import cattrs
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.v import format_exception

from graphlink.errors import GraphError
from graphlink.models._enums import OpenEnum
from graphlink.models._errors import ModelValidationError
from graphlink.models._fast import FieldSpec, compile_structure
from graphlink.models._timezones import _CACHE, aware_in, timezone_fallback, to_zoneinfo

__all__ = [
    "GraphModel",
    "converter",
    "gfield",
    "structure",
    "structure_many",
    "unstructure",
]

T = TypeVar("T")

#: The converter between Graph JSON and :mod:`graphlink.models`; built once, at import.
converter = cattrs.Converter(detailed_validation=True)


# --------------------------------------------------------------------------- fields


def gfield(
    graph: str | None = "",
    *,
    default: Any = None,
    factory: Callable[[], Any] | None = None,
    read_only: bool = False,
    lenient: bool = False,
    path: tuple[str, str] | None = None,
    recipient: bool = False,
    dtz: tuple[str, ...] = (),
    kw_only: bool = True,
) -> Any:
    """An attrs field with its Graph mapping.

    Args:
        graph: the Graph JSON key; ``""`` derives it (``is_all_day`` -> ``isAllDay``),
            ``None`` keeps the field out of Graph JSON.
        read_only: Graph sets it; ``to_graph()`` leaves it out unless asked.
        lenient: a server timestamp: an unparseable value becomes ``None`` and is kept
            verbatim in ``extra`` instead of failing the whole object.
        path: ``(outer, inner)``: the value lives at ``data[outer][inner]``.
        recipient: the value is wrapped as Graph's ``recipient`` (``{"emailAddress": ...}``).
        dtz: a Graph ``dateTimeTimeZone``; names the attributes holding the zone name.
    """
    metadata = {
        "graph": graph,
        "ro": read_only,
        "lenient": lenient,
        "path": path,
        "recipient": recipient,
        "dtz": dtz,
    }
    if factory is not None:
        return attrs.field(factory=factory, metadata=metadata, kw_only=kw_only)
    return attrs.field(default=default, metadata=metadata, kw_only=kw_only)


def _camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _key(a: attrs.Attribute[Any]) -> str | None:
    graph = a.metadata.get("graph", "")
    if a.name == "extra":
        return None
    return _camel(a.name) if graph == "" else graph


def _field_specs(cls: type) -> tuple[FieldSpec, ...]:
    """Each attribute of a model with its Graph mapping: what both structure paths build from."""
    specs = _FIELDS.get(cls)
    if specs is not None:
        return specs
    model: Any = cls
    attrs.resolve_types(model)
    out = []
    for a in attrs.fields(model):
        key, md = _key(a), a.metadata
        if a.name == "extra":
            out.append(FieldSpec(a.name, None, a.type, a.default, "extra"))
        elif key is None:
            out.append(FieldSpec(a.name, None, a.type, a.default, "omit"))
        elif md.get("path"):
            outer, inner = md["path"]
            out.append(FieldSpec(a.name, outer, a.type, a.default, "path", inner))
        elif md.get("dtz"):
            out.append(FieldSpec(a.name, key, a.type, a.default, "dtz"))
        elif md.get("lenient"):
            out.append(FieldSpec(a.name, key, a.type, a.default, "lenient"))
        elif md.get("recipient"):
            out.append(FieldSpec(a.name, key, a.type, a.default, "recipient", "emailAddress"))
        else:
            out.append(FieldSpec(a.name, key, a.type, a.default, "plain"))
    specs = _FIELDS[cls] = tuple(out)
    return specs


_FIELDS: dict[type, tuple[FieldSpec, ...]] = {}


@attrs.frozen
class _Spec:
    known: frozenset[str]
    read_only: frozenset[str]
    lenient: tuple[tuple[str, str], ...]
    paths: tuple[tuple[str, str, str], ...]
    dtz: tuple[tuple[str, str, tuple[str, ...]], ...]


_SPECS: dict[type, _Spec] = {}


def _spec(cls: type) -> _Spec:
    spec = _SPECS.get(cls)
    if spec is not None:
        return spec
    fields = {a.name: a for a in attrs.fields(cls)}
    tz_attrs = {n for a in fields.values() for n in a.metadata.get("dtz", ())}
    known: set[str] = set()
    read_only: set[str] = set()
    lenient, paths, dtz = [], [], []
    for f in _field_specs(cls):
        if f.key is None:
            continue
        known.add(f.key)
        if f.kind == "path":
            if f.name not in tz_attrs:
                paths.append((f.name, f.key, f.inner or ""))
            continue
        if fields[f.name].metadata.get("ro"):
            read_only.add(f.key)
        if f.kind == "lenient":
            lenient.append((f.name, f.key))
        if f.kind == "dtz":
            dtz.append((f.name, f.key, fields[f.name].metadata["dtz"]))
    spec = _SPECS[cls] = _Spec(
        frozenset(known), frozenset(read_only), tuple(lenient), tuple(paths), tuple(dtz)
    )
    return spec


# --------------------------------------------------------------------------- leaf hooks


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


# Bound once: looking a classmethod up on ``datetime`` binds a new method object each time.
_fromisoformat = datetime.fromisoformat
_combine = datetime.combine


def parse_utc(value: Any) -> datetime | None:
    """A Graph ``DateTimeOffset`` (``"2017-04-15T03:00:50.7579581Z"``) as an aware datetime.

    A value without an offset is read as UTC, as Graph means it.
    """
    if value is None:
        return None
    if value.__class__ is not str:
        raise TypeError(f"expected a timestamp string, got {type(value).__name__}")
    parsed = _fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed


def format_utc(value: datetime) -> str:
    """An aware datetime as Graph writes timestamps, in UTC: ``2017-04-15T03:00:50.757958Z``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ModelValidationError("datetime", [f"naive datetime {value.isoformat()}"])
    naive = value.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(timespec="microseconds") + "Z"


def _lenient_utc(value: Any, _: Any) -> datetime | None:
    try:
        return parse_utc(value)
    except (TypeError, ValueError, OverflowError):
        return None


def parse_date_time_zone(value: Any, _: Any = None) -> datetime | None:
    """A Graph ``dateTimeTimeZone`` (``{"dateTime", "timeZone"}``) as an aware datetime.

    The wall clock is kept to the microsecond in the given zone (Windows or IANA name).
    """
    if value is None:
        return None
    if value.__class__ is not dict:
        raise TypeError(f"expected a dateTimeTimeZone object, got {type(value).__name__}")
    name = value.get("timeZone")
    zone = _CACHE.get(name) if name.__class__ is str else None
    if zone is None:
        if name is None:
            raise ValueError("dateTimeTimeZone without a timeZone")
        zone = to_zoneinfo(name)
    raw = value.get("dateTime")
    if raw.__class__ is not str:
        raise TypeError("dateTimeTimeZone.dateTime must be a string")
    parsed = _fromisoformat(raw)
    if parsed.tzinfo is not None:
        return parsed.astimezone(zone)
    # combine() is ~6x cheaper than replace(tzinfo=...), whose keyword parsing dominates
    return _combine(parsed, parsed.time(), zone)


def format_wall_clock(value: datetime) -> str:
    """The ``dateTime`` part of a Graph ``dateTimeTimeZone``: ``2017-04-15T12:00:00.0000000``."""
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "0"


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


def _is_tuple(t: Any) -> bool:
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


converter.register_structure_hook_factory(_is_tuple, _tuple_structure_factory)
converter.register_unstructure_hook_factory(_is_tuple, _tuple_unstructure_factory)


# --------------------------------------------------------------------------- model hooks


def _path_hook(inner: str, hook: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def structure_path(value: Any, t: Any) -> Any:
        if value is None:
            return None
        if value.__class__ is not dict:
            raise TypeError(f"expected a JSON object, got {type(value).__name__}")
        return hook(value.get(inner), t)

    return structure_path


def _recipient_hook(t: Any) -> Callable[[Any, Any], Any]:
    if _is_tuple(t):
        item_type = get_args(t)[0]
        item = _path_hook("emailAddress", converter.get_structure_hook(item_type))

        def structure_recipients(value: Any, _: Any) -> tuple[Any, ...]:
            if value is None:
                return ()
            return tuple([item(v, item_type) for v in _as_list(value)])

        return structure_recipients
    return _path_hook("emailAddress", converter.get_structure_hook(t))


def _as_list(value: Any) -> list[Any]:
    if value.__class__ is not list:
        raise TypeError(f"expected a JSON array, got {type(value).__name__}")
    return value


def _recipient_unhook(a: attrs.Attribute[Any]) -> Callable[[Any], Any]:
    if _is_tuple(a.type):
        return lambda value: [{"emailAddress": unstructure(v)} for v in value]
    return lambda value: {"emailAddress": unstructure(value)}


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, GraphModel)


def _field_hook(f: FieldSpec) -> Callable[[Any, Any], Any]:
    """The validating path's hook for one field (its value as found at ``data[f.key]``)."""
    if f.kind == "path":
        return _path_hook(f.inner or "", converter.get_structure_hook(f.type))
    if f.kind == "dtz":
        return parse_date_time_zone
    if f.kind == "lenient":
        return _lenient_utc
    if f.kind == "recipient":
        return _recipient_hook(f.type)
    return converter.get_structure_hook(f.type)


def _model_fast(t: Any) -> Callable[[Any], Any] | None:
    hook = converter.get_structure_hook(t)
    return hook.fast if isinstance(hook, ModelHook) else None


_SPECIAL: dict[str, Callable[..., Any]] = {
    "dtz": parse_date_time_zone,
    "lenient": parse_utc,
    "field_hook": _field_hook,
}


class ModelHook:
    """The converter's structure hook of a model class: the generated fast function, then,
    only if it raised, the validating ``cattrs`` function (which names each failed field)."""

    __slots__ = ("cls", "fast", "validate")

    def __init__(
        self,
        cls: type[Any],
        fast: Callable[[Any], Any] | None,
        validate: Callable[[Any, Any], Any],
    ) -> None:
        #: The model class.
        self.cls = cls
        #: ``dict`` -> instance; raises on anything the validating path should judge.
        self.fast = fast
        #: ``(data, cls)`` -> instance, or a detailed ``cattrs`` validation error.
        self.validate = validate

    def __call__(self, data: Any, _: Any = None) -> Any:
        """Structure one Graph object."""
        fast = self.fast
        if fast is not None:
            try:
                return fast(data)
            except Exception:
                pass
        return self.validate(data, self.cls)


def make_structure_hook(cls: type[T]) -> Callable[[Any, Any], T]:
    """Build the structure hook of a model class (the converter calls this once per class)."""
    fields = _field_specs(cls)
    overrides: dict[str, Any] = {}
    for f in fields:
        if f.key is None:
            overrides[f.name] = override(omit=True)
        elif f.kind == "plain":
            overrides[f.name] = override(rename=f.key)
        else:
            overrides[f.name] = override(rename=f.key, struct_hook=_field_hook(f))
    generated = make_dict_structure_fn(cls, converter, **overrides)
    spec = _spec(cls)
    known, lenient = spec.known, spec.lenient
    setattr_ = object.__setattr__

    def structure_model(data: Any, _: Any = None) -> T:
        if data.__class__ is not dict and not isinstance(data, Mapping):
            raise TypeError(f"expected a JSON object, got {type(data).__name__}")
        obj = generated(data, cls)
        if not data.keys() <= known:
            extra = {k: v for k, v in data.items() if k not in known}
            setattr_(obj, "extra", extra)
        else:
            extra = None
        for attr, key in lenient:
            if getattr(obj, attr) is None and data.get(key) is not None:
                if extra is None:
                    extra = {}
                    setattr_(obj, "extra", extra)
                extra[key] = data[key]
        return obj

    fast = compile_structure(
        cls,
        fields,
        known,
        hook_for=converter.get_structure_hook,
        model_fast=_model_fast,
        special=_SPECIAL,
    )
    return ModelHook(cls, fast, structure_model)


def make_unstructure_hook(cls: type[T]) -> Callable[[T], dict[str, Any]]:
    """Build the unstructure hook of a model class (full Graph JSON, read-only included)."""
    model: Any = cls
    attrs.resolve_types(model)
    overrides: dict[str, Any] = {}
    for a in attrs.fields(model):
        key = _key(a)
        md = a.metadata
        if key is None or md.get("path") or md.get("dtz"):
            overrides[a.name] = override(omit=True)
        else:
            omit = a.default is None or isinstance(a.default, attrs.Factory)  # type: ignore[arg-type,unused-ignore]
            hook = _recipient_unhook(a) if md.get("recipient") else None
            overrides[a.name] = override(rename=key, omit_if_default=omit, unstruct_hook=hook)
    generated = make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True, **overrides)
    spec = _spec(cls)

    def unstructure_model(obj: T) -> dict[str, Any]:
        data = generated(obj)
        for attr, key, tz_attrs in spec.dtz:
            value = getattr(obj, attr)
            if value is None:
                continue
            name = next((n for t in tz_attrs if (n := getattr(obj, t)) is not None), None)
            value, name = aware_in(value, name)
            data[key] = {"dateTime": format_wall_clock(value), "timeZone": name}
        for attr, outer, inner in spec.paths:
            value = getattr(obj, attr)
            if value is not None:
                data.setdefault(outer, {})[inner] = converter.unstructure(value)
        for key, value in obj.extra.items():  # type: ignore[attr-defined]
            data.setdefault(key, value)
        return data

    return unstructure_model


def _is_optional_model(t: Any) -> bool:
    args = get_args(t)
    return len(args) == 2 and type(None) in args and any(_is_model(a) for a in args)


def _optional_model_factory(t: Any) -> Callable[[Any, Any], Any]:
    inner_type = next(a for a in get_args(t) if _is_model(a))
    inner = converter.get_structure_hook(inner_type)

    def hook(value: Any, _: Any) -> Any:
        return None if value is None else inner(value, inner_type)

    return hook


converter.register_structure_hook_factory(_is_model, make_structure_hook)
converter.register_structure_hook_factory(_is_optional_model, _optional_model_factory)
converter.register_unstructure_hook_factory(_is_model, make_unstructure_hook)


# --------------------------------------------------------------------------- errors


def _format(exc: BaseException, t: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, GraphError | ValueError | TypeError) and str(exc):
        return str(exc)
    return format_exception(exc, t)


def _error(name: str, exc: BaseException, index: int | None = None) -> ModelValidationError:
    path = name if index is None else f"{name}[{index}]"
    messages = []
    for message in cattrs.transform_error(exc, path=path, format_exception=_format):
        text, _, where = message.rpartition(" @ ")
        messages.append(f"{where}: {text}" if text else message)
    return ModelValidationError(name, messages)


_FAILURES = (cattrs.BaseValidationError, ValueError, TypeError, KeyError, AttributeError)


def structure(cls: type[T], data: Any, *, tz_fallback: str | ZoneInfo | None = None) -> T:
    """Parse Graph JSON (a decoded dict) into a model.

    Args:
        cls: the model class, e.g. ``Event``.
        data: one Graph object, as ``json.loads`` returned it.
        tz_fallback: a zone to use for unknown time zone names instead of raising.

    Raises:
        ModelValidationError: the data does not fit; the message names each failed field.
    """
    hook = converter.get_structure_hook(cls)
    try:
        if tz_fallback is None:
            return hook(data, cls)  # type: ignore[no-any-return]
        with timezone_fallback(tz_fallback):
            return hook(data, cls)  # type: ignore[no-any-return]
    except _FAILURES as exc:
        raise _error(getattr(cls, "__name__", str(cls)), exc) from exc


def structure_many(
    cls: type[T], items: Iterable[Any], *, tz_fallback: str | ZoneInfo | None = None
) -> list[T]:
    """Parse a list of Graph objects (a page's ``value``) into models, fast.

    Raises:
        ModelValidationError: an item does not fit; the message gives its index.
    """
    hook = converter.get_structure_hook(cls)
    if tz_fallback is not None:
        with timezone_fallback(tz_fallback):
            return structure_many(cls, items)
    fast, validate = (hook.fast, hook.validate) if isinstance(hook, ModelHook) else (None, hook)
    out: list[T] = []
    append = out.append
    try:
        if fast is None:
            for item in items:
                append(hook(item, cls))
            return out
        for item in items:
            try:
                append(fast(item))
            except Exception:  # the validating path decides, and names what failed
                append(validate(item, cls))
    except _FAILURES as exc:
        raise _error(getattr(cls, "__name__", str(cls)), exc, len(out)) from exc
    return out


def unstructure(obj: Any) -> Any:
    """A model (or a value inside one) as Graph JSON, read-only properties included."""
    try:
        return converter.unstructure(obj)
    except GraphError:
        raise
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise ModelValidationError(type(obj).__name__, [str(exc)]) from exc


# --------------------------------------------------------------------------- base class


def placeos_value(value: Any) -> Any:
    """A model value in the PlaceOS driver's JSON style (Unix seconds, plain strings)."""
    if isinstance(value, GraphModel):
        return value.to_placeos()
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [placeos_value(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def rfc3339(value: datetime | None) -> str | None:
    """A timestamp as the driver writes it: UTC, whole seconds, ``Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


@attrs.frozen(kw_only=True)
class GraphModel:
    """Base of every model: Graph JSON in and out, PlaceOS JSON out.

    ``extra`` holds every Graph property the model does not name, so nothing is lost on a
    read-modify-write.
    """

    extra: dict[str, Any] = attrs.field(factory=dict, hash=False, repr=False)

    @classmethod
    def from_graph(
        cls, data: Mapping[str, Any], *, tz_fallback: str | ZoneInfo | None = None
    ) -> Self:
        """Parse one Graph JSON object (as returned by the API).

        Raises:
            ModelValidationError: the data does not fit; the message names the field.
        """
        return structure(cls, data, tz_fallback=tz_fallback)

    def to_graph(self, *, include_read_only: bool = False) -> dict[str, Any]:
        """This object as Graph JSON.

        By default only what Graph accepts on create/update (read-only properties and
        ``@odata`` annotations other than ``@odata.type`` are left out); pass
        ``include_read_only=True`` for the full representation Graph would return.

        Raises:
            ModelValidationError: a value cannot be written (e.g. a naive datetime).
        """
        data: dict[str, Any] = unstructure(self)
        if not include_read_only:
            read_only = _spec(type(self)).read_only
            for key in [k for k in data if k in read_only or (k[:1] == "@" and k != "@odata.type")]:
                del data[key]
        return data

    def to_placeos(self) -> dict[str, Any]:
        """This object in the PlaceOS driver's JSON style (snake_case, Unix seconds)."""
        out: dict[str, Any] = {}
        for a in attrs.fields(type(self)):
            value = getattr(self, a.name)
            if a.name != "extra" and value is not None and value != ():
                out[a.name] = placeos_value(value)
        return out
