"""The public surface, pinned: it changes only on purpose (as httpx's test_exported_members).

When a resource or a helper is added on purpose, add its names here in the same change.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

PUBLIC = {
    "graphlink": {
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
    },
    "graphlink.auth": {
        "AccessToken",
        "ClientCertificate",
        "ClientSecret",
        "Credential",
        "StaticToken",
        "TokenProvider",
    },
    "graphlink.errors": {
        "AuthError",
        "AuthenticationError",
        "BadRequestError",
        "BatchError",
        "ConflictError",
        "DeltaResyncRequired",
        "GraphAPIError",
        "GraphError",
        "InvalidResponseError",
        "ModelValidationError",
        "NotFoundError",
        "PermissionDeniedError",
        "RateLimitError",
        "RateLimitExceeded",
        "RateLimitStoreError",
        "ServerError",
        "TemplateNotFound",
        "TimeoutError",
        "TransportError",
        "UnknownTimeZoneError",
        "UnsafeLinkError",
        "ValidationError",
    },
    "graphlink.models": {
        "Attachment",
        "Attendee",
        "AttendeeType",
        "BodyType",
        "BookingType",
        "Calendar",
        "DayOfWeek",
        "Device",
        "DirectoryObject",
        "EmailAddress",
        "Event",
        "EventType",
        "FreeBusyError",
        "FreeBusyStatus",
        "GeoCoordinates",
        "GraphModel",
        "Group",
        "Importance",
        "InternetMessageHeader",
        "ItemBody",
        "Location",
        "LocationType",
        "Member",
        "Message",
        "ModelValidationError",
        "OnlineMeeting",
        "OnlineMeetingProvider",
        "OpenEnum",
        "Phone",
        "PhysicalAddress",
        "Place",
        "Recurrence",
        "RecurrencePattern",
        "RecurrencePatternType",
        "RecurrenceRange",
        "RecurrenceRangeType",
        "ResponseStatus",
        "ResponseType",
        "Room",
        "RoomList",
        "Schedule",
        "ScheduleInformation",
        "ScheduleItem",
        "Sensitivity",
        "Subscription",
        "TimeZoneInfo",
        "UnknownTimeZoneError",
        "User",
        "WeekIndex",
        "WorkingHours",
        "fast_models_enabled",
        "format_utc",
        "format_wall_clock",
        "parse_date_time_zone",
        "parse_utc",
        "set_fast_models",
        "structure",
        "structure_many",
        "timezone_fallback",
        "to_zoneinfo",
        "unstructure",
        "windows_name",
        "zone_name",
    },
    "graphlink.ratelimit": {
        "AllOf",
        "CooldownRule",
        "Decision",
        "MaxInFlight",
        "MemoryStore",
        "PerMailbox",
        "Permit",
        "Policy",
        "RateLimitStoreError",
        "RatePolicy",
        "RateRule",
        "RedisStore",
        "Rule",
        "SlotRule",
        "Store",
        "TokenBucket",
        "Unlimited",
        "Wakeup",
        "default_policy",
    },
    "graphlink.resources": {
        "AsyncBatch",
        "AsyncCalendars",
        "AsyncEvents",
        "AsyncGroups",
        "AsyncMail",
        "AsyncRooms",
        "AsyncSubscriptions",
        "AsyncUsers",
        "Batch",
        "Calendars",
        "Delta",
        "Events",
        "Groups",
        "Handle",
        "Mail",
        "Removed",
        "Rooms",
        "Subscriptions",
        "Users",
    },
    "graphlink.retry": {"RetryPolicy"},
    "graphlink.notifications": {
        "Answer",
        "AsyncSubscriptionKeeper",
        "ChangeNotification",
        "KeeperReport",
        "LifecycleEvent",
        "SubscriptionKeeper",
        "handle",
        "max_lifetime",
    },
    "graphlink.notifications.starlette": {"endpoint", "read", "response"},
    "graphlink.notifications.flask": {"endpoint", "read", "response"},
    "graphlink.notifications.django": {"endpoint", "read", "response"},
    "graphlink.placeos": {
        "AsyncPlaceOSDriver",
        "PlaceOSDriver",
        "PlaceOSLimiter",
        "client_arguments",
        "error_json",
        "event_status",
        "placeos_value",
        "rfc3339",
        "to_placeos",
    },
    "graphlink.qr": {"attachment", "data_uri", "png", "svg"},
    "graphlink.templates": {
        "Rendered",
        "Template",
        "TemplateArgs",
        "TemplateName",
        "TemplateValue",
        "Trusted",
        "build_html",
        "build_template",
        "check_templates",
        "fields",
        "find",
        "render",
        "trusted",
    },
    "graphlink.testing.pytest_plugin": {"fake_graph", "fake_graph_demo"},
    "graphlink.testing": {
        "Delivery",
        "FakeGraph",
        "FaultKind",
        "RecordedRequest",
        "SERVICE_ACCOUNT",
        "SentAttachment",
        "SentMail",
        "SnapshotError",
    },
}


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_exported_names_are_pinned(name: str) -> None:
    module = importlib.import_module(name)
    assert set(module.__all__) == PUBLIC[name]
    assert len(module.__all__) == len(set(module.__all__)), "a name is exported twice"


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_exported_names_exist_and_are_documented(name: str) -> None:
    module = importlib.import_module(name)
    assert inspect.getdoc(module), name
    for attribute in module.__all__:
        value = getattr(module, attribute)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{name}.{attribute} has no docstring"


def test_every_facade_a_client_carries_is_exported() -> None:
    """``client.users`` and its like are public classes, never private-only ones."""
    import graphlink.resources
    from graphlink import AsyncGraphClient, GraphClient

    for client in (GraphClient(token="t"), AsyncGraphClient(token="t")):
        # Through dir(), not vars(): the facades are made on first use, not in __init__.
        facades = {
            name: type(value)
            for name in dir(client)
            if not name.startswith("_")
            and type(value := getattr(client, name)).__module__.startswith("graphlink.resources")
        }
        # users, groups, calendars, events, rooms, mail, subscriptions
        assert len(facades) == 7, facades
        for attribute, kind in facades.items():
            assert getattr(graphlink.resources, kind.__name__) is kind, attribute


def test_the_resource_builders_are_private() -> None:
    import graphlink.resources

    for module in ("directory", "_directory"):
        assert module not in graphlink.resources.__all__
    assert not hasattr(graphlink.resources, "user_get")


def test_the_core_does_not_load_the_placeos_adapter() -> None:
    """graphlink.placeos depends on the core; the core loads it only when asked for."""
    import subprocess
    import sys

    code = (
        "import sys, graphlink, graphlink.models, graphlink.resources, graphlink.ratelimit,"
        " graphlink.retry, graphlink.errors, graphlink.auth, graphlink.testing,"
        " graphlink.templates, graphlink.qr\n"
        "from graphlink.ratelimit import *\n"
        "print(sorted(m for m in sys.modules if m.startswith('graphlink.placeos')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_core_module_imports_the_adapter_at_import_time() -> None:
    """Only the two compatibility entry points (``to_placeos``, ``from_placeos_settings``)
    and ``graphlink.ratelimit.PlaceOSLimiter`` reach it, from inside a function."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "graphlink"
    for path in root.rglob("*.py"):
        if "placeos" in path.parts or path.name == "__main__.py":
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "graphlink.placeos"
            ):
                raise AssertionError(f"{path} imports {node.module} at import time")


def test_placeos_limiter_is_still_importable_from_ratelimit() -> None:
    from graphlink.placeos import PlaceOSLimiter as Adapter
    from graphlink.ratelimit import PlaceOSLimiter

    assert PlaceOSLimiter is Adapter
