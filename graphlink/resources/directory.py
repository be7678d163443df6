"""Directory operations as data: users, managers, groups and members (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import attrs

from graphlink._core.odata import DIRECTORY_PAGE, query, startswith_any
from graphlink._core.paths import odata_string, path, segment
from graphlink._core.request import RequestSpec, check_limit
from graphlink.errors import NotFoundError, ValidationError

__all__ = [
    "GROUP_FIELDS",
    "MEMBER_FIELDS",
    "USER_FIELDS",
    "Delta",
    "Removed",
    "group_by_mail",
    "group_get",
    "group_list",
    "group_members",
    "is_email",
    "not_found",
    "split_delta",
    "user_by_mail",
    "user_get",
    "user_groups",
    "user_list",
    "user_manager",
]

T = TypeVar("T")

#: What ``users.list``/``users.get`` select by default (add more with ``select=``).
USER_FIELDS = (
    "id",
    "displayName",
    "mail",
    "userPrincipalName",
    "givenName",
    "surname",
    "jobTitle",
    "department",
    "officeLocation",
    "mobilePhone",
    "businessPhones",
    "accountEnabled",
)
#: What ``groups.list``/``groups.get`` select by default.
GROUP_FIELDS = (
    "id",
    "displayName",
    "description",
    "mail",
    "mailEnabled",
    "mailNickname",
    "securityEnabled",
    "groupTypes",
    "visibility",
)
#: What ``groups.members`` selects (users, groups and devices alike).
MEMBER_FIELDS = ("id", "displayName", "mail", "userPrincipalName", "jobTitle", "description")

#: The fields the driver's ``query`` matches the start of, for each word.
_QUERY_FIELDS = ("displayName", "givenName", "surname", "mail")


def is_email(value: str) -> bool:
    """Whether a user or group reference is an email address rather than an object id."""
    return "@" in value


def _fields(default: Sequence[str], extra: Iterable[str] | None) -> list[str]:
    if isinstance(extra, str):
        extra = [extra]
    return [*default, *(extra or ())]


def _top(limit: int | None) -> int:
    check_limit(limit)
    return DIRECTORY_PAGE if not limit else min(limit, DIRECTORY_PAGE)


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{what} must be a non-empty string")
    return value.strip()


def user_list(
    query_text: str | None = None,
    *,
    filter: str | None = None,  # noqa: A002 - OData's name
    select: Iterable[str] | None = None,
    limit: int | None = None,
) -> RequestSpec:
    """``GET /users``: enabled users, matched word by word as the driver does.

    ``query_text``: every space-separated word must start the display name, given name,
    surname or mail of an enabled user. ``filter`` is an OData filter passed through as it
    is (with ``query_text``, both apply). With neither, all enabled users.
    """
    if query_text is not None and not query_text.strip():
        query_text = None  # an empty search box lists everyone, as the driver does
    if query_text is None:
        # The driver's rule: a filter is used as it is; without one, enabled users.
        clauses = [filter or "accountEnabled eq true"]
    else:
        words = query_text.split()
        clauses = ["accountEnabled eq true"]
        clauses += [startswith_any(_QUERY_FIELDS, word) for word in words]
        if filter:
            clauses.append(f"({filter})")
    q = query(select=_fields(USER_FIELDS, select), filter=" and ".join(clauses), top=_top(limit))
    return RequestSpec(method="GET", url="/users", params=q.params, headers=q.headers)


def user_get(user_id: str, *, select: Iterable[str] | None = None) -> RequestSpec:
    """``GET /users/{id or userPrincipalName}``."""
    q = query(select=_fields(USER_FIELDS, select))
    return RequestSpec(
        method="GET", url=path("users", segment(_text(user_id, "user_id"))), params=q.params
    )


def user_by_mail(email: str, *, select: Iterable[str] | None = None) -> RequestSpec:
    """``GET /users?$filter=mail eq 'x' or userPrincipalName eq 'x'`` (an email lookup)."""
    literal = odata_string(_text(email, "email"))
    q = query(
        select=_fields(USER_FIELDS, select),
        filter=f"mail eq {literal} or userPrincipalName eq {literal}",
        top=1,
    )
    return RequestSpec(method="GET", url="/users", params=q.params, headers=q.headers)


def user_manager(user_id: str) -> RequestSpec:
    """``GET /users/{id}/manager``."""
    q = query(select=USER_FIELDS)
    url = path("users", segment(_text(user_id, "user_id")), "manager")
    return RequestSpec(method="GET", url=url, params=q.params)


def user_groups(
    user_id: str, *, transitive: bool = True, select: Iterable[str] | None = None
) -> RequestSpec:
    """The groups a user belongs to: ``transitiveMemberOf`` (nested too) or ``memberOf``."""
    relation = "transitiveMemberOf" if transitive else "memberOf"
    q = query(select=_fields(GROUP_FIELDS, select), top=DIRECTORY_PAGE, cast=True)
    url = path("users", segment(_text(user_id, "user_id")), relation, "microsoft.graph.group")
    return RequestSpec(method="GET", url=url, params=q.params, headers=q.headers)


def group_list(
    query_text: str | None = None,
    *,
    filter: str | None = None,  # noqa: A002
    select: Iterable[str] | None = None,
) -> RequestSpec:
    """``GET /groups``: all groups, or those whose display name starts with ``query_text``."""
    clauses = []
    if query_text is not None and query_text.strip():
        clauses.append(f"startswith(displayName,{odata_string(query_text.strip())})")
    if filter:
        clauses.append(f"({filter})" if clauses else filter)
    q = query(
        select=_fields(GROUP_FIELDS, select),
        filter=" and ".join(clauses) or None,
        top=DIRECTORY_PAGE,
    )
    return RequestSpec(method="GET", url="/groups", params=q.params, headers=q.headers)


def group_get(group_id: str, *, select: Iterable[str] | None = None) -> RequestSpec:
    """``GET /groups/{id}``."""
    q = query(select=_fields(GROUP_FIELDS, select))
    url = path("groups", segment(_text(group_id, "group_id")))
    return RequestSpec(method="GET", url=url, params=q.params)


def group_by_mail(email: str, *, select: Iterable[str] | None = None) -> RequestSpec:
    """``GET /groups?$filter=mail eq 'x'`` (a group's email lookup)."""
    q = query(
        select=_fields(GROUP_FIELDS, select),
        filter=f"mail eq {odata_string(_text(email, 'email'))}",
        top=1,
    )
    return RequestSpec(method="GET", url="/groups", params=q.params, headers=q.headers)


def group_members(
    group_id: str, *, transitive: bool = False, select: Iterable[str] | None = None
) -> RequestSpec:
    """``GET /groups/{id}/members`` (or ``transitiveMembers``): users, groups, devices."""
    relation = "transitiveMembers" if transitive else "members"
    q = query(select=_fields(MEMBER_FIELDS, select), top=DIRECTORY_PAGE)
    url = path("groups", segment(_text(group_id, "group_id")), relation)
    return RequestSpec(method="GET", url=url, params=q.params, headers=q.headers)


def delta(kind: str, *, select: Iterable[str] | None = None) -> RequestSpec:
    """``GET /users/delta`` or ``/groups/delta``: the first round of a delta query."""
    default = USER_FIELDS if kind == "users" else GROUP_FIELDS
    q = query(select=_fields(default, select))
    return RequestSpec(method="GET", url=path(kind, "delta"), params=q.params)


def not_found(what: str, reference: str) -> NotFoundError:
    """The error for a lookup by email that matched nothing."""
    return NotFoundError(
        404, "Request_ResourceNotFound", f"no {what} has the address {reference!r}"
    )


def first_item(body: Any) -> Mapping[str, Any] | None:
    """The first item of a collection body, or None."""
    items = body.get("value") if isinstance(body, Mapping) else None
    return items[0] if isinstance(items, list) and items else None


@attrs.frozen
class Removed:
    """An object a delta round reports as removed (``reason``: ``changed`` or ``deleted``)."""

    id: str
    reason: str


@attrs.frozen
class Delta(Generic[T]):
    """One round of a delta query.

    Attributes:
        changed: Objects created or changed since the last round (the same object may
            appear twice: Graph can replay changes).
        removed: Objects removed from the collection.
        delta_link: Pass it to the next round.
        resynced: True when Graph refused the old delta link (410 or resync codes) and
            this round is a full sync: replace your copy instead of patching it.
    """

    changed: list[T]
    removed: list[Removed]
    delta_link: str | None
    resynced: bool = False


def split_delta(
    items: Iterable[Mapping[str, Any]],
) -> tuple[list[Mapping[str, Any]], list[Removed]]:
    """Separate ``@removed`` entries from changed objects."""
    changed: list[Mapping[str, Any]] = []
    removed: list[Removed] = []
    for item in items:
        mark = item.get("@removed")
        if mark is not None:
            reason = mark.get("reason", "deleted") if isinstance(mark, Mapping) else "deleted"
            removed.append(Removed(str(item.get("id", "")), str(reason)))
        else:
            changed.append(item)
    return changed, removed
