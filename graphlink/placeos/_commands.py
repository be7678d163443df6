"""The driver's commands as data (pure): the table, argument checking, the error JSON.

The command table is derived from the driver class itself: every method marked with
[`command`][graphlink.placeos._commands.command] is a command of the same name, its
parameters are the method's, and the JSON types each argument accepts are read from the
method's annotations. Nothing here does I/O; the sync and async drivers share it.
"""

from __future__ import annotations

import base64
import binascii
import inspect
import json
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias, TypeVar, Union, get_args, get_origin, get_type_hints

import attrs

from graphlink.errors import GraphAPIError, ValidationError
from graphlink.models import Attachment, Attendee, AttendeeType

__all__ = [
    "AttachmentJSON",
    "AttendeeJSON",
    "Command",
    "Parameter",
    "TemplateValue",
    "attachments_in",
    "attendees_in",
    "check_call",
    "command",
    "command_help",
    "commands",
    "describe",
    "error_json",
    "fits",
    "template_name",
    "usage",
]

AttachmentJSON: TypeAlias = Mapping[str, Any]
"""An attachment as the driver takes it: ``{file_name, content, content_id?}`` (the
mailer's) or ``{name, content_bytes, content_type?, content_id?}`` (the calendar's), the
content in Base64."""

AttendeeJSON: TypeAlias = Mapping[str, Any]
"""An attendee as the driver takes it: ``{email, name?, resource?, optional?}``."""

TemplateValue: TypeAlias = str | int | float | bool | None
"""A template argument's value (the driver's ``TemplateItems``)."""

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "__placeos_command__"


def command(method: F) -> F:
    """Mark a driver method as a command: ``execute``, the command line and the docs list it."""
    setattr(method, _MARK, True)
    return method


@attrs.frozen
class Parameter:
    """One parameter of a command.

    Attributes:
        name: The method's parameter name (``from_``).
        json_name: The name in the driver's JSON arguments (``from``).
        hint: The parameter's annotation: the JSON types it accepts.
        default: The default value, or [`inspect.Parameter.empty`][inspect.Parameter] when
            the argument is required.
    """

    name: str
    json_name: str
    hint: Any
    default: Any

    @property
    def required(self) -> bool:
        """True when the argument has no default."""
        return self.default is inspect.Parameter.empty


@attrs.frozen
class Command:
    """One command of the driver: its name, parameters and one-line summary."""

    name: str
    parameters: tuple[Parameter, ...]
    summary: str

    def parameter(self, key: str) -> Parameter | None:
        """The parameter a JSON argument name (``from``) or a method name (``from_``) names."""
        for parameter in self.parameters:
            if key in (parameter.json_name, parameter.name):
                return parameter
        return None


_TABLES: dict[type, dict[str, Command]] = {}


def commands(driver: type) -> Mapping[str, Command]:
    """The command table of a driver class, in definition order (derived once per class)."""
    table = _TABLES.get(driver)
    if table is None:
        table = {}
        names = [
            name
            for klass in reversed(driver.__mro__)
            for name, member in vars(klass).items()
            if callable(member) and getattr(member, _MARK, False)
        ]
        for name in dict.fromkeys(names):
            member = getattr(driver, name)
            hints = get_type_hints(member)
            parameters = tuple(
                Parameter(p.name, p.name.removesuffix("_"), hints[p.name], p.default)
                for p in list(inspect.signature(member).parameters.values())[1:]
            )
            paragraph = (inspect.getdoc(member) or "").split("\n\n", 1)[0]
            summary = " ".join(paragraph.split()).replace("``", "")
            table[name] = Command(name, parameters, summary)
        _TABLES[driver] = table
    return table


# ---------------------------------------------------------------- JSON types


def _is_union(hint: Any) -> bool:
    return get_origin(hint) in (Union, types.UnionType)


def fits(value: Any, hint: Any) -> bool:
    """Whether a JSON value has a type the annotation ``hint`` accepts."""
    if hint is Any:
        return True
    if _is_union(hint):
        return any(fits(value, arm) for arm in get_args(hint))
    if hint is None or hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    origin, args = get_origin(hint), get_args(hint)
    if origin in (list, tuple, Sequence):
        return isinstance(value, list | tuple) and all(fits(v, args[0]) for v in value)
    if origin in (dict, Mapping):
        return isinstance(value, Mapping) and all(
            isinstance(k, str) and fits(v, args[1]) for k, v in value.items()
        )
    raise TypeError(f"no JSON type for the annotation {hint!r}")  # a driver bug, not input


def describe(hint: Any) -> str:
    """The JSON type an annotation accepts, in words (``"string or array of string"``)."""
    if hint is Any:
        return "any JSON value"
    if _is_union(hint):
        return " or ".join(dict.fromkeys(describe(arm) for arm in get_args(hint)))
    if hint is None or hint is type(None):
        return "null"
    names = {bool: "boolean", int: "integer", float: "number", str: "string"}
    if hint in names:
        return names[hint]
    origin, args = get_origin(hint), get_args(hint)
    if origin in (list, tuple, Sequence):
        inner = describe(args[0])
        return f"array of {f'({inner})' if ' or ' in inner else inner}"
    return "object"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def check_call(driver: type, name: object, args: object) -> tuple[str, dict[str, Any]]:
    """Check a command call before anything is sent; returns the method and its keywords.

    Raises:
        ValidationError: Unknown command; arguments that are not an object; an unknown,
            repeated (``from`` and ``from_``) or missing argument; or an argument of the
            wrong JSON type. The message names it.
    """
    table = commands(driver)
    found = table.get(name) if isinstance(name, str) else None
    if found is None:
        raise ValidationError(f"unknown command {name!r}; the commands are: {', '.join(table)}")
    if args is None:
        args = {}
    if not isinstance(args, Mapping):
        raise ValidationError(f"{found.name}: the arguments must be a JSON object")
    keywords: dict[str, Any] = {}
    for key, value in args.items():
        parameter = found.parameter(key) if isinstance(key, str) else None
        if parameter is None:
            known = ", ".join(p.json_name for p in found.parameters) or "none"
            raise ValidationError(
                f"{found.name}: unknown argument {key!r} (its arguments: {known})"
            )
        if parameter.name in keywords:
            raise ValidationError(f"{found.name}: argument {parameter.json_name!r} given twice")
        if value is None and not parameter.required:
            continue  # PlaceOS callers send null for "not given": the default applies
        if not fits(value, parameter.hint):
            raise ValidationError(
                f"{found.name}: argument {parameter.json_name!r} must be "
                f"{describe(parameter.hint)}, not {_json_type(value)}"
            )
        keywords[parameter.name] = value
    missing = [p.json_name for p in found.parameters if p.required and p.name not in keywords]
    if missing:
        raise ValidationError(
            f"{found.name}: missing required argument{'s' * (len(missing) > 1)} "
            + ", ".join(repr(m) for m in missing)
        )
    return found.name, keywords


def _default(value: Any) -> str:
    return json.dumps(list(value) if isinstance(value, tuple) else value)


def usage(driver: type) -> str:
    """Every command with its parameters, one line each (for ``--help``)."""
    lines = []
    for found in commands(driver).values():
        params = [
            p.json_name if p.required else f"{p.json_name}={_default(p.default)}"
            for p in found.parameters
        ]
        lines.append(f"  {found.name}({', '.join(params)})")
        if found.summary:
            lines.append(f"      {found.summary}")
    return "\n".join(lines)


def command_help(driver: type, name: str) -> str:
    """One command's parameters with their JSON types and defaults."""
    found = commands(driver)[name]
    lines = [found.summary, "", "arguments:"] if found.summary else ["arguments:"]
    width = max((len(p.json_name) for p in found.parameters), default=0)
    for p in found.parameters:
        when = "required" if p.required else f"default {_default(p.default)}"
        lines.append(f"  --{p.json_name:<{width}}  {describe(p.hint)} ({when})")
    if not found.parameters:
        lines.append("  (none)")
    return "\n".join(lines)


# ---------------------------------------------------------------- the driver's JSON in


def _content(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise ValidationError(f"{where} must be Base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(f"{where} is not valid Base64") from None


def attachments_in(values: Sequence[AttachmentJSON], name: str) -> list[Attachment]:
    """The driver's attachment objects as [`Attachment`][graphlink.models.Attachment]s.

    Each is ``{file_name, content, content_id?}`` (the mailer's shape) or ``{name,
    content_bytes, content_type?, content_id?}`` (the calendar's), the content Base64.
    """
    out = []
    for index, value in enumerate(values):
        where = f"{name}[{index}]"
        if not isinstance(value, Mapping):
            raise ValidationError(f"{where} must be an object")
        known = {"file_name", "name", "content", "content_bytes", "content_type", "content_id"}
        unknown = sorted(set(value) - known - {"id", "size"})
        if unknown:
            raise ValidationError(f"{where}: unknown key {unknown[0]!r}")
        filename = value.get("file_name", value.get("name"))
        if not isinstance(filename, str) or not filename:
            raise ValidationError(f"{where} needs a file_name (or name)")
        raw = value.get("content", value.get("content_bytes"))
        content = _content(raw, f"{where}.content")
        content_type = value.get("content_type")
        content_id = value.get("content_id")
        for key, item in (("content_type", content_type), ("content_id", content_id)):
            if item is not None and not isinstance(item, str):
                raise ValidationError(f"{where}.{key} must be a string")
        out.append(Attachment(filename, content, content_type, content_id=content_id))
    return out


# What an attendee object may hold (``response_status`` so list_events output goes back).
_ATTENDEE_KEYS = frozenset({"email", "name", "resource", "optional", "response_status"})


def attendees_in(values: str | Sequence[str | AttendeeJSON]) -> list[str | Attendee]:
    """The driver's attendees (addresses, or ``{email, name?, resource?, optional?}``)."""
    if isinstance(values, str):
        return [values]
    out: list[str | Attendee] = []
    for index, value in enumerate(values):
        if isinstance(value, str):
            out.append(value)
            continue
        where = f"attendees[{index}]"
        if not isinstance(value, Mapping):
            raise ValidationError(f"{where} must be an address or an object")
        unknown = set(value) - _ATTENDEE_KEYS
        if unknown:
            raise ValidationError(
                f"{where} has unknown keys {sorted(unknown)}; it takes {sorted(_ATTENDEE_KEYS)}"
            )
        email, name = value.get("email"), value.get("name")
        if not isinstance(email, str) or not email:
            raise ValidationError(f"{where} needs an email")
        if name is not None and not isinstance(name, str):
            raise ValidationError(f"{where}.name must be a string")
        for flag in ("optional", "resource"):
            if value.get(flag) is not None and not isinstance(value.get(flag), bool):
                raise ValidationError(f"{where}.{flag} must be true, false or null")
        kind = AttendeeType.REQUIRED
        if value.get("optional"):
            kind = AttendeeType.OPTIONAL
        if value.get("resource"):
            kind = AttendeeType.RESOURCE
        out.append(Attendee(name=name or None, email=email, type=kind))
    return out


def template_name(value: str | Sequence[str] | Mapping[str, str]) -> str | tuple[str, str]:
    """The driver's template name: ``"event.who"``, ``[event, who]`` or
    ``{event_name, notify_who}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        value = [value.get("event_name", ""), value.get("notify_who", "")]
    parts = list(value)
    if len(parts) != 2 or not all(isinstance(p, str) and p for p in parts):
        raise ValidationError("template must be 'event.who', [event, who] or {event_name, ...}")
    return parts[0], parts[1]


# ---------------------------------------------------------------- the driver's JSON out


def error_json(error: BaseException) -> dict[str, Any]:
    """The driver's error answer for an exception ``execute`` raised.

    ``{"error": "request failed", "message", "status", "code", "type", "request_id"}``:
    ``status`` and ``code`` are Graph's HTTP status and error code (null when Graph did not
    answer, e.g. a [`ValidationError`][graphlink.errors.ValidationError]), ``type`` the
    graphlink exception's class name, ``request_id`` Graph's request id when known.
    """
    graph = error if isinstance(error, GraphAPIError) else None
    return {
        "error": "request failed",
        "message": str(error) or type(error).__name__,
        "status": graph.status_code if graph is not None else None,
        "code": (graph.code or None) if graph is not None else None,
        "type": type(error).__name__,
        "request_id": graph.request_id if graph is not None else None,
    }
