"""Change-notification subscriptions as data: create, renew, reauthorize, delete, list (pure).

Graph caps how long a subscription may live, per kind of resource; ``max_lifetime`` holds
the caps graphlink knows (``graph-api-facts.md``, "Change notifications") and
``subscription_create`` refuses a longer one before anything is sent, as a
[`ValidationError`][graphlink.errors.ValidationError] naming the maximum.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from graphlink._core import parse
from graphlink._core.paths import check_text, path, segment
from graphlink._core.request import Listing, Operation, RequestSpec
from graphlink.errors import ValidationError
from graphlink.models import Subscription
from graphlink.resources._calendar import moment, utc_text
from graphlink.resources._directory import check_reference

__all__ = [
    "CHANGE_TYPES",
    "DIRECTORY_LIFETIME",
    "EXPIRY_SLACK",
    "OUTLOOK_LIFETIME",
    "check_change_types",
    "check_expiry",
    "max_expiry",
    "max_lifetime",
    "subscription_create",
    "subscription_delete",
    "subscription_get",
    "subscription_list",
    "subscription_reauthorize",
    "subscription_renew",
]

#: The change types Graph sends (``changeType`` is these, comma-joined).
CHANGE_TYPES = ("created", "updated", "deleted")
#: Outlook messages, events and contacts: 10,080 minutes (under 7 days), for notifications
#: without resource data, which is what graphlink subscribes to.
OUTLOOK_LIFETIME = timedelta(minutes=10_080)
#: Directory users and groups: 41,760 minutes (under 29 days).
DIRECTORY_LIFETIME = timedelta(minutes=41_760)
#: ``max_expiry`` stays this far inside the maximum: the request takes time to arrive, and
#: Graph's clock may run ahead of ours.
EXPIRY_SLACK = timedelta(minutes=1)
#: clientState's longest value (Graph: at most 128 characters).
_CLIENT_STATE_MAX = 128

_OUTLOOK_ITEMS = frozenset({"events", "messages", "contacts"})
_DIRECTORY = frozenset({"users", "groups"})
# A key segment such as ``mailFolders('Inbox')`` or ``users('x')``: its name is what counts.
_KEY = re.compile(r"\(.*\)$")


def _segments(resource: str) -> list[str]:
    """The resource's path segments, lower case, without keys or a query."""
    bare = resource.split("?", 1)[0].strip().strip("/")
    return [_KEY.sub("", part).lower() for part in bare.split("/") if part]


def max_lifetime(resource: str) -> timedelta | None:
    """The longest a subscription to ``resource`` may live, or None when graphlink doesn't know.

    Outlook events, messages and contacts (``/users/{id}/events``, ``me/messages``,
    ``/users/{id}/mailFolders('Inbox')/messages``...): 10,080 minutes (under 7 days).
    Directory users and groups (``/users``, ``/groups``, ``/users/{id}``): 41,760 minutes
    (under 29 days). Other resources (a group's events, Teams messages, drives...) have
    their own limits, which Graph enforces.
    """
    parts = _segments(resource)
    if not parts:
        return None
    if parts[0] in ("me", "users") and parts[-1] in _OUTLOOK_ITEMS:
        return OUTLOOK_LIFETIME
    if parts[0] in _DIRECTORY and len(parts) <= 2:
        return DIRECTORY_LIFETIME
    return None


def _describe(lifetime: timedelta) -> str:
    minutes = int(lifetime.total_seconds() // 60)
    return f"{minutes:,} minutes ({lifetime.days} days)"


def max_expiry(resource: object, now: datetime) -> datetime:
    """The latest expiry Graph accepts for a subscription to ``resource`` created at ``now``
    (a minute inside the maximum); a [`ValidationError`][graphlink.errors.ValidationError]
    when graphlink does not know the resource's maximum."""
    text = _resource(resource)
    lifetime = max_lifetime(text)
    if lifetime is None:
        raise ValidationError(
            f"graphlink does not know Graph's longest subscription to {text!r} (it knows "
            "Outlook events, messages and contacts, and directory users and groups): "
            "choose the expiry yourself"
        )
    return now + lifetime - EXPIRY_SLACK


def check_expiry(value: object, now: datetime, resource: str | None = None) -> datetime:
    """An expiry: an aware datetime or Unix seconds, in the future, and (when the resource
    is given and graphlink knows its maximum) within Graph's maximum lifetime."""
    expires = moment(value, "expires")
    if expires <= now:
        raise ValidationError(f"expires must be in the future (it is {utc_text(expires)})")
    lifetime = max_lifetime(resource) if resource is not None else None
    if lifetime is not None and expires - now > lifetime:
        raise ValidationError(
            f"expires is {expires - now} from now; Graph allows subscriptions to {resource!r} "
            f"at most {_describe(lifetime)}: use client.subscriptions.max_expiry(resource)"
        )
    return expires


def check_change_types(value: object) -> str:
    """``change_types`` as Graph's comma-joined ``changeType`` (``"created,updated"``)."""
    names: Iterable[Any]
    if isinstance(value, str):
        names = value.split(",")
    elif isinstance(value, Iterable):
        names = list(value)
    else:
        raise ValidationError(f"change_types must be names of change types, not {value!r}")
    out: list[str] = []
    for name in names:
        text = name.strip() if isinstance(name, str) else name
        if text not in CHANGE_TYPES:
            raise ValidationError(
                f"unknown change type {name!r}; Graph's are {', '.join(CHANGE_TYPES)}"
            )
        if text not in out:
            out.append(text)
    if not out:
        raise ValidationError("change_types must name at least one change type")
    return ",".join(out)


def _resource(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            f"resource must be a Graph path such as /users/x/events, not {value!r}"
        )
    check_text(value, "resource")
    return value.strip()


def _url(value: object, what: str) -> str:
    """An absolute http(s) URL (Graph itself requires https; FakeGraph takes http too)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{what} must be an https URL, not {value!r}")
    check_text(value, what)
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("https", "http") or not parts.netloc:
        raise ValidationError(f"{what} must be an absolute https URL, not {value!r}")
    return value.strip()


def _client_state(value: object) -> str | None:
    if value is None:
        return None
    # The value itself never goes into a message: it is a secret.
    if not isinstance(value, str) or not value:
        raise ValidationError("client_state must be a non-empty string or None")
    if len(value) > _CLIENT_STATE_MAX:
        raise ValidationError(f"client_state must be at most {_CLIENT_STATE_MAX} characters")
    return value


def _one(subscription_id: object, *rest: str) -> str:
    return path(
        "subscriptions", segment(check_reference(subscription_id, "subscription_id")), *rest
    )


def subscription_create(
    resource: object,
    notification_url: object,
    expires: object,
    *,
    now: datetime,
    client_state: object = None,
    change_types: object = CHANGE_TYPES,
    lifecycle_notification_url: object = None,
) -> Operation[Subscription]:
    """``POST /subscriptions``: Graph validates ``notification_url`` before answering 201.

    Not retried once it may have reached Graph: a second create would make a second
    subscription (and notify twice).
    """
    text = _resource(resource)
    body: dict[str, Any] = {
        "changeType": check_change_types(change_types),
        "notificationUrl": _url(notification_url, "notification_url"),
        "resource": text,
        "expirationDateTime": utc_text(check_expiry(expires, now, text)),
    }
    secret = _client_state(client_state)
    if secret is not None:
        body["clientState"] = secret
    if lifecycle_notification_url is not None:
        body["lifecycleNotificationUrl"] = _url(
            lifecycle_notification_url, "lifecycle_notification_url"
        )
    spec = RequestSpec(
        method="POST",
        url="/subscriptions",
        json=body,
        effect=(
            "the subscription may have been created: list client.subscriptions before "
            "creating another, or two will notify"
        ),
    )
    return Operation(spec=spec, parse=parse.model(Subscription))


def subscription_get(subscription_id: object) -> Operation[Subscription]:
    """``GET /subscriptions/{id}``."""
    spec = RequestSpec(method="GET", url=_one(subscription_id))
    return Operation(spec=spec, parse=parse.model(Subscription))


def subscription_renew(
    subscription_id: object, expires: object, *, now: datetime
) -> Operation[Subscription]:
    """``PATCH /subscriptions/{id}`` with a new ``expirationDateTime`` (idempotent: the same
    expiry twice is the same subscription). The resource is not known here: only a past
    expiry is refused before sending; Graph refuses one beyond the resource's maximum."""
    url = _one(subscription_id)
    when = check_expiry(expires, now)
    spec = RequestSpec(
        method="PATCH", url=url, json={"expirationDateTime": utc_text(when)}, idempotent=True
    )
    return Operation(spec=spec, parse=parse.model(Subscription))


def subscription_reauthorize(subscription_id: object) -> Operation[None]:
    """``POST /subscriptions/{id}/reauthorize``: notifications resume, the expiry is kept."""
    spec = RequestSpec(method="POST", url=_one(subscription_id, "reauthorize"), idempotent=True)
    return Operation(spec=spec, parse=parse.nothing)


def subscription_delete(subscription_id: object) -> Operation[None]:
    """``DELETE /subscriptions/{id}``."""
    return Operation(
        spec=RequestSpec(method="DELETE", url=_one(subscription_id)), parse=parse.nothing
    )


def subscription_list() -> Listing[Subscription]:
    """``GET /subscriptions``: the app's subscriptions, every page."""
    spec = RequestSpec(method="GET", url="/subscriptions")
    return Listing(spec=spec, parse_items=parse.models(Subscription))
