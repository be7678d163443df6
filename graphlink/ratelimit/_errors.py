"""Errors of the rate-limit stores (defined with the others in :mod:`graphlink.errors`)."""

from graphlink.errors import RateLimitStoreError

__all__ = ["RateLimitStoreError"]
