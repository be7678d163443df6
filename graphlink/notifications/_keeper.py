"""The keeper's decisions and its stored state (pure: no I/O, no clock of its own).

The keepers (``_keeper_async.py`` and its generated twin) ask these functions what is due
and what a lifecycle event calls for, then do it through ``client.subscriptions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from graphlink.errors import GraphError, ValidationError
from graphlink.models import Subscription, format_utc, parse_utc
from graphlink.notifications._handle import LIFECYCLE_EVENTS
from graphlink.resources._subscriptions import EXPIRY_SLACK, max_lifetime

__all__ = [
    "STATE_VERSION",
    "KeeperReport",
    "Kept",
    "Outcome",
    "adoptable",
    "differs",
    "dump_state",
    "is_due",
    "lifecycle_action",
    "lifetime_for",
    "load_state",
    "report_of",
]

#: The layout of ``keeper.state()``; a stored state of another version is refused.
STATE_VERSION = 1


@attrs.frozen
class Kept:
    """One subscription the keeper looks after."""

    resource: str
    id: str
    expires: datetime
    notification_url: str
    change_types: str
    lifecycle_notification_url: str | None = None


def differs(kept: Kept, url: str, change_types: str, lifecycle_url: str) -> bool:
    """Whether a kept subscription was made with other settings than the keeper's now
    (notification URL, change types, lifecycle URL): then it is made again."""
    kept_lifecycle = kept.lifecycle_notification_url or kept.notification_url
    return (kept.notification_url, kept.change_types, kept_lifecycle) != (
        url,
        change_types,
        lifecycle_url,
    )


def adoptable(
    listed: Subscription,
    resource: str,
    url: str,
    change_types: str,
    lifecycle_url: str,
    client_state: str | None,
) -> bool:
    """Whether a live subscription (from ``subscriptions.list()``) is the one the keeper
    would create: same resource, URLs and change types, and no other ``clientState``.
    Adopting it rather than creating another avoids duplicates after a create whose
    answer was lost."""
    kinds = ",".join(k.strip() for k in (listed.change_type or "").split(","))
    return (
        (listed.resource or "").strip("/").lower() == resource.strip("/").lower()
        and listed.notification_url == url
        and (listed.lifecycle_notification_url or url) == lifecycle_url
        and kinds == change_types
        and listed.client_state in (None, client_state)
    )


def lifetime_for(resource: str, lifetime: timedelta | None, renew_before: timedelta) -> timedelta:
    """How long the keeper makes a subscription to ``resource`` live.

    ``lifetime`` when given, else Graph's maximum (a minute inside it); it must exceed
    ``renew_before``, or every check would renew, and stay within Graph's maximum when
    graphlink knows it (Graph would refuse every create).
    """
    longest = max_lifetime(resource)
    if lifetime is not None and longest is not None and lifetime > longest - EXPIRY_SLACK:
        raise ValidationError(
            f"the lifetime of a subscription to {resource!r} ({lifetime}) is over Graph's "
            f"maximum ({longest}, less {EXPIRY_SLACK} of slack)"
        )
    if lifetime is None:
        if longest is None:
            raise ValidationError(
                f"graphlink does not know Graph's longest subscription to {resource!r}: "
                "give the keeper a lifetime="
            )
        lifetime = longest - EXPIRY_SLACK
    if lifetime <= renew_before:
        raise ValidationError(
            f"the lifetime of a subscription to {resource!r} ({lifetime}) must be longer "
            f"than renew_before ({renew_before})"
        )
    return lifetime


def is_due(kept: Kept, now: datetime, renew_before: timedelta) -> bool:
    """Whether a subscription must be renewed now (it expires within ``renew_before``)."""
    return kept.expires - now <= renew_before


def lifecycle_action(event: str) -> str | None:
    """What a lifecycle event calls for: ``"reauthorize"``, ``"recreate"``, ``"resync"``
    (notifications were missed: the app runs a delta query), or None (unknown event)."""
    return _ACTIONS.get(event)


# Graph's lifecycle events (the one list, in ``_handle``) and what each calls for.
_ACTIONS = dict(zip(LIFECYCLE_EVENTS, ("reauthorize", "recreate", "resync"), strict=True))


def dump_state(kept: Mapping[str, Kept]) -> dict[str, Any]:
    """The keeper's state as plain JSON-able data (no secrets: never the clientState)."""
    return {
        "version": STATE_VERSION,
        "subscriptions": {
            resource: {
                "id": k.id,
                "expires": format_utc(k.expires),
                "notification_url": k.notification_url,
                "change_types": k.change_types,
                "lifecycle_notification_url": k.lifecycle_notification_url,
            }
            for resource, k in kept.items()
        },
    }


def load_state(data: Mapping[str, Any] | None) -> dict[str, Kept]:
    """The subscriptions a stored state holds.

    Anything that is not a state ``dump_state`` wrote is a
    [`ValidationError`][graphlink.errors.ValidationError].
    """
    if data is None:
        return {}
    if not isinstance(data, Mapping) or data.get("version") != STATE_VERSION:
        raise ValidationError(f"state must be a keeper state of version {STATE_VERSION}")
    subs = data.get("subscriptions")
    if not isinstance(subs, Mapping):
        raise ValidationError("state has no subscriptions mapping")
    out: dict[str, Kept] = {}
    for resource, entry in subs.items():
        try:
            expires = parse_utc(entry["expires"])
            fields = [entry["id"], entry["notification_url"], entry["change_types"]]
        except (TypeError, KeyError, ValueError):
            expires, fields = None, []
        lifecycle = entry.get("lifecycle_notification_url") if expires is not None else None
        if (
            expires is None
            or not all(isinstance(f, str) for f in fields)
            or not isinstance(lifecycle, str | None)
        ):
            raise ValidationError(f"state's entry for {resource!r} is not one the keeper wrote")
        out[str(resource)] = Kept(
            str(resource), fields[0], expires, fields[1], fields[2], lifecycle
        )
    return out


@attrs.frozen
class Outcome:
    """What happened to one resource's subscription in a keeper call."""

    resource: str
    action: str
    subscription_id: str | None = None
    error: GraphError | None = None


@attrs.frozen
class KeeperReport:
    """What a keeper call did, resource by resource.

    Attributes:
        created: Resources that got a subscription (none was kept for them).
        renewed: Resources whose subscription was renewed.
        reauthorized: Resources whose subscription was reauthorized.
        recreated: Resources whose subscription was made again (removed by Graph, gone at
            renewal, or made with another notification URL, lifecycle URL or change
            types than the keeper's now).
        adopted: Resources whose subscription was found live at Graph (``list()``) and
            kept rather than created again: after a create whose answer was lost, or a
            start without the stored state.
        missed: Resources for which Graph says notifications were lost: resync them with a
            delta query.
        failed: ``(resource, error)`` for each call Graph refused; the keeper tries again
            at its next ``ensure``.
        ignored: Lifecycle events for subscriptions this keeper does not keep.
    """

    created: tuple[str, ...] = ()
    renewed: tuple[str, ...] = ()
    reauthorized: tuple[str, ...] = ()
    recreated: tuple[str, ...] = ()
    adopted: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    failed: tuple[tuple[str, GraphError], ...] = ()
    ignored: int = 0


def report_of(outcomes: list[Outcome], ignored: int = 0) -> KeeperReport:
    """The report of a keeper call's outcomes, in order."""

    def names(action: str) -> tuple[str, ...]:
        return tuple(o.resource for o in outcomes if o.action == action and o.error is None)

    return KeeperReport(
        created=names("create"),
        renewed=names("renew"),
        reauthorized=names("reauthorize"),
        recreated=names("recreate"),
        adopted=names("adopt"),
        missed=names("resync"),
        failed=tuple((o.resource, o.error) for o in outcomes if o.error is not None),
        ignored=ignored,
    )
