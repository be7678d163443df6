"""Directory calls as data: users, managers, groups and members (pure, no I/O).

Each builder checks its arguments (a [`ValidationError`][graphlink.errors.ValidationError]
before anything is sent) and returns an ``Operation`` (one call) or a ``Listing`` (a
collection); the facades in ``_async/directory.py`` hand them to the transport.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from graphlink._core import parse, paths
from graphlink._core.odata import DIRECTORY_PAGE, query, startswith_any
from graphlink._core.paths import odata_string, path, segment
from graphlink._core.request import Listing, Operation, RequestSpec, check_limit
from graphlink.errors import NotFoundError, ValidationError
from graphlink.models import Group, Member, User

__all__ = [
    "GROUP_FIELDS",
    "MEMBER_FIELDS",
    "USER_FIELDS",
    "check_flag",
    "check_reference",
    "check_select",
    "group_by_mail",
    "group_delta",
    "group_get",
    "group_list",
    "group_members",
    "is_email",
    "optional_text",
    "user_by_mail",
    "user_delta",
    "user_get",
    "user_groups",
    "user_list",
    "user_manager",
]

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


# ---------------------------------------------------------------- argument checks


def check_reference(value: object, what: str) -> str:
    """A user or group reference (id, user principal name or email), stripped."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{what} must be a non-empty string, not {value!r}")
    paths.check_text(value, what)
    return value.strip()


def optional_text(value: object, what: str) -> str | None:
    """An optional free-text argument (``query``, ``filter``): None, or a string.

    A blank string means "not given", as in the driver (an empty search box lists all).
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be a string or None, not {value!r}")
    return value.strip() or None


def check_flag(value: object, what: str) -> bool:
    """A boolean argument (``transitive``): a real bool, so ``"false"`` is not true."""
    if not isinstance(value, bool):
        raise ValidationError(f"{what} must be True or False, not {value!r}")
    return value


def check_select(extra: Iterable[str] | str | None) -> tuple[str, ...]:
    """Extra ``$select`` properties: None, one name, or names (checked by the query)."""
    if extra is None:
        return ()
    if isinstance(extra, str):
        return (extra,)
    if not isinstance(extra, Iterable):
        raise ValidationError(f"select must be a property name or names, not {extra!r}")
    names = tuple(extra)
    for name in names:
        if not isinstance(name, str):
            raise ValidationError(f"select must hold property names, not {name!r}")
    return names


def is_email(value: str) -> bool:
    """Whether a user or group reference is an email address rather than an object id."""
    return "@" in value


def _fields(default: Sequence[str], extra: Iterable[str] | str | None) -> list[str]:
    return [*default, *check_select(extra)]


def _top(limit: int | None) -> int:
    check_limit(limit)
    return DIRECTORY_PAGE if not limit else min(limit, DIRECTORY_PAGE)


def _not_found(what: str, reference: str) -> Callable[[], NotFoundError]:
    def error() -> NotFoundError:
        return NotFoundError(
            404, "Request_ResourceNotFound", f"no {what} has the address {reference!r}"
        )

    return error


# ---------------------------------------------------------------- users


def user_list(
    query_text: str | None = None,
    *,
    filter: str | None = None,  # noqa: A002 - OData's name
    select: Iterable[str] | None = None,
    limit: int | None = None,
) -> Listing[User]:
    """``GET /users``: enabled users, matched word by word as the driver does.

    ``query_text``: every space-separated word must start the display name, given name,
    surname or mail of an enabled user. ``filter`` is an OData filter passed through as it
    is (with ``query_text``, both apply). With neither, all enabled users.
    """
    query_text = optional_text(query_text, "query")
    filter = optional_text(filter, "filter")  # noqa: A001
    if query_text is None:
        # The driver's rule: a filter is used as it is; without one, enabled users.
        clauses = [filter or "accountEnabled eq true"]
    else:
        clauses = ["accountEnabled eq true"]
        clauses += [startswith_any(_QUERY_FIELDS, word) for word in query_text.split()]
        if filter:
            clauses.append(f"({filter})")
    q = query(select=_fields(USER_FIELDS, select), filter=" and ".join(clauses), top=_top(limit))
    spec = RequestSpec(method="GET", url="/users", params=q.params, headers=q.headers)
    return Listing(spec=spec, parse_items=parse.models(User), limit=limit)


def user_get(user_id: str, *, select: Iterable[str] | None = None) -> Operation[User]:
    """``GET /users/{id or userPrincipalName}``."""
    q = query(select=_fields(USER_FIELDS, select))
    url = path("users", segment(check_reference(user_id, "user_id")))
    return Operation(
        spec=RequestSpec(method="GET", url=url, params=q.params), parse=parse.model(User)
    )


def user_by_mail(email: str, *, select: Iterable[str] | None = None) -> Operation[User]:
    """``GET /users?$filter=mail eq 'x' or userPrincipalName eq 'x'`` (an email lookup).

    No match is a [`NotFoundError`][graphlink.errors.NotFoundError].
    """
    email = check_reference(email, "email")
    literal = odata_string(email)
    q = query(
        select=_fields(USER_FIELDS, select),
        filter=f"mail eq {literal} or userPrincipalName eq {literal}",
        top=1,
    )
    spec = RequestSpec(method="GET", url="/users", params=q.params, headers=q.headers)
    return Operation(spec=spec, parse=parse.first(User, _not_found("user", email)))


def user_manager(user_id: str) -> Operation[User]:
    """``GET /users/{id}/manager``."""
    q = query(select=USER_FIELDS)
    url = path("users", segment(check_reference(user_id, "user_id")), "manager")
    return Operation(
        spec=RequestSpec(method="GET", url=url, params=q.params), parse=parse.model(User)
    )


def user_groups(
    user_id: str, *, transitive: bool = True, select: Iterable[str] | None = None
) -> Listing[Group]:
    """The groups a user belongs to: ``transitiveMemberOf`` (nested too) or ``memberOf``."""
    relation = "transitiveMemberOf" if check_flag(transitive, "transitive") else "memberOf"
    q = query(select=_fields(GROUP_FIELDS, select), top=DIRECTORY_PAGE, cast=True)
    url = path(
        "users", segment(check_reference(user_id, "user_id")), relation, "microsoft.graph.group"
    )
    spec = RequestSpec(method="GET", url=url, params=q.params, headers=q.headers)
    return Listing(spec=spec, parse_items=parse.models(Group))


def user_delta(*, select: Iterable[str] | None = None) -> Listing[Any]:
    """``GET /users/delta``: the first round of a delta query (raw items: some are removals)."""
    return _delta("/users/delta", _fields(USER_FIELDS, select))


def _delta(url: str, fields: list[str]) -> Listing[Any]:
    spec = RequestSpec(method="GET", url=url, params=query(select=fields).params)
    return Listing(spec=spec, parse_items=parse.raw_items)


# ---------------------------------------------------------------- groups


def group_list(
    query_text: str | None = None,
    *,
    filter: str | None = None,  # noqa: A002
    select: Iterable[str] | None = None,
) -> Listing[Group]:
    """``GET /groups``: all groups, or those whose display name starts with ``query_text``."""
    query_text = optional_text(query_text, "query")
    filter = optional_text(filter, "filter")  # noqa: A001
    clauses = []
    if query_text is not None:
        clauses.append(f"startswith(displayName,{odata_string(query_text)})")
    if filter:
        clauses.append(f"({filter})" if clauses else filter)
    q = query(
        select=_fields(GROUP_FIELDS, select),
        filter=" and ".join(clauses) or None,
        top=DIRECTORY_PAGE,
    )
    spec = RequestSpec(method="GET", url="/groups", params=q.params, headers=q.headers)
    return Listing(spec=spec, parse_items=parse.models(Group))


def group_get(group_id: str, *, select: Iterable[str] | None = None) -> Operation[Group]:
    """``GET /groups/{id}``."""
    q = query(select=_fields(GROUP_FIELDS, select))
    url = path("groups", segment(check_reference(group_id, "group_id")))
    spec = RequestSpec(method="GET", url=url, params=q.params)
    return Operation(spec=spec, parse=parse.model(Group))


def group_by_mail(email: str, *, select: Iterable[str] | None = None) -> Operation[Group]:
    """``GET /groups?$filter=mail eq 'x'`` (a group's email lookup).

    No match is a [`NotFoundError`][graphlink.errors.NotFoundError].
    """
    email = check_reference(email, "email")
    q = query(
        select=_fields(GROUP_FIELDS, select),
        filter=f"mail eq {odata_string(email)}",
        top=1,
    )
    spec = RequestSpec(method="GET", url="/groups", params=q.params, headers=q.headers)
    return Operation(spec=spec, parse=parse.first(Group, _not_found("group", email)))


def group_members(
    group_id: str, *, transitive: bool = False, select: Iterable[str] | None = None
) -> Listing[Member]:
    """``GET /groups/{id}/members`` (or ``transitiveMembers``): users, groups, devices."""
    relation = "transitiveMembers" if check_flag(transitive, "transitive") else "members"
    q = query(select=_fields(MEMBER_FIELDS, select), top=DIRECTORY_PAGE)
    url = path("groups", segment(check_reference(group_id, "group_id")), relation)
    spec = RequestSpec(method="GET", url=url, params=q.params, headers=q.headers)
    return Listing(spec=spec, parse_items=parse.models(Member))


def group_delta(*, select: Iterable[str] | None = None) -> Listing[Any]:
    """``GET /groups/delta``: the first round of a delta query (raw items)."""
    return _delta("/groups/delta", _fields(GROUP_FIELDS, select))
