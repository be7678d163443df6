"""``ModelValidationError`` messages from ``cattrs`` errors: one line per failed field.

Each line names the model and the field path, e.g.
``Event.attendees[1].status.response: expected a ResponseType string, got int``.
"""

from __future__ import annotations

from typing import Any

import cattrs
from cattrs.v import format_exception

from graphlink.errors import GraphError, ModelValidationError

__all__ = ["FAILURES", "validation_error"]

FAILURES = (cattrs.BaseValidationError, ValueError, TypeError, KeyError, AttributeError)
"""What the structure paths raise for data that does not fit a model."""


def _format(exc: BaseException, t: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, GraphError | ValueError | TypeError) and str(exc):
        return str(exc)
    return format_exception(exc, t)


def validation_error(
    name: str, exc: BaseException, index: int | None = None
) -> ModelValidationError:
    """The ``ModelValidationError`` for a failure to structure the model ``name``
    (item ``index`` of a list, if given)."""
    path = name if index is None else f"{name}[{index}]"
    messages = []
    for message in cattrs.transform_error(exc, path=path, format_exception=_format):
        text, _, where = message.rpartition(" @ ")
        messages.append(f"{where}: {text}" if text else message)
    return ModelValidationError(name, messages)
