"""Directory routes: users, groups, delta, managers, direct reports, memberships."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from graphlink.testing._odata import decode_token, encode_token
from graphlink.testing._routes._collections import collection, project, selected
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
    )


@route("GET", r"/(?P<kind>users|groups)/delta")
def _delta(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    """Delta rounds: ``$skiptoken`` pages a round, ``$deltatoken`` starts the next one."""
    kind = m["kind"].lower()
    st = e.state
    skiptoken, deltatoken = call.param("skiptoken"), call.param("deltatoken")
    if skiptoken:
        state = decode_token(skiptoken)
    elif deltatoken == "latest":
        state = {"since": st.version, "upto": st.version, "o": 0, "s": selected(call)}
    elif deltatoken:
        token = decode_token(deltatoken)
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
        nxt = encode_token({**state, "o": offset + size})
        body["@odata.nextLink"] = base + urlencode({"$skiptoken": nxt}, safe="$")
    else:
        tok = encode_token({"since": upto, "s": select})
        body["@odata.deltaLink"] = base + urlencode({"$deltatoken": tok}, safe="$")
    body["value"] = page
    return json_reply(200, body)


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
    body = project(user, selected(call), USER_DEFAULT_FIELDS)
    return json_reply(200, {"@odata.context": f"{call.root}/$metadata#users/$entity", **body})


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
    body = project(group, selected(call), None)
    return json_reply(200, {"@odata.context": f"{call.root}/$metadata#groups/$entity", **body})


@route("GET", USER + r"/manager")
def _manager(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    user = e.state.user(user_ref(m))
    manager_id = e.state.managers.get(str(user["id"]))
    if manager_id is None or manager_id not in e.state.users:
        raise not_found_directory("manager")
    body = project(_typed("user", e.state.users[manager_id]), selected(call), USER_DEFAULT_FIELDS)
    return json_reply(
        200, {"@odata.context": f"{call.root}/$metadata#directoryObjects/$entity", **body}
    )


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
    )


def _directory_objects(e: Engine, ids: Sequence[str], cast: str | None) -> list[dict[str, Any]]:
    out = []
    for oid in ids:
        kind, data = e.state.directory_object(oid)
        if cast is None or cast.lower() == kind:
            out.append(_typed(kind, data))
    return out


def _objects_reply(
    call: Call, objs: list[dict[str, Any]], cast: str | None, counted: bool
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
    return _objects_reply(call, _directory_objects(e, ids, m["cast"]), m["cast"], bool(m["count"]))


@route("GET", r"/groups/(?P<group>[^/]+)/(?P<rel>members|transitiveMembers)" + _CAST + _COUNT)
def _members(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    gid = str(e.state.group(m["group"])["id"])
    transitive = m["rel"].lower().startswith("transitive")
    ids = e.state.transitive_members_of(gid) if transitive else e.state.members.get(gid, [])
    return _objects_reply(call, _directory_objects(e, ids, m["cast"]), m["cast"], bool(m["count"]))
