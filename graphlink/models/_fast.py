"""Generated fast structure functions: one per model class, from the same field specs as the
validating (``cattrs``) path, and the switch that turns them off.

The fast function of a class (written by ``_emitter``) reads each Graph key once, checks the
common shapes inline and hands anything else to the very hook the validating path uses for
that field. It collects no errors: on anything unusual it raises, and the caller runs the
validating path, whose errors name each failed field. Both paths therefore agree whenever the
fast one returns; the fast one halves the parse time of a page.

Only field kinds listed in ``COMPILED_KINDS`` are compiled: a class with a field of any
other kind (a new one, say) has no fast function and is always validated.

Instances are built without ``__init__``: a *builder* class, a non-frozen twin of the model
with the same ``__slots__`` and the same base, takes plain slot stores (specialized by the
interpreter), then the object's ``__class__`` is set to the model. Python allows that
assignment only between layout-compatible heap types, and the builder is checked once per
class; a class it does not fit (validators, converters, ``__attrs_post_init__``, a
``__dict__``) has no fast path.

Switching it off: set ``GRAPHLINK_FAST_MODELS=0`` (or ``false``, ``no``, ``off``) in the
environment before ``graphlink`` is imported, or call ``set_fast_models(False)`` (exported as
[`graphlink.models.set_fast_models`][graphlink.models.set_fast_models]) at any time; every
model is then parsed by the validating path alone, and nothing is compiled until the switch
is turned back on. Results are the same either way, only slower.
"""

from __future__ import annotations

import linecache
import os
from collections.abc import Callable
from typing import Any

import attrs

from graphlink.models._emitter import Emitter, NoFastPath
from graphlink.models._fields import FieldSpec

__all__ = [
    "COMPILED_KINDS",
    "ENV",
    "compile_structure",
    "fast_models_enabled",
    "set_fast_models",
]

ENV = "GRAPHLINK_FAST_MODELS"
"""The environment variable read at import; ``0``, ``false``, ``no`` or ``off`` turn the fast path
off.
"""
_enabled = os.environ.get(ENV, "1").strip().casefold() not in {"0", "false", "no", "off"}

COMPILED_KINDS = frozenset({"plain", "path", "recipient", "dtz", "lenient", "omit", "extra"})
"""The field kinds the generator knows how to compile (see ``_fields``)."""


def fast_models_enabled() -> bool:
    """True while models are parsed by their generated fast functions (the default)."""
    return _enabled


def set_fast_models(enabled: bool) -> bool:
    """Turn the generated fast structure functions on or off; returns the previous setting.

    Off, every model is parsed by the validating ``cattrs`` path alone: the same results,
    about twice as slow. Meant for tests and for ruling the fast path out when debugging;
    ``GRAPHLINK_FAST_MODELS=0`` sets the same switch at import.
    """
    global _enabled
    previous, _enabled = _enabled, bool(enabled)
    return previous


def _builder(cls: type) -> type:
    """A non-frozen twin of ``cls`` whose instances can become ``cls`` instances."""
    if len(cls.__bases__) != 1 or "__slots__" not in cls.__dict__:
        raise NoFastPath(f"{cls.__name__} is not a single-base slotted class")
    twin = type(
        cls.__name__,
        cls.__bases__,
        {
            "__slots__": cls.__dict__["__slots__"],
            # both, so that the interpreter sees plain slot stores (tp_setattro is shared)
            "__setattr__": object.__setattr__,
            "__delattr__": object.__delattr__,
            "__init__": object.__init__,
            "__module__": cls.__module__,
            "__qualname__": f"{cls.__qualname__}.<builder>",
        },
    )
    probe = twin()
    try:
        probe.__class__ = cls
    except TypeError as exc:
        raise NoFastPath(str(exc)) from None
    return twin


def compile_structure(
    cls: type,
    fields: tuple[FieldSpec, ...],
    known: frozenset[str],
    *,
    hook_for: Callable[[Any], Callable[[Any, Any], Any]],
    model_fast: Callable[[Any], Callable[[Any], Any] | None],
    special: dict[str, Callable[..., Any]],
) -> Callable[[Any], Any] | None:
    """The fast structure function of ``cls`` (``dict`` -> instance), or ``None``.

    Args:
        fields: the class's field specs, shared with the validating path.
        known: every top-level Graph key the class reads (the rest go to ``extra``).
        hook_for: the converter's (validating) hook for a type.
        model_fast: the fast function of a nested model class, if it has one.
        special: ``"dtz"`` and ``"lenient"`` parsers (one value -> datetime, raising on
            anything they cannot read) and ``"field_hook"`` (a field spec -> the
            validating path's hook for it).

    The function raises (anything) where the validating path might decide differently.
    """
    if any(f.kind not in COMPILED_KINDS for f in fields):
        return None
    if any(a.validator or a.converter for a in attrs.fields(cls)) or hasattr(
        cls, "__attrs_post_init__"
    ):
        return None
    keys: list[str | None] = [spec.key for spec in fields if spec.key is not None]
    try:
        builder = _builder(cls)
        emitter = Emitter(cls, hook_for, model_fast, special)
        emitter.ns.update(KNOWN=known, NKEYS=len(known), BUILDER=builder, CLS=cls)
        emitter.lines += [
            "    if data.__class__ is not dict:",
            "        raise Bail",
            "    miss = 0",
        ]
        if len(known) >= 8:  # binding the method pays off from a few keys on
            emitter.lines.append("    g = data.get")
        else:
            emitter.get = "data.get"
        names = [
            (spec.name, emitter.field(i, spec, keys.count(spec.key) > 1))
            for i, spec in enumerate(fields)
        ]
        if set(emitter.loaded) != known:
            raise NoFastPath("the keys read are not the known keys")
    except NoFastPath:
        return None
    emitter.lines += [
        # each known key was read once: any other key is unknown, and goes to extra
        "    if len(data) + miss == NKEYS:",
        "        extra = {}",
        "    else:",
        "        extra = {k: v for k, v in data.items() if k not in KNOWN}",
        "    o = BUILDER()",
        *(f"    o.{name} = {var}" for name, var in names),
        "    o.__class__ = CLS",
        "    return o",
    ]
    fn_name = f"structure_{cls.__name__}"
    source = f"def {fn_name}(data):\n" + "\n".join(emitter.lines) + "\n"
    filename = f"<graphlink fast structure {cls.__module__}.{cls.__qualname__}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), emitter.ns)
    fn: Callable[[Any], Any] = emitter.ns[fn_name]
    return fn
