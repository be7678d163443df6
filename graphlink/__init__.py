"""graphlink: a typed Python SDK for Microsoft Graph (calendars, mail, users and groups).

``GraphClient`` (blocking) and ``AsyncGraphClient`` (asyncio) offer the same methods over
one transport core that owns rate limiting, retries, auth and paging.
"""

from graphlink._client_async import AsyncGraphClient
from graphlink._client_sync import GraphClient
from graphlink._config import Cloud, GraphConfig
from graphlink._core.paging import Page
from graphlink._core.paths import odata_string, segment
from graphlink._transport._async import AsyncPaginator
from graphlink._transport._sync import Paginator
from graphlink._version import __version__
from graphlink.auth import AccessToken
from graphlink.retry import RetryPolicy

__all__ = [
    "AccessToken",
    "AsyncGraphClient",
    "AsyncPaginator",
    "Cloud",
    "GraphClient",
    "GraphConfig",
    "Page",
    "Paginator",
    "RetryPolicy",
    "__version__",
    "odata_string",
    "segment",
]
