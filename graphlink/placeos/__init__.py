"""The PlaceOS "Microsoft Graph API" driver, on graphlink: its commands, shapes and settings.

graphlink's own API is the SDK (``GraphClient``); this adapter serves people and services
that speak the driver's language: its settings JSON, its commands by name with JSON
arguments, its JSON shapes (times in Unix seconds). It depends on the core; the core does
not depend on it (``model.to_placeos()`` and ``GraphClient.from_placeos_settings`` load it
when called).
"""

from graphlink.placeos._async.driver import AsyncPlaceOSDriver
from graphlink.placeos._commands import error_json
from graphlink.placeos._limiter import PlaceOSLimiter
from graphlink.placeos._settings import client_arguments
from graphlink.placeos._shapes import event_status, placeos_value, rfc3339, to_placeos
from graphlink.placeos._sync.driver import PlaceOSDriver

__all__ = [
    "AsyncPlaceOSDriver",
    "PlaceOSDriver",
    "PlaceOSLimiter",
    "client_arguments",
    "error_json",
    "event_status",
    "placeos_value",
    "rfc3339",
    "to_placeos",
]
