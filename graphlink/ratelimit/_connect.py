"""The redis-py clients [`RedisStore.from_url`][graphlink.ratelimit.RedisStore.from_url] makes.

A rate-limit store sits in front of every request, so its clients fail fast rather than
retry: recent redis-py retries a failed command with backoff by default (redis-py 8: up to
10 times), which turns an unreachable Redis into seconds per call. Here a command is tried
once, within short socket timeouts, and a caller waits for a pooled connection (a
``BlockingConnectionPool``) instead of failing when every connection is busy.
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["ClientSettings", "clients"]


@attrs.frozen
class ClientSettings:
    """The pool and timeouts of the store's clients (the defaults of ``from_url``)."""

    max_connections: int = 50
    """Connections per client (one sync, one asyncio); more callers wait for one."""
    pool_timeout: float = 1.0
    """Seconds a caller waits for a free connection before the store fails."""
    socket_timeout: float = 1.0
    """Seconds a command may wait for Redis's answer."""
    connect_timeout: float = 1.0
    """Seconds a new connection may take."""

    def __attrs_post_init__(self) -> None:
        if self.max_connections < 1:
            raise ValueError("RedisStore needs max_connections >= 1")
        for name in ("pool_timeout", "socket_timeout", "connect_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"RedisStore needs {name} > 0")


def clients(url: str, settings: ClientSettings, options: dict[str, Any]) -> tuple[Any, Any]:
    """A ``redis.Redis`` and a ``redis.asyncio.Redis`` for ``url``, set up to fail fast.

    ``options`` go to both connection pools (redis-py's connection keywords).
    """
    import redis
    import redis.asyncio
    from redis.asyncio.retry import Retry as AsyncRetry
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    kwargs: dict[str, Any] = {
        "max_connections": settings.max_connections,
        "timeout": settings.pool_timeout,
        "socket_timeout": settings.socket_timeout,
        "socket_connect_timeout": settings.connect_timeout,
        **options,
    }
    sync_pool = redis.BlockingConnectionPool.from_url(url, retry=Retry(NoBackoff(), 0), **kwargs)
    async_pool = redis.asyncio.BlockingConnectionPool.from_url(
        url, retry=AsyncRetry(NoBackoff(), 0), **kwargs
    )
    return redis.Redis(connection_pool=sync_pool), redis.asyncio.Redis(connection_pool=async_pool)
