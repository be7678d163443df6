"""``client.users`` and ``client.groups``.

This is the async source (``resources/_sync/directory.py`` is generated from it: edit here).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from graphlink._core.request import RequestSpec
from graphlink._transport._async import AsyncPaginator, AsyncTransport
from graphlink.errors import DeltaResyncRequired, NotFoundError, ValidationError
from graphlink.models import Group, Member, User
from graphlink.resources import directory as ops

__all__ = ["AsyncGroups", "AsyncUsers"]

M = TypeVar("M", User, Group)


def _raw(item: Any) -> Any:
    return item


async def _delta(
    transport: AsyncTransport,
    first: RequestSpec,
    delta_link: str | None,
    model: type[M],
) -> ops.Delta[M]:
    """One delta round from ``delta_link`` (or a full sync); a refused link resyncs."""
    resynced = False
    spec = first.follow(delta_link) if delta_link else first
    while True:
        paginator: AsyncPaginator[Any] = AsyncPaginator(transport, spec, _raw)
        try:
            items = await paginator.to_list()
        except DeltaResyncRequired:
            if spec is first:
                raise
            # Graph no longer knows this delta link: start over with a full sync.
            spec, resynced = first, True
            continue
        changed, removed = ops.split_delta(items)
        return ops.Delta(
            [model.from_graph(dict(item)) for item in changed],
            removed,
            paginator.delta_link,
            resynced,
        )


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
                surname or mail (the PlaceOS driver's matching); ``'`` is escaped.
            limit: Stop after this many users.
            filter: An OData ``$filter`` passed through (ANDed with ``query``).
            select: Properties to fetch besides the defaults.
        """
        spec = ops.user_list(query, filter=filter, select=select, limit=limit)
        return AsyncPaginator(self._transport, spec, User.from_graph, limit=limit)

    async def get(self, user_id: str, *, select: Iterable[str] | None = None) -> User:
        """A user by id, user principal name or email address.

        An email that is not a user principal name is looked up by ``mail``. No match
        raises :class:`~graphlink.errors.NotFoundError`.
        """
        try:
            body = await self._transport.send(ops.user_get(user_id, select=select))
        except NotFoundError:
            if not ops.is_email(user_id):
                raise
            return await self._by_mail(user_id, select)
        return User.from_graph(body)

    async def _by_mail(self, email: str, select: Iterable[str] | None = None) -> User:
        item = ops.first_item(await self._transport.send(ops.user_by_mail(email, select=select)))
        if item is None:
            raise ops.not_found("user", email)
        return User.from_graph(dict(item))

    async def _id(self, user_id: str) -> str:
        """A directory id or UPN Graph accepts in a path (an email resolved once)."""
        if not ops.is_email(user_id):
            return user_id
        user = await self.get(user_id, select=["id"])
        if user.id is None:
            raise ValidationError(f"Graph returned no id for {user_id!r}")
        return user.id

    async def manager(self, user_id: str) -> User:
        """The user's manager; :class:`~graphlink.errors.NotFoundError` when none is set."""
        resolved = await self._id(user_id)
        return User.from_graph(await self._transport.send(ops.user_manager(resolved)))

    def groups(
        self, user_id: str, transitive: bool = True, *, select: Iterable[str] | None = None
    ) -> AsyncPaginator[Group]:
        """The groups the user belongs to (nested ones too when ``transitive``), every page."""
        ops.user_get(user_id)  # validate now, before any request

        async def first() -> RequestSpec:
            resolved = await self._id(user_id)
            return ops.user_groups(resolved, transitive=transitive, select=select)

        return AsyncPaginator(self._transport, first, Group.from_graph)

    async def delta(
        self, delta_link: str | None = None, *, select: Iterable[str] | None = None
    ) -> ops.Delta[User]:
        """Users changed since ``delta_link`` (all users without one) and the next link.

        When Graph refuses an expired link, a full sync is returned with ``resynced=True``.
        """
        return await _delta(self._transport, ops.delta("users", select=select), delta_link, User)


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
        spec = ops.group_list(query, filter=filter, select=select)
        return AsyncPaginator(self._transport, spec, Group.from_graph)

    async def get(self, group_id: str, *, select: Iterable[str] | None = None) -> Group:
        """A group by id, or by its email address."""
        if ops.is_email(group_id):
            spec = ops.group_by_mail(group_id, select=select)
            item = ops.first_item(await self._transport.send(spec))
            if item is None:
                raise ops.not_found("group", group_id)
            return Group.from_graph(dict(item))
        return Group.from_graph(await self._transport.send(ops.group_get(group_id, select=select)))

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
        ops.group_get(group_id)  # validate now, before any request

        async def first() -> RequestSpec:
            resolved = group_id
            if ops.is_email(group_id):
                group = await self.get(group_id, select=["id"])
                if group.id is None:
                    raise ValidationError(f"Graph returned no id for {group_id!r}")
                resolved = group.id
            return ops.group_members(resolved, transitive=transitive, select=select)

        return AsyncPaginator(self._transport, first, Member.from_graph)

    async def delta(
        self, delta_link: str | None = None, *, select: Iterable[str] | None = None
    ) -> ops.Delta[Group]:
        """Groups changed since ``delta_link`` (all groups without one) and the next link."""
        return await _delta(self._transport, ops.delta("groups", select=select), delta_link, Group)
