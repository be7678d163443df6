"""Directory routes: users, groups, delta, managers, direct reports, memberships."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from graphlink.testing._odata import decode_token, encode_token
from graphlink.testing._routes._collections import (
    EntityType,
    Navigation,
    collection,
    entity_body,
    project,
    selected,
)
from graphlink.testing._routes._table import USER, route, user_ref
from graphlink.testing._state import USER_DEFAULT_FIELDS, GraphFault, State, not_found_directory
from graphlink.testing._wire import Call, Reply, empty_reply, json_reply

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine


#: An optional type cast segment (``/microsoft.graph.group``) and ``/$count``.
_CAST = r"(?:/microsoft\.graph\.(?P<cast>user|group|device|orgContact|servicePrincipal))?"
_COUNT = r"(?P<count>/\$count)?"


def _typed(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """A directory object with its ``@odata.type`` (as in mixed-type collections)."""
    return {"@odata.type": f"#microsoft.graph.{kind}", **data}


def _lowered(names: str) -> frozenset[str]:
    return frozenset(names.lower().split())


# Graph v1.0's other navigation properties of user and group (resources/user.md,
# group.md, "Relationships"), which FakeGraph does not embed.
_USER_UNMODELLED = _lowered(
    "agreementAcceptances appRoleAssignments authentication calendar calendarGroups "
    "calendars calendarView contactFolders contacts createdObjects drive drives events "
    "extensions followedSites inferenceClassification insights joinedTeams "
    "licenseDetails mailFolders messages oauth2PermissionGrants onenote onlineMeetings "
    "outlook ownedDevices ownedObjects people photo photos planner presence "
    "registeredDevices scopedRoleMemberOf settings solutions sponsors teamwork todo"
)
_GROUP_UNMODELLED = _lowered(
    "acceptedSenders appRoleAssignments calendar calendarView conversations createdOnBehalfOf "
    "drive drives events extensions groupLifecyclePolicies membersWithLicenseErrors "
    "onenote owners permissionGrants photo photos planner rejectedSenders settings sites "
    "team threads"
)


def entity_type(st: State, kind: str) -> EntityType:
    """The directory type ``kind`` (``user``, ``group``, else ``directoryObject``) with the
    navigations FakeGraph embeds for ``$expand``: a user's ``manager`` (``$levels`` too),
    ``directReports``, ``memberOf`` and ``transitiveMemberOf``; a group's ``members``,
    ``transitiveMembers``, ``memberOf`` and ``transitiveMemberOf``. A user expands one
    navigation a request (seen answered by Graph: microsoft-graph-docs#96)."""

    def objects(ids: Sequence[str]) -> list[dict[str, Any]]:
        return [_typed(*st.directory_object(i)) for i in ids]

    def manager(item: Mapping[str, Any]) -> list[dict[str, Any]]:
        mid = st.managers.get(str(item.get("id")))
        return [_typed("user", st.users[mid])] if mid in st.users else []

    def reports(item: Mapping[str, Any]) -> list[dict[str, Any]]:
        uid = str(item.get("id"))
        return [
            _typed("user", st.users[r])
            for r, m in st.managers.items()
            if m == uid and r in st.users
        ]

    def member_of(item: Mapping[str, Any]) -> list[dict[str, Any]]:
        return objects(st.groups_of(str(item.get("id"))))

    def transitive_of(item: Mapping[str, Any]) -> list[dict[str, Any]]:
        return objects(st.transitive_groups_of(str(item.get("id"))))

    def members(item: Mapping[str, Any]) -> list[dict[str, Any]]:
        return objects(st.members.get(str(item.get("id")), []))

    def transitive_members(item: Mapping[str, Any]) -> list[dict[str, Any]]:
        return objects(st.transitive_members_of(str(item.get("id"))))

    def many(resolve: Any) -> Navigation:
        return Navigation(resolve, many=True, default_select=_object_defaults)

    memberships = {"memberOf": many(member_of), "transitiveMemberOf": many(transitive_of)}
    if kind == "user":
        navigations = {
            "manager": Navigation(manager, default_select=_object_defaults, levels=True),
            "directReports": many(reports),
            **memberships,
        }
        return EntityType("user", navigations, _USER_UNMODELLED, max_expands=1)
    if kind == "group":
        navigations = {
            "members": many(members),
            "transitiveMembers": many(transitive_members),
            **memberships,
        }
        return EntityType("group", navigations, _GROUP_UNMODELLED)
    return EntityType("directoryObject")


@route("GET", r"/(?P<kind>users|groups)" + _COUNT)
def _list_directory(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    """``/users`` and ``/groups``, or their ``/$count``."""
    kind = m["kind"].lower()
    table = e.state.users if kind == "users" else e.state.groups
    return collection(
        call,
        list(table.values()),
        kind="directory",
        context=kind,
        default_select=USER_DEFAULT_FIELDS if kind == "users" else None,
        count_segment=bool(m["count"]),
        entity=entity_type(e.state, kind[:-1]),
    )


@route("GET", r"/(?P<kind>users|groups)/delta")
def _delta(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    """Delta rounds: ``$skiptoken`` pages a round, ``$deltatoken`` starts the next one."""
    kind = m["kind"].lower()
    st = e.state
    skiptoken, deltatoken = call.param("skiptoken"), call.param("deltatoken")
    if skiptoken:
        state = _own_token(st, skiptoken)
    elif deltatoken == "latest":
        state = {"since": st.version, "upto": st.version, "o": 0, "s": selected(call)}
    elif deltatoken:
        token = _own_token(st, deltatoken)
        state = {"since": token["since"], "upto": st.version, "o": 0, "s": token.get("s")}
    else:
        state = {"since": 0, "upto": st.version, "o": 0, "s": selected(call)}
    since, upto, offset, select = state["since"], state["upto"], state["o"], state.get("s")
    table = st.users if kind == "users" else st.groups
    rows: list[dict[str, Any]] = []
    for oid, data in table.items():
        changed = st.changed.get(oid, 0)
        if since < changed <= upto:
            row = project(data, select, USER_DEFAULT_FIELDS if kind == "users" else None)
            row["id"] = oid
            if kind == "groups" and (not select or "members" in [s.lower() for s in select]):
                row["members@delta"] = _member_delta(st, oid, since, upto)
            rows.append(row)
    for version, dkind, oid in st.deleted:
        if since < version <= upto and dkind + "s" == kind:
            rows.append({"id": oid, "@removed": {"reason": "deleted"}})
    size = 100
    pref = call.prefer("odata.maxpagesize")
    if pref and pref.isdigit():
        size = max(1, int(pref))
    page = rows[offset : offset + size]
    body: dict[str, Any] = {"@odata.context": f"{call.root}/$metadata#{kind}"}
    base = f"{call.root}/{kind}/delta?"
    if offset + size < len(rows):
        nxt = encode_token({**state, "o": offset + size, "log": st.change_log_id})
        body["@odata.nextLink"] = base + urlencode({"$skiptoken": nxt}, safe="$")
    else:
        tok = encode_token({"since": upto, "s": select, "log": st.change_log_id})
        body["@odata.deltaLink"] = base + urlencode({"$deltatoken": tok}, safe="$")
    body["value"] = page
    return json_reply(200, body)


def _own_token(st: State, token: str) -> dict[str, Any]:
    """A delta or skip token of this tenant's change log; else Graph's 410 (resync)."""
    state = decode_token(token)
    if state.get("log") != st.change_log_id or not isinstance(state.get("since"), int):
        raise st.sync_gone()
    return state


def _member_delta(st: State, gid: str, since: int, upto: int) -> list[dict[str, Any]]:
    if since == 0:
        return [
            {"@odata.type": f"#microsoft.graph.{st.directory_object(mid)[0]}", "id": mid}
            for mid in st.members.get(gid, [])
        ]
    out: dict[str, dict[str, Any]] = {}
    for version, group, member, added in st.member_log:
        if group == gid and since < version <= upto:
            kind = "user" if member in st.users or member not in st.groups else "group"
            entry: dict[str, Any] = {"@odata.type": f"#microsoft.graph.{kind}", "id": member}
            if not added:
                entry["@removed"] = {"reason": "deleted"}
            out[member] = entry
    return list(out.values())


@route("GET", USER)
def _get_user(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    user = e.state.user(user_ref(m))
    entity = entity_type(e.state, "user")
    body = entity_body(
        call, user, "users/$entity", entity=entity, default_select=USER_DEFAULT_FIELDS
    )
    return json_reply(200, body)


@route("PATCH", USER)
def _update_user(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    user = e.state.user(user_ref(m))
    if not isinstance(call.body, Mapping):
        raise GraphFault(400, "Request_BadRequest", "A JSON object body is required.")
    user.update({k: v for k, v in call.body.items() if k != "id"})
    e.state.touch(str(user["id"]))
    return empty_reply(204)


@route("GET", r"/groups/(?P<group>[^/]+)")
def _get_group(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    group = e.state.group(m["group"])
    body = entity_body(call, group, "groups/$entity", entity=entity_type(e.state, "group"))
    return json_reply(200, body)


@route("GET", USER + r"/manager")
def _manager(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    user = e.state.user(user_ref(m))
    manager_id = e.state.managers.get(str(user["id"]))
    if manager_id is None or manager_id not in e.state.users:
        raise not_found_directory("manager")
    body = entity_body(
        call,
        _typed("user", e.state.users[manager_id]),
        "directoryObjects/$entity",
        entity=entity_type(e.state, "directoryObject"),
        default_select=USER_DEFAULT_FIELDS,
    )
    return json_reply(200, body)


@route("GET", USER + r"/directReports")
def _direct_reports(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    uid = str(e.state.user(user_ref(m))["id"])
    reports = [
        _typed("user", e.state.users[r])
        for r, mgr in e.state.managers.items()
        if mgr == uid and r in e.state.users
    ]
    return collection(
        call,
        reports,
        kind="directory",
        context="directoryObjects",
        default_select=USER_DEFAULT_FIELDS,
        keep=("@odata.type",),
        entity=entity_type(e.state, "directoryObject"),
    )


def _directory_objects(e: Engine, ids: Sequence[str], cast: str | None) -> list[dict[str, Any]]:
    out = []
    for oid in ids:
        kind, data = e.state.directory_object(oid)
        if cast is None or cast.lower() == kind:
            out.append(_typed(kind, data))
    return out


def _objects_reply(
    e: Engine, call: Call, objs: list[dict[str, Any]], cast: str | None, counted: bool
) -> Reply:
    context = f"{cast}s" if cast else "directoryObjects"
    return collection(
        call,
        objs,
        kind="directory",
        context=context,
        default_select=_object_defaults,
        count_segment=counted,
        keep=("@odata.type",),
        entity=entity_type(e.state, (cast or "").lower()),
    )


def _object_defaults(item: Mapping[str, Any]) -> Sequence[str] | None:
    if str(item.get("@odata.type", "")).endswith(".user"):
        return (*USER_DEFAULT_FIELDS, "@odata.type")
    return None


@route("GET", USER + r"/(?P<rel>memberOf|transitiveMemberOf)" + _CAST + _COUNT)
def _member_of(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    uid = str(e.state.user(user_ref(m))["id"])
    transitive = m["rel"].lower().startswith("transitive")
    ids = e.state.transitive_groups_of(uid) if transitive else e.state.groups_of(uid)
    objs = _directory_objects(e, ids, m["cast"])
    return _objects_reply(e, call, objs, m["cast"], bool(m["count"]))


@route("GET", r"/groups/(?P<group>[^/]+)/(?P<rel>members|transitiveMembers)" + _CAST + _COUNT)
def _members(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    gid = str(e.state.group(m["group"])["id"])
    transitive = m["rel"].lower().startswith("transitive")
    ids = e.state.transitive_members_of(gid) if transitive else e.state.members.get(gid, [])
    objs = _directory_objects(e, ids, m["cast"])
    return _objects_reply(e, call, objs, m["cast"], bool(m["count"]))
