"""Windows and IANA time zone names, mapped with the CLDR table that tzlocal maintains.

Graph writes ``dateTimeTimeZone.timeZone`` either as a Windows zone name
(``"AUS Eastern Standard Time"``) or as an IANA one (``"Australia/Sydney"``). Both map to
a ``zoneinfo.ZoneInfo``; nothing unknown is ever silently turned into UTC.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import tz_win, win_tz

from graphlink.errors import UnknownTimeZoneError

__all__ = ["timezone_fallback", "to_zoneinfo", "windows_name", "zone_name"]

# Windows zone names, case-folded, to IANA names (CLDR windowsZones via tzlocal).
_WIN_TO_IANA: dict[str, str] = {name.casefold(): iana for name, iana in win_tz.items()}
# Case-folded Windows names to their canonical spelling.
_WIN_CANONICAL: dict[str, str] = {name.casefold(): name for name in win_tz}
# Resolved names (exactly as Graph spelled them) to zones: the hot-path cache.
_CACHE: dict[str, ZoneInfo] = {}
cached_zone: Callable[[str], ZoneInfo | None] = _CACHE.get
"""``cached_zone(name)``: the zone of a name already resolved (as Graph spelled it), else ``None``.
The cache's own ``get``, bound once: the hot path pays no extra call.
"""
_UTC_ZONE = ZoneInfo("UTC")
_FALLBACK: contextvars.ContextVar[ZoneInfo | None] = contextvars.ContextVar(
    "graphlink_tz_fallback", default=None
)


def _resolve(name: str) -> ZoneInfo | None:
    iana = _WIN_TO_IANA.get(name.strip().casefold())
    if iana is not None:
        return ZoneInfo(iana)
    if not name or "://" in name or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def to_zoneinfo(name: str, *, fallback: str | tzinfo | None = None) -> ZoneInfo:
    """The ``ZoneInfo`` for a Windows or IANA zone name.

    ``"Pacific Standard Time"`` and ``"America/Los_Angeles"`` both give
    ``ZoneInfo("America/Los_Angeles")``; ``"UTC"`` gives UTC. Windows names match
    case-insensitively.

    Args:
        name: the zone as Graph wrote it.
        fallback: a zone (name or ``ZoneInfo``) to use when ``name`` is unknown, e.g.
            ``tzone://Microsoft/Custom``. Without one, an unknown name raises.

    Raises:
        UnknownTimeZoneError: ``name`` is unknown and there is no usable fallback.
    """
    zone = _CACHE.get(name) if isinstance(name, str) else None
    if zone is not None:
        return zone
    if not isinstance(name, str):
        raise UnknownTimeZoneError(name, "a time zone name must be a string")
    zone = _resolve(name)
    if zone is not None:
        if len(_CACHE) < 4096:
            _CACHE[name] = zone
        return zone
    if fallback is None:
        fallback = _FALLBACK.get()
    if fallback is not None:
        if isinstance(fallback, ZoneInfo):
            return fallback
        if isinstance(fallback, str):
            return to_zoneinfo(fallback)
        if fallback is UTC:
            return _UTC_ZONE
        raise UnknownTimeZoneError(fallback, "the fallback must be a zone name or a ZoneInfo")
    hint = (
        "a custom Outlook time zone; pass a fallback"
        if name.startswith("tzone://")
        else "neither a Windows nor an IANA zone name; pass a fallback to accept it"
    )
    raise UnknownTimeZoneError(name, hint)


def windows_name(zone: str | tzinfo) -> str:
    """The Windows zone name for an IANA zone (``"Australia/Sydney"`` -> ``"AUS Eastern
    Standard Time"``).

    A Windows name is returned unchanged (in its canonical spelling).

    Raises:
        UnknownTimeZoneError: the zone has no Windows equivalent.
    """
    key = zone_name(zone) if isinstance(zone, tzinfo) else zone
    if key in tz_win:
        return str(tz_win[key])
    canonical = _WIN_CANONICAL.get(key.strip().casefold())
    if canonical is not None:
        return canonical
    resolved = _resolve(key)
    if resolved is not None and resolved.key in tz_win:
        return str(tz_win[resolved.key])
    raise UnknownTimeZoneError(zone, "no Windows equivalent in the CLDR table")


def zone_name(zone: tzinfo | None) -> str:
    """The name Graph should be sent for a ``tzinfo``: its IANA key, or ``"UTC"``.

    Raises:
        UnknownTimeZoneError: the ``tzinfo`` has no name (e.g. a fixed offset other than 0).
    """
    if isinstance(zone, ZoneInfo):
        return zone.key
    if zone is not None and zone.utcoffset(None) is not None and not zone.utcoffset(None):
        return "UTC"
    raise UnknownTimeZoneError(zone, "only ZoneInfo zones and UTC have a name Graph accepts")


def aware_in(value: datetime, name: str | None) -> tuple[datetime, str]:
    """``value`` converted to the zone ``name`` (or its own zone), with the name to send."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise UnknownTimeZoneError(None, f"naive datetime {value.isoformat()}; give a tzinfo")
    if name is None:
        tz = value.tzinfo
        if isinstance(tz, ZoneInfo):
            return value, tz.key
        value = value.astimezone(UTC)
        return value, "UTC"
    return value.astimezone(to_zoneinfo(name)), name


@contextmanager
def timezone_fallback(zone: str | ZoneInfo | None) -> Iterator[None]:
    """Within the block, parse unknown time zone names as ``zone`` instead of raising.

    Used by ``from_graph(..., tz_fallback=...)``; ``None`` restores strict parsing.
    """
    resolved = to_zoneinfo(zone) if isinstance(zone, str) else zone
    token = _FALLBACK.set(resolved)
    try:
        yield
    finally:
        _FALLBACK.reset(token)
