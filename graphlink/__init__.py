"""graphlink: a typed Python SDK for Microsoft Graph (calendars, mail, users and groups).

[`GraphClient`][graphlink.GraphClient] (blocking) and
[`AsyncGraphClient`][graphlink.AsyncGraphClient] (asyncio) offer the same methods over one
transport core that owns rate limiting, retries, auth and paging.

The names exported here:

- [`GraphClient`][graphlink.GraphClient], [`AsyncGraphClient`][graphlink.AsyncGraphClient]:
  the clients.
- [`GraphConfig`][graphlink.GraphConfig]: the settings a client runs with
  (``client.config``); [`Cloud`][graphlink.Cloud]: the national clouds.
- [`Paginator`][graphlink.Paginator], [`AsyncPaginator`][graphlink.AsyncPaginator]: every
  item of a collection, page after page; [`Page`][graphlink.Page]: one page.
- [`AccessToken`][graphlink.AccessToken]: a bearer token and its expiry.
- [`RetryPolicy`][graphlink.retry.RetryPolicy]: how calls are retried.
- [`segment`][graphlink.segment], [`odata_string`][graphlink.odata_string]: escaping for
  raw paths and OData filters.
- ``__version__``: the installed version.

Errors are in [`graphlink.errors`][graphlink.errors], rate-limit policies in
``graphlink.ratelimit``, models in ``graphlink.models``, receiving change notifications in
[`graphlink.notifications`][graphlink.notifications].
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
