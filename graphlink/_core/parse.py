"""Reading Graph's 2xx answers into models (pure).

Graph answering 2xx with something other than what the call promises (no body, not an
object, an object without its ``id``, fields of the wrong type) is Graph's fault, not the
caller's: these parsers raise [`InvalidResponseError`][graphlink.errors.InvalidResponseError],
never a [`ValidationError`][graphlink.errors.ValidationError] (which means bad input).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from graphlink.errors import InvalidResponseError, ModelValidationError
from graphlink.models import GraphModel, structure, structure_many

__all__ = ["first", "invalid", "model", "models", "nothing", "raw", "raw_items"]

M = TypeVar("M", bound=GraphModel)


def invalid(what: str, problem: str) -> InvalidResponseError:
    """The error for a 2xx answer that is not the ``what`` the call promises."""
    return InvalidResponseError(f"Graph's answer is not a valid {what}: {problem}")


def _check_object(cls: type[GraphModel], body: Any, *, require_id: bool) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        got = "an empty body" if body is None else f"a JSON {type(body).__name__}"
        raise invalid(cls.__name__, f"expected an object, got {got}")
    if require_id and not body.get("id"):
        raise invalid(cls.__name__, "it has no id")
    return body


def model(cls: type[M], *, require_id: bool = True) -> Callable[[Any], M]:
    """A parser of one object of ``cls`` (with an ``id`` unless ``require_id`` is false)."""

    def parse(body: Any) -> M:
        data = _check_object(cls, body, require_id=require_id)
        try:
            return structure(cls, data)
        except ModelValidationError as exc:
            raise invalid(cls.__name__, str(exc)) from None

    return parse


def models(cls: type[M], *, require_id: bool = False) -> Callable[[list[Any]], list[M]]:
    """A parser of a page's items of ``cls``, all at once (the fast path).

    Items must be objects; their ``id`` is not required by default, as Graph leaves it
    out of some collections (and Microsoft's documented examples of others).
    """

    def parse(items: list[Any]) -> list[M]:
        for item in items:
            _check_object(cls, item, require_id=require_id)
        try:
            return structure_many(cls, items)
        except ModelValidationError as exc:
            raise invalid(cls.__name__, str(exc)) from None

    return parse


def first(cls: type[M], missing: Callable[[], Exception]) -> Callable[[Any], M]:
    """A parser of a lookup: the first item of a collection (with its ``id``: callers go on
    to address it), or ``missing()`` raised."""
    parse_items = models(cls, require_id=True)

    def parse(body: Any) -> M:
        items = body.get("value") if isinstance(body, Mapping) else None
        if not isinstance(items, list):
            raise invalid(f"collection of {cls.__name__}", "it has no value list")
        if not items:
            raise missing()
        return parse_items(items[:1])[0]

    return parse


def raw(body: Any) -> Any:
    """The JSON body as Graph sent it (raw access)."""
    return body


def raw_items(items: list[Any]) -> list[Any]:
    """A page's items as Graph sent them (raw paging, delta rounds)."""
    return items


def nothing(body: Any) -> None:
    """For calls whose answer carries nothing to read (204, 202)."""
    return None
