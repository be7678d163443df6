"""Directory objects: users, groups, devices and group members."""

# gfield() is an attrs field specifier, not a shared default value.
# ruff: noqa: RUF009

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import attrs

from graphlink.models._base import GraphModel, structure
from graphlink.models._converter import converter
from graphlink.models._fields import gfield, odata_kind
from graphlink.models._hooks import StructureHook, make_structure_hook

__all__ = ["Device", "DirectoryObject", "Group", "Member", "User"]


@attrs.frozen(kw_only=True)
class DirectoryObject(GraphModel):
    """Any directory object. ``DirectoryObject.from_graph`` returns a
    [`User`][graphlink.models.User], [`Group`][graphlink.models.Group] or
    [`Device`][graphlink.models.Device] when ``@odata.type`` says so (a tagged union)."""

    id: str | None = gfield(read_only=True)
    odata_type: str | None = gfield("@odata.type")
    display_name: str | None = gfield()

    @property
    def type(self) -> str:
        """``"user"``, ``"group"``, ``"device"``, or the ``@odata.type`` name of anything else."""
        return odata_kind(self.odata_type, _DEFAULT_KIND.get(type(self), "directoryObject"))


@attrs.frozen(kw_only=True)
class User(DirectoryObject):
    """A user (``GET /users``)."""

    given_name: str | None = gfield()
    surname: str | None = gfield()
    mail: str | None = gfield()
    user_principal_name: str | None = gfield()
    job_title: str | None = gfield()
    department: str | None = gfield()
    mobile_phone: str | None = gfield()
    business_phones: tuple[str, ...] = gfield(factory=tuple)
    office_location: str | None = gfield()
    preferred_language: str | None = gfield()
    account_enabled: bool | None = gfield()
    mail_nickname: str | None = gfield()
    other_mails: tuple[str, ...] = gfield(factory=tuple)
    proxy_addresses: tuple[str, ...] = gfield(factory=tuple, read_only=True)
    manager: User | None = gfield(read_only=True)

    @property
    def name(self) -> str | None:
        """The display name."""
        return self.display_name

    @property
    def email(self) -> str | None:
        """``mail``, else the user principal name."""
        return self.mail or self.user_principal_name

    @property
    def phone(self) -> str | None:
        """The mobile phone, else the first business phone."""
        return self.mobile_phone or next(iter(self.business_phones), None)


@attrs.frozen(kw_only=True)
class Group(DirectoryObject):
    """A group (``GET /groups``)."""

    description: str | None = gfield()
    mail: str | None = gfield()
    mail_enabled: bool | None = gfield()
    mail_nickname: str | None = gfield()
    security_enabled: bool | None = gfield()
    group_types: tuple[str, ...] = gfield(factory=tuple)
    visibility: str | None = gfield()
    classification: str | None = gfield()
    created: datetime | None = gfield("createdDateTime", read_only=True, lenient=True)

    @property
    def name(self) -> str | None:
        """The display name."""
        return self.display_name


@attrs.frozen(kw_only=True)
class Device(DirectoryObject):
    """A device in the directory."""

    device_id: str | None = gfield()
    account_enabled: bool | None = gfield()
    operating_system: str | None = gfield()
    operating_system_version: str | None = gfield()


_DEFAULT_KIND: dict[type, str] = {User: "user", Group: "group", Device: "device"}
_BY_KIND: dict[str, type[DirectoryObject]] = {"user": User, "group": Group, "device": Device}


@attrs.frozen(kw_only=True)
class Member(GraphModel):
    """A member of a group: a user, group, device or other directory object.

    ``type`` comes from ``@odata.type``: ``"user"``, ``"group"``, ``"device"``, or the
    type's own name (``"orgContact"``, ``"servicePrincipal"``, ...); unknown types parse.
    ``object`` gives the typed [`User`][graphlink.models.User],
    [`Group`][graphlink.models.Group] or [`Device`][graphlink.models.Device].
    """

    id: str | None = gfield(read_only=True)
    odata_type: str | None = gfield("@odata.type")
    display_name: str | None = gfield()
    mail: str | None = gfield()
    user_principal_name: str | None = gfield()
    job_title: str | None = gfield()
    description: str | None = gfield()

    @property
    def type(self) -> str:
        """``"user"``, ``"group"``, ``"device"`` or the ``@odata.type`` name of the member."""
        return odata_kind(self.odata_type, "directoryObject")

    @property
    def name(self) -> str | None:
        """The display name."""
        return self.display_name

    @property
    def email(self) -> str | None:
        """``mail``, else the user principal name."""
        return self.mail or self.user_principal_name

    @property
    def object(self) -> DirectoryObject:
        """The member as its own model (User, Group, Device or DirectoryObject)."""
        return structure(DirectoryObject, self.to_graph(include_read_only=True))


def _tagged(base: type[Any], by_kind: dict[str, type[Any]], fold: bool = False) -> None:
    """Register ``base`` as a tagged union on ``@odata.type`` (unknown tags give ``base``)."""

    # Built when the union is first structured, not on import: a program that reads only
    # users never pays for the hooks of groups, devices and the base class.
    @functools.cache
    def built() -> tuple[StructureHook, dict[str, StructureHook]]:
        hooks = {
            kind.casefold() if fold else kind: converter.get_structure_hook(cls)
            for kind, cls in by_kind.items()
        }
        return make_structure_hook(base), hooks

    def structure_union(data: Any, _: Any) -> Any:
        plain, hooks = built()
        tag = data.get("@odata.type") if isinstance(data, dict) else None
        if tag:
            kind = odata_kind(tag, "")
            hook = hooks.get(kind.casefold() if fold else kind)
            if hook is not None:
                return hook(data, None)
        return plain(data, base)

    converter.register_structure_hook_func(lambda t: t is base, structure_union)


_tagged(DirectoryObject, _BY_KIND)
