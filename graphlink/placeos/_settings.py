"""The PlaceOS driver's settings JSON, as ``GraphClient`` arguments (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphlink._core.setup import CREDENTIALS
from graphlink.errors import ValidationError
from graphlink.placeos._limiter import PlaceOSLimiter
from graphlink.ratelimit import AllOf, PerMailbox

__all__ = ["client_arguments"]


def client_arguments(
    settings: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Constructor arguments from the PlaceOS driver's settings JSON, taken unchanged.

    Reads ``calendar_service_account``, ``calendar_config{tenant, client_id, client_secret,
    conference_type}``, ``rate_limit``, ``mailer_from`` and ``email_templates``.
    ``overrides`` (constructor arguments) win; a credential among them replaces the
    settings' client secret, and then the settings need none.
    """
    overrides = dict(overrides or {})
    if not isinstance(settings, Mapping):
        raise ValidationError("PlaceOS settings must be a mapping (the driver's settings JSON)")
    calendar = settings.get("calendar_config") or {}
    if not isinstance(calendar, Mapping):
        raise ValidationError("calendar_config must be an object")
    own_credential = any(overrides.get(k) is not None for k in CREDENTIALS)
    required = (
        ("tenant", "client_id") if own_credential else ("tenant", "client_id", "client_secret")
    )
    missing = [k for k in required if not calendar.get(k)]
    if missing:
        raise ValidationError(f"calendar_config is missing {', '.join(missing)}")
    templates = settings.get("email_templates") or None
    if templates is not None and not isinstance(templates, Mapping):
        raise ValidationError("email_templates must be an object {event: {who: {...}}}")
    arguments: dict[str, Any] = {
        "tenant_id": calendar["tenant"],
        "client_id": calendar["client_id"],
        "client_secret": None if own_credential else calendar["client_secret"],
        "conference_type": calendar.get("conference_type") or None,
        "service_account": settings.get("calendar_service_account") or None,
        "mailer_from": settings.get("mailer_from") or None,
        "email_templates": templates,
    }
    rate_limit = settings.get("rate_limit")
    if rate_limit is not None:
        if isinstance(rate_limit, bool) or not isinstance(rate_limit, int | float):
            raise ValidationError("rate_limit must be a number of requests per second")
        if rate_limit <= 0:
            raise ValidationError("rate_limit must be positive")
        # The driver's limiter, and Exchange's 4 concurrent requests per mailbox besides
        # (the driver had no such cap; Graph has).
        arguments["rate_limit"] = AllOf(PlaceOSLimiter(rate_limit), PerMailbox())
    return {**arguments, **overrides}
