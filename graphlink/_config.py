"""Client configuration: the national clouds and :class:`GraphConfig`."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from graphlink.ratelimit import RatePolicy
    from graphlink.retry import RetryPolicy

__all__ = ["Cloud", "GraphConfig"]


class Cloud(enum.Enum):
    """A Microsoft national cloud: its login authority, Graph host and token scope go together."""

    GLOBAL = ("https://login.microsoftonline.com", "https://graph.microsoft.com")
    US_GOV = ("https://login.microsoftonline.us", "https://graph.microsoft.us")
    US_DOD = ("https://login.microsoftonline.us", "https://dod-graph.microsoft.us")
    CHINA = ("https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn")

    @property
    def authority_host(self) -> str:
        """The Entra ID login host, e.g. ``https://login.microsoftonline.us``."""
        return self.value[0]

    @property
    def graph_host(self) -> str:
        """The Graph host, e.g. ``https://graph.microsoft.us``."""
        return self.value[1]

    @property
    def scope(self) -> str:
        """The client-credentials scope that matches the Graph host."""
        return f"{self.graph_host}/.default"

    @property
    def base_url(self) -> str:
        """The Graph v1.0 root every path is relative to."""
        return f"{self.graph_host}/v1.0"

    def authority(self, tenant_id: str) -> str:
        """The msal authority URL for a tenant in this cloud."""
        return f"{self.authority_host}/{tenant_id}"

    @classmethod
    def parse(cls, value: object) -> Cloud:
        """Accept a :class:`Cloud` or its name (``"us_gov"``, ``"GLOBAL"``)."""
        if isinstance(value, Cloud):
            return value
        if not isinstance(value, str):
            from graphlink.errors import ValidationError

            raise ValidationError(f"cloud must be a Cloud or its name, not {value!r}")
        try:
            return cls[value.strip().upper().replace("-", "_")]
        except KeyError:
            from graphlink.errors import ValidationError

            names = ", ".join(c.name for c in cls)
            raise ValidationError(f"unknown cloud {value!r}; expected one of {names}") from None


def _templates(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return dict(value or {})


@attrs.frozen(kw_only=True)
class GraphConfig:
    """The settings a client runs with (``client.config``). Secrets are never kept here.

    Attributes:
        tenant_id: The Entra ID tenant (None with a static token or token provider).
        client_id: The app registration's client id.
        service_account: Default mailbox when a call omits ``user_id``.
        mailer_from: Default sender of mail; falls back to ``service_account``.
        conference_type: Online meeting provider added to every created event.
        cloud: The national cloud.
        base_url: The Graph root every path is relative to.
        rate_limit: The rate-limit policy in force.
        retry: The retry policy in force.
        email_templates: ``{event: {who: {"subject", "text", "html"}}}``.
        timeout: Seconds allowed per HTTP attempt.
    """

    tenant_id: str | None = None
    client_id: str | None = None
    service_account: str | None = None
    mailer_from: str | None = None
    conference_type: str | None = None
    cloud: Cloud = Cloud.GLOBAL
    base_url: str = ""
    rate_limit: RatePolicy | None = None
    retry: RetryPolicy | None = None
    email_templates: Mapping[str, Any] = attrs.field(factory=dict, converter=_templates)
    timeout: float = 30.0

    @property
    def sender(self) -> str | None:
        """The default ``from`` address: ``mailer_from`` or else ``service_account``."""
        return self.mailer_from or self.service_account
