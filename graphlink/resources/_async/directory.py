"""``client.users`` and ``client.groups``.

This is the async source (``resources/_sync/directory.py`` is generated from it: edit here).
Each method builds its call with ``resources/_directory.py`` and hands it to the transport.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from graphlink._core import parse
from graphlink._core.request import Listing
from graphlink._transport._async import AsyncPaginator, AsyncTransport
from graphlink.errors import NotFoundError
from graphlink.models import Group, Member, User
from graphlink.resources import _directory as ops

if TYPE_CHECKING:
    from graphlink.resources._delta import Delta

__all__ = ["AsyncGroups", "AsyncUsers"]

T = TypeVar("T")


def _paginate_for(
    transport: AsyncTransport,
    reference: str,
    build: Callable[[str], Listing[T]],
    resolve: Callable[[str], Awaitable[str]],
) -> AsyncPaginator[T]:
    """Page through ``build(reference)``, an email address resolved to its id first.

    ``build`` runs now (every argument is checked before any request); for an email it
    runs again with the id, looked up when iteration starts.
    """
    listing = build(reference)
    if not ops.is_email(reference):
        return transport.paginate(listing)

    async def resolved() -> Listing[T]:
        return build(await resolve(reference))

    return transport.paginate(resolved)


class AsyncUsers:
    """Users, their managers and their groups (``client.users``)."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    def list(
        self,
        query: str | None = None,
        limit: int | None = None,
        filter: str | None = None,  # noqa: A002 - the driver's and OData's name
        *,
        select: Iterable[str] | None = None,
    ) -> AsyncPaginator[User]:
        """Enabled users, every page (lazily).

        Args:
            query: Each space-separated word must start the display name, given name,
                surname or mail (the PlaceOS driver's matching); ``'`` is escaped. A blank
                query lists everyone, as in the driver.
            limit: Stop after this many users.
            filter: An OData ``$filter`` passed through (ANDed with ``query``).
            select: Properties to fetch besides the defaults.
        """
        return self._transport.paginate(
            ops.user_list(query, filter=filter, select=select, limit=limit)
        )

    async def get(self, user_id: str, *, select: Iterable[str] | None = None) -> User:
        """A user by id, user principal name or email address.

        An email that is not a user principal name is looked up by ``mail``. No match
        raises [`NotFoundError`][graphlink.errors.NotFoundError].
        """
        fields = ops.check_select(select)
        operation = ops.user_get(user_id, select=fields)
        try:
            return await self._transport.call(operation)
        except NotFoundError:
            if not ops.is_email(user_id):
                raise
        return await self._transport.call(ops.user_by_mail(user_id, select=fields))

    async def _id(self, user_id: str) -> str:
        """The id of the user an email address names (parsers refuse an answer without)."""
        return str((await self.get(user_id, select=["id"])).id)

    async def manager(self, user_id: str) -> User:
        """The user's manager.

        Raises [`NotFoundError`][graphlink.errors.NotFoundError] when none is set.
        """
        reference = ops.check_reference(user_id, "user_id")
        resolved = await self._id(reference) if ops.is_email(reference) else reference
        return await self._transport.call(ops.user_manager(resolved))

    def groups(
        self, user_id: str, transitive: bool = True, *, select: Iterable[str] | None = None
    ) -> AsyncPaginator[Group]:
        """The groups the user belongs to (nested ones too when ``transitive``), every page.

        An email address is resolved to its user once, when iteration starts.
        """
        build = partial(ops.user_groups, transitive=transitive, select=ops.check_select(select))
        return _paginate_for(self._transport, user_id, build, self._id)

    async def delta(
        self, delta_link: str | None = None, *, select: Iterable[str] | None = None
    ) -> Delta[User]:
        """Users changed since ``delta_link`` (all users without one) and the next link.

        When Graph refuses an expired link, a full sync is returned with ``resynced=True``.
        """
        first = ops.user_delta(select=select)
        from graphlink.resources._async._delta import delta_round  # loaded by the first round

        return await delta_round(self._transport, first, delta_link, parse.models(User))


class AsyncGroups:
    """Groups and their members (``client.groups``)."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    def list(
        self,
        query: str | None = None,
        filter: str | None = None,  # noqa: A002
        *,
        select: Iterable[str] | None = None,
    ) -> AsyncPaginator[Group]:
        """Groups, every page; ``query`` matches the start of the display name."""
        return self._transport.paginate(ops.group_list(query, filter=filter, select=select))

    async def get(self, group_id: str, *, select: Iterable[str] | None = None) -> Group:
        """A group by id, or by its email address."""
        if ops.is_email(ops.check_reference(group_id, "group_id")):
            return await self._transport.call(ops.group_by_mail(group_id, select=select))
        return await self._transport.call(ops.group_get(group_id, select=select))

    async def _id(self, group_id: str) -> str:
        """The id of the group an email address names (parsers refuse an answer without)."""
        return str((await self.get(group_id, select=["id"])).id)

    def members(
        self,
        group_id: str,
        transitive: bool = False,
        *,
        select: Iterable[str] | None = None,
    ) -> AsyncPaginator[Member]:
        """The group's members (users, groups, devices, ...), every page.

        An email address is resolved to its group once, when iteration starts.
        """
        build = partial(ops.group_members, transitive=transitive, select=ops.check_select(select))
        return _paginate_for(self._transport, group_id, build, self._id)

    async def delta(
        self, delta_link: str | None = None, *, select: Iterable[str] | None = None
    ) -> Delta[Group]:
        """Groups changed since ``delta_link`` (all groups without one) and the next link."""
        first = ops.group_delta(select=select)
        from graphlink.resources._async._delta import delta_round  # loaded by the first round

        return await delta_round(self._transport, first, delta_link, parse.models(Group))
