"""Change-notification subscriptions."""

# gfield() is an attrs field specifier, not a shared default value.
# ruff: noqa: RUF009

from __future__ import annotations

from datetime import datetime

import attrs

from graphlink.models._base import GraphModel
from graphlink.models._fields import gfield

__all__ = ["Subscription"]


@attrs.frozen(kw_only=True)
class Subscription(GraphModel):
    """A Graph change-notification subscription (``/subscriptions``).

    ``client_state`` is the secret Graph sends back with each notification: it is left out
    of the repr.
    """

    id: str | None = gfield(read_only=True)
    resource: str | None = gfield()
    change_type: str | None = gfield()
    notification_url: str | None = gfield()
    lifecycle_notification_url: str | None = gfield()
    expiration: datetime | None = gfield("expirationDateTime")
    client_state: str | None = gfield()
    latest_supported_tls_version: str | None = gfield()
    include_resource_data: bool | None = gfield()
    encryption_certificate: str | None = gfield()
    encryption_certificate_id: str | None = gfield()
    notification_content_type: str | None = gfield()
    application_id: str | None = gfield(read_only=True)
    creator_id: str | None = gfield(read_only=True)

    def __repr__(self) -> str:
        # clientState is a secret the receiver checks: it never appears in a repr.
        shown = [
            f"{a.name}={getattr(self, a.name)!r}"
            for a in attrs.fields(type(self))
            if a.repr and a.name != "client_state"
        ]
        return f"{type(self).__name__}({', '.join(shown)})"

    @property
    def change_types(self) -> tuple[str, ...]:
        """``change_type`` split: ``("created", "updated")``."""
        return tuple(p.strip() for p in (self.change_type or "").split(",") if p.strip())
