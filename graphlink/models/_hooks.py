"""Hook factories of the model classes: the converter calls them once per class.

``make_structure_hook`` gives a ``ModelHook``: a generated ``cattrs`` structure function
with Graph's camelCase names that keeps every key the class does not model in ``extra``
(the validating path), and the generated fast function of ``_fast`` in front of it.
``make_unstructure_hook`` writes Graph JSON back, ``dateTimeTimeZone`` values and nested
paths included.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, TypeVar, get_args

import attrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from graphlink.models._converter import converter, is_tuple
from graphlink.models._datetimes import (
    format_wall_clock,
    lenient_utc,
    parse_date_time_zone,
    parse_utc,
)
from graphlink.models._fast import compile_structure, fast_models_enabled
from graphlink.models._fields import FieldSpec, field_specs, graph_key, model_spec
from graphlink.models._timezones import aware_in

__all__ = [
    "FIELD_HOOKS",
    "ModelHook",
    "field_hook",
    "make_structure_hook",
    "make_unstructure_hook",
    "register_model_hooks",
]

T = TypeVar("T")
StructureHook = Callable[[Any, Any], Any]
"""A ``cattrs`` structure hook: ``(value, type) -> structured value``."""


def _path_hook(inner: str, hook: StructureHook) -> StructureHook:
    def structure_path(value: Any, t: Any) -> Any:
        if value is None:
            return None
        if value.__class__ is not dict:
            raise TypeError(f"expected a JSON object, got {type(value).__name__}")
        return hook(value.get(inner), t)

    return structure_path


def _as_list(value: Any) -> list[Any]:
    if value.__class__ is not list:
        raise TypeError(f"expected a JSON array, got {type(value).__name__}")
    return value


def _recipient_hook(f: FieldSpec) -> StructureHook:
    if is_tuple(f.type):
        item_type = get_args(f.type)[0]
        item = _path_hook("emailAddress", converter.get_structure_hook(item_type))

        def structure_recipients(value: Any, _: Any) -> tuple[Any, ...]:
            if value is None:
                return ()
            return tuple([item(v, item_type) for v in _as_list(value)])

        return structure_recipients
    return _path_hook("emailAddress", converter.get_structure_hook(f.type))


def _recipient_unhook(a: attrs.Attribute[Any]) -> Callable[[Any], Any]:
    unstructure = converter.unstructure
    if is_tuple(a.type):
        return lambda value: [{"emailAddress": unstructure(v)} for v in value]
    return lambda value: {"emailAddress": unstructure(value)}


FIELD_HOOKS: dict[str, Callable[[FieldSpec], StructureHook]] = {
    "plain": lambda f: converter.get_structure_hook(f.type),
    "path": lambda f: _path_hook(f.inner or "", converter.get_structure_hook(f.type)),
    "dtz": lambda f: parse_date_time_zone,
    "lenient": lambda f: lenient_utc,
    "recipient": _recipient_hook,
}
"""Field kind -> the validating path's hook for a field of that kind (its value as found at
``data[f.key]``). A new kind is added here; the fast path leaves its classes alone.
"""


def field_hook(f: FieldSpec) -> StructureHook:
    """The validating path's hook for one field (its value as found at ``data[f.key]``)."""
    make = FIELD_HOOKS.get(f.kind)
    if make is None:
        raise TypeError(f"{f.name}: no structure hook for the field kind {f.kind!r}")
    return make(f)


def _model_fast(t: Any) -> Callable[[Any], Any] | None:
    hook = converter.get_structure_hook(t)
    return hook.fast if isinstance(hook, ModelHook) else None


_SPECIAL: dict[str, Callable[..., Any]] = {
    "dtz": parse_date_time_zone,
    "lenient": parse_utc,
    "field_hook": field_hook,
}


class ModelHook:
    """The converter's structure hook of a model class: the generated fast function, then,
    only if it raised, the validating ``cattrs`` function (which names each failed field)."""

    __slots__ = ("_build", "_compiled", "cls", "validate")

    def __init__(
        self,
        cls: type[Any],
        build: Callable[[], Callable[[Any], Any] | None],
        validate: StructureHook,
    ) -> None:
        self.cls = cls
        """The model class."""
        self.validate = validate
        """``(data, cls)`` -> instance, or a detailed ``cattrs`` validation error."""
        self._build: Callable[[], Callable[[Any], Any] | None] | None = build
        self._compiled: Callable[[Any], Any] | None = None

    @property
    def fast(self) -> Callable[[Any], Any] | None:
        """``dict`` -> instance, raising on anything the validating path should judge;
        ``None`` where the class has none or while the fast path is switched off.

        Compiled on first use, so that nothing is generated while the switch is off.
        """
        if not fast_models_enabled():
            return None
        if self._build is not None:
            self._compiled = self._build()
            self._build = None
        return self._compiled

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
    fields = field_specs(cls)
    overrides: dict[str, Any] = {}
    for f in fields:
        if f.key is None:
            overrides[f.name] = override(omit=True)
        elif f.kind == "plain":
            overrides[f.name] = override(rename=f.key)
        else:
            overrides[f.name] = override(rename=f.key, struct_hook=field_hook(f))
    generated = make_dict_structure_fn(cls, converter, **overrides)
    spec = model_spec(cls)
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

    build = partial(
        compile_structure,
        cls,
        fields,
        known,
        hook_for=converter.get_structure_hook,
        model_fast=_model_fast,
        special=_SPECIAL,
    )
    return ModelHook(cls, build, structure_model)


def make_unstructure_hook(cls: type[T]) -> Callable[[T], dict[str, Any]]:
    """Build the unstructure hook of a model class (full Graph JSON, read-only included)."""
    model: Any = cls
    attrs.resolve_types(model)
    overrides: dict[str, Any] = {}
    for a in attrs.fields(model):
        key = graph_key(a)
        md = a.metadata
        if key is None or md.get("path") or md.get("dtz"):
            overrides[a.name] = override(omit=True)
        else:
            omit = a.default is None or isinstance(a.default, attrs.Factory)  # type: ignore[arg-type,unused-ignore]
            hook = _recipient_unhook(a) if md.get("recipient") else None
            overrides[a.name] = override(rename=key, omit_if_default=omit, unstruct_hook=hook)
    generated = make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True, **overrides)
    spec = model_spec(cls)

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


def register_model_hooks(base: type) -> None:
    """Have the converter build these hooks for ``base``, its subclasses and their
    ``X | None`` (called once, by ``_base``, for ``GraphModel``)."""

    def is_model(t: Any) -> bool:
        return isinstance(t, type) and issubclass(t, base)

    def is_optional_model(t: Any) -> bool:
        args = get_args(t)
        return len(args) == 2 and type(None) in args and any(is_model(a) for a in args)

    def optional_model_factory(t: Any) -> StructureHook:
        inner_type = next(a for a in get_args(t) if is_model(a))
        inner = converter.get_structure_hook(inner_type)

        def hook(value: Any, _: Any) -> Any:
            return None if value is None else inner(value, inner_type)

        return hook

    converter.register_structure_hook_factory(is_model, make_structure_hook)
    converter.register_structure_hook_factory(is_optional_model, optional_model_factory)
    converter.register_unstructure_hook_factory(is_model, make_unstructure_hook)
