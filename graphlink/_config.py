"""Client configuration: the national clouds and the settings a client runs with."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from graphlink.templates import check_templates

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
        """Accept a [`Cloud`][graphlink.Cloud] or its name (``"us_gov"``, ``"GLOBAL"``)."""
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
    """The templates, checked now (a template without a subject fails when the client is
    built, not when a visitor arrives), kept in the driver's JSON shape."""
    checked = check_templates(value)
    return {
        event: {
            who: {k: v for k, v in attrs.asdict(t).items() if v is not None}
            for who, t in templates.items()
        }
        for event, templates in checked.items()
    }


@attrs.frozen(kw_only=True)
class GraphConfig:
    """The settings a client runs with (``client.config``). Secrets are never kept here.

    Each attribute is the client's constructor option of the same name, after validation
    (the client documents only the options that are not kept here: credentials and HTTP
    clients). The defaults are the constructor's.

    Attributes:
        tenant_id: The Entra ID tenant id or domain (needed with a client secret or
            certificate; None with a static token or token provider).
        client_id: The app registration's client id.
        service_account: The default mailbox when a call omits ``user_id``.
        mailer_from: The default sender of mail; falls back to ``service_account``.
        conference_type: An online meeting provider (e.g. ``"teamsForBusiness"``) added to
            every created event.
        cloud: The national cloud: login authority, Graph host and scope together. The
            constructor also takes its name (``"us_gov"``).
        base_url: The Graph root every path is relative to: the cloud's, unless the client
            was given another (e.g. a local fake).
        rate_limit: The rate-limit policy in force (a [`graphlink.ratelimit`][graphlink.ratelimit]
            policy); given None, the safe default (``default_policy()``).
        retry: The [`RetryPolicy`][graphlink.retry.RetryPolicy] in force; given None, the
            default policy.
        email_templates: ``{event: {who: {"subject", "text", "html"}}}``.
        timeout: Seconds httpx allows each step of an HTTP attempt: connecting, each
            read, each write, waiting for a pooled connection. A ``RetryPolicy.deadline``
            shortens it to the time the call has left.
        max_response_bytes: The largest answer graphlink reads, in bytes, counted after
            decompression (64 MiB by default; None: no limit). Answers are streamed and
            counted chunk by chunk; reading stops at the first chunk past the limit (a chunk
            is what one network read inflates to). A larger 2xx answer raises
            [`InvalidResponseError`][graphlink.errors.InvalidResponseError] and is not
            retried (for a write, Graph processed it: ``maybe_processed`` is set and the
            message says so); a larger error answer keeps its status and error type, its
            body cut at the limit.
    """

    tenant_id: str | None
    client_id: str | None
    service_account: str | None
    mailer_from: str | None
    conference_type: str | None
    cloud: Cloud
    base_url: str
    rate_limit: RatePolicy
    retry: RetryPolicy
    email_templates: Mapping[str, Any] = attrs.field(converter=_templates)
    timeout: float
    max_response_bytes: int | None

    @property
    def sender(self) -> str | None:
        """The default ``from`` address: ``mailer_from`` or else ``service_account``."""
        return self.mailer_from or self.service_account
