"""The model base class, and parsing and writing Graph JSON with the converter.

[`GraphModel`][graphlink.models.GraphModel] gives every model ``from_graph()``,
``to_graph()`` and ``to_placeos()``; [`structure`][graphlink.models.structure],
[`structure_many`][graphlink.models.structure_many] and
[`unstructure`][graphlink.models.unstructure] are the same conversions as functions, with
failures reported as [`ModelValidationError`][graphlink.errors.ModelValidationError].
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Self, TypeVar
from zoneinfo import ZoneInfo

import attrs

from graphlink.errors import GraphError, ModelValidationError
from graphlink.models._converter import converter
from graphlink.models._fields import model_spec
from graphlink.models._formatting import FAILURES, validation_error
from graphlink.models._hooks import ModelHook, register_model_hooks
from graphlink.models._timezones import timezone_fallback

__all__ = [
    "GraphModel",
    "structure",
    "structure_many",
    "unstructure",
]

T = TypeVar("T")


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
    except FAILURES as exc:
        raise validation_error(getattr(cls, "__name__", str(cls)), exc) from exc


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
    except FAILURES as exc:
        raise validation_error(getattr(cls, "__name__", str(cls)), exc, len(out)) from exc
    return out


def unstructure(obj: Any) -> Any:
    """A model (or a value inside one) as Graph JSON, read-only properties included."""
    try:
        return converter.unstructure(obj)
    except GraphError:
        raise
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise ModelValidationError(type(obj).__name__, [str(exc)]) from exc


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
            read_only = model_spec(type(self)).read_only
            for key in [k for k in data if k in read_only or (k[:1] == "@" and k != "@odata.type")]:
                del data[key]
        return data

    def to_placeos(self, *args: Any, **options: Any) -> dict[str, Any]:
        """This object in the PlaceOS driver's JSON style (snake_case, Unix seconds).

        The shapes belong to [`graphlink.placeos`][graphlink.placeos] (loaded on first
        use: the models themselves know nothing of PlaceOS); ``args`` and ``options`` are
        the shape's (a calendar's ``mailbox``).
        """
        from graphlink.placeos._shapes import to_placeos

        return to_placeos(self, *args, **options)


# From here on the converter builds its hooks for every model class (on first use).
register_model_hooks(GraphModel)
