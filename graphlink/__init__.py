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

from __future__ import annotations

from typing import TYPE_CHECKING

from graphlink._lazy import lazy_names
from graphlink._version import __version__

if TYPE_CHECKING:
    from graphlink._client_async import AsyncGraphClient
    from graphlink._client_sync import GraphClient
    from graphlink._config import Cloud, GraphConfig
    from graphlink._core.paging import Page
    from graphlink._core.paths import odata_string, segment
    from graphlink._transport._async import AsyncPaginator
    from graphlink._transport._sync import Paginator
    from graphlink.auth import AccessToken
    from graphlink.retry import RetryPolicy

# Every name is imported on first use (PEP 562), so ``import graphlink`` stays light: a
# blocking user does not load the async client, and nobody loads what they never touch.
_LAZY = {
    "AccessToken": "graphlink.auth",
    "AsyncGraphClient": "graphlink._client_async",
    "AsyncPaginator": "graphlink._transport._async",
    "Cloud": "graphlink._config",
    "GraphClient": "graphlink._client_sync",
    "GraphConfig": "graphlink._config",
    "Page": "graphlink._core.paging",
    "Paginator": "graphlink._transport._sync",
    "RetryPolicy": "graphlink.retry",
    "odata_string": "graphlink._core.paths",
    "segment": "graphlink._core.paths",
}

# The public modules an eager ``import graphlink`` used to load: still reachable as
# ``graphlink.errors`` after a bare ``import graphlink``.
_SUBMODULES = frozenset(
    {"auth", "errors", "models", "ratelimit", "resources", "retry", "templates"}
)


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals(), _SUBMODULES)


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
