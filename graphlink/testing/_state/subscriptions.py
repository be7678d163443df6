"""Change-notification subscriptions created through ``POST /subscriptions``."""

from __future__ import annotations

from typing import Any

from graphlink.testing._state.common import GraphFault, StateBase

__all__ = ["SubscriptionState"]


class SubscriptionState(StateBase):
    """Subscriptions by id, as Graph returns them (without ``@odata.context``)."""

    def __init__(self, *, tenant_domain: str) -> None:
        super().__init__(tenant_domain=tenant_domain)
        self.subscriptions: dict[str, dict[str, Any]] = {}

    def subscription(self, sid: str) -> dict[str, Any]:
        """A subscription, or Graph's 404 ``ResourceNotFound``."""
        sub = self.subscriptions.get(sid)
        if sub is None:
            raise GraphFault(
                404, "ResourceNotFound", f"The object was not found: subscription '{sid}'."
            )
        return sub
