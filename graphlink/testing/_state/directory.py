"""The directory: users, groups, nested memberships, managers and the delta change log."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from graphlink.testing._state.common import GraphFault, StateBase, not_found_directory

__all__ = ["USER_DEFAULT_FIELDS", "DirectoryState"]

#: What ``GET /users`` returns without ``$select`` (Graph's default property set).
USER_DEFAULT_FIELDS = (
    "businessPhones",
    "displayName",
    "givenName",
    "id",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
)


class DirectoryState(StateBase):
    """Users and groups by id, memberships, managers, ``/me`` and the delta change log."""

    def __init__(self, *, tenant_domain: str) -> None:
        super().__init__(tenant_domain=tenant_domain)
        #: Directory objects by id: users and groups (Graph JSON, without @odata.type).
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self.managers: dict[str, str] = {}
        self.me: str | None = None
        # Change log for delta queries.
        self.version = 0
        #: Names this change log in delta tokens: one from another log (a reset or loaded
        #: tenant) would count versions that mean other changes here, so it is refused.
        self.change_log_id = uuid.uuid4().hex
        self.changed: dict[str, int] = {}
        self.deleted: list[tuple[int, str, str]] = []  # (version, kind, id)
        self.member_log: list[tuple[int, str, str, bool]] = []  # (version, group, member, added)

    def touch(self, object_id: str) -> None:
        """Record that a directory object changed (for delta queries)."""
        self.version += 1
        self.changed[object_id] = self.version

    # ------------------------------------------------------------------ directory lookups

    def find_user(self, ref: str) -> dict[str, Any] | None:
        """A user by id, userPrincipalName or mail (case-insensitive); ``me`` too."""
        if ref.lower() == "me" and self.me:
            ref = self.me
        if ref in self.users:
            return self.users[ref]
        low = ref.lower()
        for user in self.users.values():
            if low in (
                str(user.get("id", "")).lower(),
                str(user.get("userPrincipalName") or "").lower(),
                str(user.get("mail") or "").lower(),
            ):
                return user
        return None

    def user(self, ref: str) -> dict[str, Any]:
        """A user, or Graph's 404 ``Request_ResourceNotFound``."""
        found = self.find_user(ref)
        if found is None:
            if ref.lower() == "me":
                raise GraphFault(
                    400,
                    "BadRequest",
                    "/me request is only valid with delegated authentication flow.",
                )
            raise not_found_directory(ref)
        return found

    def find_group(self, ref: str) -> dict[str, Any] | None:
        """A group by id or mail (case-insensitive)."""
        if ref in self.groups:
            return self.groups[ref]
        low = ref.lower()
        for group in self.groups.values():
            if low in (str(group["id"]).lower(), str(group.get("mail") or "").lower()):
                return group
        return None

    def group(self, ref: str) -> dict[str, Any]:
        """A group, or Graph's 404 ``Request_ResourceNotFound``."""
        found = self.find_group(ref)
        if found is None:
            raise not_found_directory(ref)
        return found

    def directory_object(self, object_id: str) -> tuple[str, dict[str, Any]]:
        """``("user"|"group", data)`` for a directory id."""
        if object_id in self.users:
            return "user", self.users[object_id]
        if object_id in self.groups:
            return "group", self.groups[object_id]
        raise not_found_directory(object_id)

    def resolve_ref(self, ref: Any) -> str:
        """Turn a builder argument (id, mail, UPN or a returned dict) into a directory id."""
        if isinstance(ref, Mapping):
            ref = ref.get("id") or ref.get("mail") or ref.get("emailAddress")
        text = str(ref)
        found = self.find_user(text) or self.find_group(text)
        if found is None:
            raise KeyError(f"FakeGraph has no user or group {text!r}")
        return str(found["id"])

    # ------------------------------------------------------------------ directory writes

    def add_user(
        self,
        mail: str | None,
        display_name: str | None,
        *,
        user_id: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A new user with Graph's default properties, ``fields`` (camelCase) on top.

        Without a display name it is made from the address, without an address from the
        name (in the tenant's domain).
        """
        if display_name is None:
            local = (mail or "user").split("@")[0]
            display_name = " ".join(p.capitalize() for p in local.replace("_", ".").split("."))
        if mail is None:
            mail = display_name.lower().replace(" ", ".") + "@" + self.tenant_domain
        given, _, surname = display_name.partition(" ")
        data: dict[str, Any] = {
            "id": user_id or self.new_id("user", mail),
            "businessPhones": [],
            "displayName": display_name,
            "givenName": given,
            "jobTitle": None,
            "mail": mail,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": "en-US",
            "surname": surname or None,
            "userPrincipalName": mail,
            "accountEnabled": True,
            "userType": "Member",
        }
        data.update(fields or {})
        self.put_user(data)
        return data

    def put_user(self, data: dict[str, Any]) -> None:
        """Insert or replace a user (its mailbox is ``MailboxState.add_mailbox``'s)."""
        uid = str(data["id"])
        self.users[uid] = data
        self.touch(uid)

    def add_group(
        self,
        display_name: str,
        *,
        group_id: str | None = None,
        mail: str | None = None,
        unified: bool = False,
        description: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A new group without members: Microsoft 365 (``unified``) or security."""
        nickname = "".join(ch for ch in display_name if ch.isalnum())
        if unified and mail is None:
            mail = f"{nickname}@{self.tenant_domain}"
        data: dict[str, Any] = {
            "id": group_id or self._new_group_id(display_name),
            "deletedDateTime": None,
            "classification": None,
            "createdDateTime": "2024-01-15T09:00:00Z",
            "description": description,
            "displayName": display_name,
            "groupTypes": ["Unified"] if unified else [],
            "mail": mail,
            "mailEnabled": mail is not None,
            "mailNickname": nickname,
            "securityEnabled": not unified,
            "visibility": "Private" if unified else None,
        }
        data.update(fields or {})
        self.groups[data["id"]] = data
        self.touch(data["id"])
        self.members.setdefault(data["id"], [])
        return data

    def _new_group_id(self, display_name: str) -> str:
        """The id stable for ``display_name``, or a fresh one when a group has it: names
        are not unique in a directory (two groups may share one)."""
        gid = self.new_id("group", display_name)
        while gid in self.groups or gid in self.users:
            gid = self.new_id("group")
        return gid

    def remove_directory_object(self, object_id: str) -> None:
        """Delete a user or group, with its memberships (recorded for delta)."""
        kind, _ = self.directory_object(object_id)
        if kind == "user":
            del self.users[object_id]
            self.managers.pop(object_id, None)
        else:
            del self.groups[object_id]
            self.members.pop(object_id, None)
        for gid, members in self.members.items():
            if object_id in members:
                self.remove_member(gid, object_id)
        self.version += 1
        self.deleted.append((self.version, kind, object_id))
        self.changed.pop(object_id, None)

    def add_member(self, group_id: str, member_id: str) -> None:
        """Add a user or group to a group (idempotent)."""
        members = self.members.setdefault(group_id, [])
        if member_id in members:
            return
        if member_id == group_id or group_id in self.transitive_groups_of(member_id):
            raise ValueError("a group cannot contain itself")
        members.append(member_id)
        self.touch(group_id)
        self.member_log.append((self.version, group_id, member_id, True))

    def remove_member(self, group_id: str, member_id: str) -> None:
        """Remove a member from a group (no error when it was not one)."""
        members = self.members.get(group_id, [])
        if member_id in members:
            members.remove(member_id)
            self.touch(group_id)
            self.member_log.append((self.version, group_id, member_id, False))

    def groups_of(self, object_id: str) -> list[str]:
        """Direct groups of a user or group, in insertion order."""
        return [gid for gid, members in self.members.items() if object_id in members]

    def transitive_groups_of(self, object_id: str) -> list[str]:
        """All groups containing the object, through nesting (breadth first, no repeats)."""
        seen: list[str] = []
        queue = self.groups_of(object_id)
        while queue:
            gid = queue.pop(0)
            if gid in seen:
                continue
            seen.append(gid)
            queue.extend(self.groups_of(gid))
        return seen

    def transitive_members_of(self, group_id: str) -> list[str]:
        """All members of a group through nesting, nested groups included, no repeats."""
        seen: list[str] = []
        queue = list(self.members.get(group_id, []))
        while queue:
            mid = queue.pop(0)
            if mid in seen:
                continue
            seen.append(mid)
            queue.extend(self.members.get(mid, []))
        return seen
