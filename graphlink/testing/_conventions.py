"""Graph's OData conventions, applied to every call before a route sees it.

Pure functions over paths, query pairs and bodies; ``Engine`` applies them, so the routes
are written once, in FakeGraph's canonical spelling, and every client's spelling reaches
them.

- **The ``graph`` alias.** Graph's CSDL declares ``<Schema Namespace="microsoft.graph"
  Alias="graph">``, and OData lets a URL qualify a name with the namespace or its alias
  (OData v4.01 URL conventions, "Addressing Operations" and "Addressing Derived Types").
  Kiota clients (msgraph-sdk) write casts with the alias: ``/places/graph.room``,
  ``/groups/{id}/members/graph.user``. ``canonical_path`` spells them
  ``microsoft.graph.*``, the form the routes match.
- **Bound operations, qualified or not.** Graph accepts ``/users/x/sendMail``,
  ``/users/x/microsoft.graph.sendMail`` and ``/users/x/graph.sendMail`` alike (the Java
  SDK writes the qualified form: msgraph-sdk-java#1496). A function's empty parentheses are
  optional: Kiota writes ``/users/delta()``. ``canonical_path`` drops the parentheses; the
  engine tries the unqualified spelling (``spellings``) when no route is written with the
  qualified name, so a route's own pattern says whether a segment is a type cast
  (``microsoft\\.graph\\.room``) or an operation (``sendMail``).
- **Action parameters, any case.** Graph's metadata names some action parameters in
  PascalCase (``sendMail(Message, SaveToSentItems)``, ``getSchedule(Schedules, StartTime,
  ...)``, ``createUploadSession(AttachmentItem)``), msgraph-sdk writes them so, and Graph's
  own docs send them camelCase: Graph matches them case-insensitively.
  ``ActionParameters`` is that body. Only the top-level parameter names: an object inside
  one (sendMail's ``message``) is an entity or complex-type value and keeps its property
  names as sent, as entity bodies of creates and updates do (whether Graph matches entity
  property names case-insensitively is not documented; FakeGraph does not).
- **System query options once each.** ``$top`` and ``$TOP`` (or ``top``, which FakeGraph
  accepts for every API though Graph v1.0 accepts it only for some: "On the v1.0 endpoint,
  the $ prefix is optional for only a subset of APIs", learn.microsoft.com/graph/
  query-parameters) name one option; given twice it is a 400 with the message OData's
  .NET library (Microsoft.OData.Core, which Graph runs on) throws:
  "Query option '$top' was specified more than once, but it must be specified at most
  once." The code ``BadRequest`` is a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from graphlink.testing._odata import QueryError
from graphlink.testing._state.common import GraphFault

__all__ = [
    "ACTIONS",
    "SYSTEM_QUERY_OPTIONS",
    "ActionParameters",
    "action_body",
    "canonical_path",
    "check_query_options",
    "is_action",
    "missing_parameters",
    "spellings",
]

NAMESPACE = "microsoft.graph"
_QUALIFIED_PREFIX = NAMESPACE + "."

# ``graph.room``, ``graph.getSchedule()``: an identifier, so that ids and addresses that
# merely start with "graph." (``graph.team@contoso.com``) are left alone.
_ALIASED = re.compile(r"graph\.(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\(\))?)", re.IGNORECASE)
_QUALIFIED = re.compile(
    r"microsoft\.graph\.(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\(\))?)", re.IGNORECASE
)
_EMPTY_CALL = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_.]*)\(\)")

#: The bound actions FakeGraph serves (lower case): their JSON bodies are parameter sets.
ACTIONS = frozenset(
    name.lower()
    for name in (
        "sendMail",
        "send",
        "getSchedule",
        "findMeetingTimes",
        "accept",
        "tentativelyAccept",
        "decline",
        "cancel",
        "forward",
        "dismissReminder",
        "snoozeReminder",
        "createUploadSession",
        "reauthorize",
    )
)

#: OData system query options (without ``$``), as OData v4.01 names them.
SYSTEM_QUERY_OPTIONS = frozenset(
    {
        "apply",
        "compute",
        "count",
        "deltatoken",
        "expand",
        "filter",
        "format",
        "id",
        "index",
        "levels",
        "orderby",
        "schemaversion",
        "search",
        "select",
        "skip",
        "skiptoken",
        "top",
    }
)


def _segment(segment: str) -> str:
    m = _ALIASED.fullmatch(segment)
    if m is not None:
        segment = _QUALIFIED_PREFIX + m["name"]
    m = _EMPTY_CALL.fullmatch(segment)
    return m["name"] if m is not None else segment


def canonical_path(path: str) -> str:
    """``path`` with ``graph.`` spelled ``microsoft.graph.`` and ``name()`` spelled ``name``.

    Segment for segment: the result has as many segments as ``path``.
    """
    return "/".join(_segment(s) for s in path.split("/"))


def spellings(path: str) -> tuple[list[str], frozenset[int]]:
    """The spellings a Graph path is matched in, and the indexes of its qualified segments.

    The spellings: ``canonical_path(path)``, then, when it has namespace-qualified
    segments, the same without the qualifiers (``/users/x/microsoft.graph.sendMail`` ->
    ``/users/x/sendMail``: how a bound operation called by its qualified name reaches the
    route written with its bare name). The indexes (in ``path.split("/")``) are those
    qualified segments: a route that captures one of them as a key (``/users/{id}`` for
    ``/users/graph.delta``) has not understood the call, as Graph never keys an entity by a
    qualified name.
    """
    parts = canonical_path(path).split("/")
    bare = {i: m["name"] for i, s in enumerate(parts) if (m := _QUALIFIED.fullmatch(s))}
    canonical = "/".join(parts)
    if not bare:
        return [canonical], frozenset()
    return [canonical, "/".join(bare.get(i, s) for i, s in enumerate(parts))], frozenset(bare)


def is_action(method: str, path: str) -> bool:
    """True for a ``POST`` to a bound action FakeGraph knows (``path`` canonical)."""
    if method.upper() != "POST":
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1]
    m = _QUALIFIED.fullmatch(last)
    return (m["name"] if m is not None else last).lower() in ACTIONS


class ActionParameters(dict[str, Any]):
    """An action's JSON body: parameter names looked up in any case, as Graph does.

    A name sent in exactly the spelling asked for wins; otherwise the first key equal to
    it in any case. Iteration and ``items()`` give the names as sent.
    """

    def _key(self, key: str) -> str:
        if not dict.__contains__(self, key):
            low = key.lower()
            for k in self:
                if k.lower() == low:
                    return k
        return key

    def __getitem__(self, key: str) -> Any:
        return dict.__getitem__(self, self._key(key))

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, self._key(key) if isinstance(key, str) else key)

    def get(self, key: str, default: Any = None) -> Any:
        """The parameter ``key`` (any case), or ``default``."""
        return dict.get(self, self._key(key), default)


def action_body(body: Any) -> Any:
    """A JSON object body as ``ActionParameters``; anything else as it is."""
    if isinstance(body, dict) and not isinstance(body, ActionParameters):
        return ActionParameters(body)
    return body


def missing_parameters(operation: str, names: Iterable[str]) -> GraphFault:
    """The 400 for an action called without required parameters.

    The message is the one Graph answered a sendMail without its ``Message`` ("One or more
    parameters of the operation 'SendMail' are missing from the request payload. The
    missing parameters are: Message.", blog.beecomedigital.com, 2015, from
    Microsoft.OData.Core); the code ``BadRequest`` is a guess.
    """
    return GraphFault(
        400,
        "BadRequest",
        f"One or more parameters of the operation '{operation}' are missing from the request "
        f"payload. The missing parameters are: {', '.join(names)}.",
    )


def check_query_options(pairs: Iterable[tuple[str, str]]) -> None:
    """Refuse a system query option given more than once (any case, with or without ``$``).

    Raises ``QueryError`` (400 ``BadRequest``; the code is a guess, the message is
    Microsoft.OData.Core's). Custom query options (no ``$``, not a system option name,
    e.g. ``startDateTime``) are not checked.
    """
    seen: dict[str, bool] = {}  # option -> some spelling had no "$"
    for key, _value in pairs:
        name = key.strip()
        bare = name[1:] if name.startswith("$") else name
        low = bare.lower()
        if low not in SYSTEM_QUERY_OPTIONS:
            continue
        no_dollar = not name.startswith("$")
        if low in seen:
            shown = f"${low}/{low}" if (no_dollar or seen[low]) else f"${low}"
            raise QueryError(
                400,
                "BadRequest",
                f"Query option '{shown}' was specified more than once, but it must be "
                "specified at most once.",
            )
        seen[low] = no_dollar
