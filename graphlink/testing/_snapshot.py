"""FakeGraph's state as JSON and back: what ``fake.dump()`` writes and ``FakeGraph.load`` reads.

Pure: ``snapshot(state)`` makes a JSON-able dict, ``restore(state, data)`` fills an empty
``State`` from one. The format (``"format": 1``) is Graph's JSON with the navigation
properties a ``$expand`` would show (a user's ``manager`` and ``calendars``, a calendar's
``events``, a group's ``members``, a room list's ``rooms``); FakeGraph's own bookkeeping
rides in ``@fakegraph.*`` annotations, which Graph clients ignore. docs/emulator.md
describes it for people writing fixture files by hand.

An object with an ``id`` is stored exactly as written (that is what ``dump`` writes, so a
round trip is exact); one without is created as FakeGraph's builders or ``POST`` would,
defaults filled in (an event's attendees get their copies).
"""

from __future__ import annotations

import base64
import copy
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graphlink.testing import _builders
from graphlink.testing._state import (
    EventRecord,
    GraphFault,
    Mailbox,
    SentMail,
    State,
    check_event_body,
    format_graph_datetime,
    parse_graph_datetime,
)

__all__ = ["FORMAT", "SnapshotError", "read_snapshot", "restore", "snapshot", "write_snapshot"]

#: The format version ``dump`` writes and ``load`` reads.
FORMAT = 1
_NOTE = "@fakegraph."  # FakeGraph's private event keys (``_removed``) travel as annotations
_SEEN = "@fakegraph.occurrencesSeen"  # occurrence keys handed out (their ids still answer)
_SERIAL = "@fakegraph.serial"
_ROOM = "#microsoft.graph.room"
_ROOM_LIST = "#microsoft.graph.roomList"
_TOP_KEYS = ("format", "tenant", "me", "users", "groups", "places", "sentMail", _SERIAL)

SnapshotSource = str | os.PathLike[str] | Mapping[str, Any]


class SnapshotError(ValueError):
    """A FakeGraph snapshot that cannot be loaded; the message says where and why.

    ``where`` is the place in the document (``users[3].calendars[0].events[2].start``), or
    the file for a file that is not JSON.
    """

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


# =========================================================================== state -> JSON


def snapshot(state: State) -> dict[str, Any]:
    """The tenant's data as a JSON-able dict (a deep copy: changing it changes nothing)."""
    places = []
    for pid, place in state.places.items():
        entry = dict(place)
        if place.get("@odata.type") == _ROOM_LIST:
            entry["rooms"] = [{"id": rid} for rid in state.room_lists.get(pid, [])]
        places.append(entry)
    out = {
        "format": FORMAT,
        "tenant": {"id": state.tenant_id, "domain": state.tenant_domain},
        "me": state.me,
        "users": [_dump_user(state, user) for user in state.users.values()],
        "groups": [
            {**group, "members": [{"id": mid} for mid in state.members.get(gid, [])]}
            for gid, group in state.groups.items()
        ],
        "places": places,
        "sentMail": [_dump_sent(sent) for sent in state.sent_mail],
        _SERIAL: state.serial,
    }
    return copy.deepcopy(out)


def _dump_user(state: State, user: Mapping[str, Any]) -> dict[str, Any]:
    uid = str(user["id"])
    out = dict(user)
    if uid in state.managers:
        out["manager"] = {"id": state.managers[uid]}
    box = state.mailboxes.get(uid)
    if box is None:
        return out
    seen: dict[str, list[str]] = {}
    for master_id, key in box.occurrences.values():
        seen.setdefault(master_id, []).append(key)
    out["calendars"] = [
        {
            **calendar,
            "events": [
                _dump_event(rec, seen.get(rec.id))
                for rec in box.events.values()
                if rec.calendar_id == cid
            ],
        }
        for cid, calendar in box.calendars.items()
    ]
    if box.messages:
        out["messages"] = list(box.messages.values())
    return out


def _dump_event(rec: EventRecord, seen: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in rec.data.items():
        out[_NOTE + key[1:] if key.startswith("_") else key] = value
        if key == "subject":  # times next to the subject, where a reader looks for them
            out["start"] = format_graph_datetime(rec.start)
            out["end"] = format_graph_datetime(rec.end)
    out.setdefault("start", format_graph_datetime(rec.start))
    out.setdefault("end", format_graph_datetime(rec.end))
    if seen:
        out[_SEEN] = seen
    return out


def _dump_sent(sent: SentMail) -> dict[str, Any]:
    if sent.mime is not None:
        return {"sender": sent.sender, "mime": base64.b64encode(sent.mime).decode("ascii")}
    return {
        "sender": sent.sender,
        "saveToSentItems": sent.save_to_sent_items,
        "message": sent.message,
    }


def write_snapshot(data: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write a snapshot as indented UTF-8 JSON (readable, and diffable in a repository)."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    Path(path).write_text(text, encoding="utf-8")


# =========================================================================== JSON -> state


def read_snapshot(source: SnapshotSource) -> dict[str, Any]:
    """A snapshot from a file path or a dict, its top level checked; ``SnapshotError`` if bad.

    A missing file raises ``FileNotFoundError`` as ``open`` does.
    """
    if isinstance(source, Mapping):
        data: Any = copy.deepcopy(dict(source))
    else:
        raw = Path(source).read_bytes()
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:  # a ValueError the command line would not expect
            raise SnapshotError(os.fspath(source), f"not UTF-8 ({exc.reason})") from exc
        except json.JSONDecodeError as exc:
            raise SnapshotError(os.fspath(source), f"not JSON ({exc})") from exc
    root = _obj(data, "snapshot")
    if "format" not in root:
        raise SnapshotError("format", f'missing: a FakeGraph snapshot says "format": {FORMAT}')
    if root["format"] != FORMAT or isinstance(root["format"], bool):
        raise SnapshotError(
            "format", f"{root['format']!r} is not a format this graphlink reads (it reads {FORMAT})"
        )
    for key in root:
        if key not in _TOP_KEYS:
            raise SnapshotError(key, f"unknown key (expected some of {', '.join(_TOP_KEYS)})")
    return root


def snapshot_domain(root: Mapping[str, Any], default: str) -> str:
    """The tenant domain a (checked) snapshot names, else ``default``."""
    tenant = _obj(root.get("tenant") or {}, "tenant")
    return _text(tenant.get("domain", default), "tenant.domain")


def restore(state: State, root: Mapping[str, Any]) -> None:
    """Fill a new, empty ``state`` from a snapshot ``read_snapshot`` checked.

    ``state`` must already have the snapshot's tenant domain (``snapshot_domain``).
    """
    tenant = _obj(root.get("tenant") or {}, "tenant")
    if "id" in tenant:
        state.tenant_id = _text(tenant["id"], "tenant.id")
    serial = root.get(_SERIAL, 0)
    if not isinstance(serial, int) or isinstance(serial, bool) or serial < 0:
        raise SnapshotError(_SERIAL, "expected a whole number >= 0")
    state.serial = serial  # first: ids made while loading follow the snapshot's
    places = _items(root, "places")
    room_addresses = {
        str(p.get("emailAddress", "")).lower() for p in places if p.get("@odata.type") == _ROOM
    }
    events: list[tuple[Mailbox, str, dict[str, Any], str]] = []
    managers: list[tuple[str, Any, str]] = []
    for i, entry in enumerate(_items(root, "users")):
        where = f"users[{i}]"
        with _at(where):
            uid, manager = _load_user(state, entry, where, room_addresses, events)
            if manager is not None:
                managers.append((uid, manager, where + ".manager"))
    room_lists: list[tuple[str, list[Any], str]] = []
    for i, entry in enumerate(places):
        where = f"places[{i}]"
        with _at(where):
            pid, rooms = _load_place(state, entry, where)
            if rooms is not None:
                room_lists.append((pid, rooms, where + ".rooms"))
    members: list[tuple[str, list[Any], str]] = []
    for i, entry in enumerate(_items(root, "groups")):
        where = f"groups[{i}]"
        with _at(where):
            gid, refs = _load_group(state, entry, where)
            members.append((gid, refs, where + ".members"))
    # References last: they may point at anything the file holds, in any order.
    for pid, refs, where in room_lists:
        for j, ref in enumerate(refs):
            with _at(f"{where}[{j}]"):
                rid = str(state.place(str(_ref(ref)))["id"])
                state.room_lists.setdefault(pid, []).append(rid)
    for gid, refs, where in members:
        for j, ref in enumerate(refs):
            with _at(f"{where}[{j}]"):
                state.add_member(gid, state.resolve_ref(_ref(ref)))
    for uid, ref, where in managers:
        with _at(where):
            state.managers[uid] = state.resolve_ref(_ref(ref))
    if root.get("me") is not None:
        with _at("me"):
            state.me = state.resolve_ref(root["me"])
    for box, cid, entry, where in events:
        with _at(where):
            _load_event(state, box, cid, entry, where)
    for i, entry in enumerate(_items(root, "sentMail")):
        with _at(f"sentMail[{i}]"):
            _load_sent(state, entry, f"sentMail[{i}]")


def _load_user(
    state: State,
    entry: dict[str, Any],
    where: str,
    room_addresses: set[str],
    events: list[tuple[Mailbox, str, dict[str, Any], str]],
) -> tuple[str, Any]:
    data = dict(entry)
    manager = data.pop("manager", None)
    calendars = data.pop("calendars", None)
    messages = data.pop("messages", None)
    if "id" in data:
        uid = _new_key(state.users, data["id"], where)
        state.put_user(data)
    else:  # written by hand: as ``fake.add_user`` makes one
        mail = data.pop("mail", None)
        name = data.pop("displayName", None)
        if mail is None and name is None:
            raise SnapshotError(where, "a user needs an id, a mail or a displayName")
        known = len(state.users)
        data = state.add_user(mail, name, fields=data)
        uid = str(data["id"])
        if len(state.users) == known:  # its id, made from the address, was taken
            raise SnapshotError(where, f"a second user with the address {data['mail']!r}")
    if calendars is None and messages is None:
        return uid, manager
    address = str(data.get("mail") or data.get("userPrincipalName") or uid)
    state.add_mailbox(data, is_room=address.lower() in room_addresses)
    box = state.mailboxes[uid]
    box.calendars.clear()  # the file's calendars replace the default one
    box.default_calendar = ""
    for j, cal in enumerate(_items(entry, "calendars", where)):
        here = f"{where}.calendars[{j}]"
        cal = dict(cal)
        cal_events = _items(cal, "events", here)
        cal.pop("events", None)
        if "id" in cal:
            cid = _new_key(box.calendars, cal["id"], here)
            box.calendars[cid] = cal
            if cal.get("isDefaultCalendar") and not box.default_calendar:
                box.default_calendar = cid
        else:
            name = _text(cal.pop("name", "Calendar"), here + ".name")
            made = state.add_calendar(box, name, default=bool(cal.get("isDefaultCalendar")))
            made.update(cal)
            cid = str(made["id"])
        for k, event in enumerate(cal_events):
            events.append((box, cid, event, f"{here}.events[{k}]"))
    if not box.calendars:
        state.add_calendar(box, "Calendar", default=True)
    box.default_calendar = box.default_calendar or next(iter(box.calendars))
    for j, message in enumerate(_items(entry, "messages", where)):
        mid = _new_key(box.messages, message.get("id"), f"{where}.messages[{j}]")
        # The drafts' routes keep attachments in the message: a hand-written one has none.
        box.messages[mid] = {"attachments": [], **message}
    return uid, manager


def _load_place(state: State, entry: dict[str, Any], where: str) -> tuple[str, list[Any] | None]:
    data = dict(entry)
    kind = data.get("@odata.type")
    if kind not in (_ROOM, _ROOM_LIST):
        raise SnapshotError(where + ".@odata.type", f"expected {_ROOM!r} or {_ROOM_LIST!r}")
    rooms = _items(data, "rooms", where, objects=False) if kind == _ROOM_LIST else None
    data.pop("rooms", None)
    email = _text(data.get("emailAddress"), where + ".emailAddress")
    if kind == _ROOM and state.find_user(email) is None:  # a room needs its mailbox
        state.add_room_user(email, str(data.get("displayName") or email))
    if "id" in data:
        pid = _new_key(state.places, data["id"], where)
        state.places[pid] = data
    elif kind == _ROOM:
        name = _text(data.pop("displayName", email), where + ".displayName")
        known = len(state.places)
        pid = str(state.add_room(email, name, fields=data)["id"])
        if len(state.places) == known:  # its id, made from the address, was taken
            raise SnapshotError(where, f"a second room with the address {email!r}")
    else:
        made = state.room_list(email)
        made.update(data)
        pid = str(made["id"])
    return pid, rooms


def _load_group(state: State, entry: dict[str, Any], where: str) -> tuple[str, list[Any]]:
    data = dict(entry)
    refs = _items(data, "members", where, objects=False)
    data.pop("members", None)
    if "id" in data:
        gid = _new_key(state.groups, data["id"], where)
        state.groups[gid] = data
        state.members.setdefault(gid, [])
        state.touch(gid)
    else:  # written by hand: as ``fake.add_group`` makes one
        name = _text(data.pop("displayName", None), where + ".displayName")
        unified = "Unified" in (data.get("groupTypes") or [])
        made = state.add_group(name, mail=data.get("mail"), unified=unified, fields=data)
        gid = str(made["id"])
    return gid, refs


def _load_event(state: State, box: Mailbox, cid: str, entry: dict[str, Any], where: str) -> None:
    if "id" not in entry:  # written by hand: as ``POST .../events`` creates one
        state.create_event(box, cid, check_event_body(entry))
        return
    eid = _new_key(box.events, entry["id"], where)
    times = []
    for side in ("start", "end"):
        if side not in entry:
            raise SnapshotError(f"{where}.{side}", "missing")
        with _at(f"{where}.{side}"):
            times.append(parse_graph_datetime(entry[side]))
    data: dict[str, Any] = {}
    for key, value in entry.items():
        if key in ("start", "end", _SEEN):
            continue
        data["_" + key[len(_NOTE) :] if key.startswith(_NOTE) else key] = value
    box.events[eid] = EventRecord(eid, cid, data, times[0], times[1])
    for j, key in enumerate(_items(entry, _SEEN, where, objects=False)):
        state.remember_occurrence(box, eid, _text(key, f"{where}.{_SEEN}[{j}]"))


def _load_sent(state: State, entry: dict[str, Any], where: str) -> None:
    sender = _text(entry.get("sender"), where + ".sender")
    # ``send_mail`` takes the sender from the message's ``from``, else from the mailbox.
    box = Mailbox(owner_id="", address=sender, name=sender)
    if "mime" in entry:
        state.send_mime(box, _text(entry["mime"], where + ".mime").encode("ascii", "replace"))
        return
    message = _obj(entry.get("message"), where + ".message")
    state.send_mail(box, message, save=entry.get("saveToSentItems", True) is not False)


# =========================================================================== checks


@contextmanager
def _at(where: str) -> Iterator[None]:
    """Report what FakeGraph refuses while loading as a ``SnapshotError`` at ``where``."""
    try:
        yield
    except SnapshotError:
        raise
    except GraphFault as exc:
        raise SnapshotError(where, exc.message) from exc
    except KeyError as exc:  # an unknown reference (resolve_ref)
        raise SnapshotError(where, str(exc.args[0]) if exc.args else "not found") from exc
    except (ValueError, TypeError, AttributeError) as exc:
        raise SnapshotError(where, str(exc) or type(exc).__name__) from exc


def _ref(value: Any) -> str:
    """A reference: an id or address, or an object with ``id`` (as dump writes them)."""
    found = _builders.ref(value)
    if not isinstance(found, str) or not found:
        raise TypeError("a reference is an id, an address or an object with an id")
    return found


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SnapshotError(where, f"expected an object, got {type(value).__name__}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise SnapshotError(where, "expected a non-empty string")
    return value


def _items(
    parent: Mapping[str, Any], key: str, where: str = "", *, objects: bool = True
) -> list[Any]:
    """``parent[key]`` as a list (absent: empty); with ``objects``, each an object."""
    here = f"{where}.{key}" if where else key
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SnapshotError(here, f"expected a list, got {type(value).__name__}")
    if objects:
        for i, item in enumerate(value):
            _obj(item, f"{here}[{i}]")
    return value


def _new_key(existing: Mapping[str, Any], value: Any, where: str) -> str:
    key = _text(value, where + ".id")
    if key in existing:
        raise SnapshotError(where + ".id", f"duplicate id {key!r}")
    return key
