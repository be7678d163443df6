"""FakeGraph's routes, one module per area, all on the one table ``ROUTES``.

The areas: auth, batch, calendar, directory, mail, places, schedule (getSchedule),
subscriptions and uploads.

To add a route: in the area's module (or a new ``_routes/<area>.py``), decorate a handler
with ``@route("GET", r"/path/(?P<name>[^/]+)")``. The regex is matched whole against the
path under ``/v1.0`` (any case); ``USER`` / ``CALENDAR`` from ``_table`` match
``/users/{id}|/me`` and its calendars. The handler takes ``(engine, call, match)``, reads
and changes ``engine.state``, and returns ``json_reply(...)`` / ``empty_reply(...)`` (from
``graphlink.testing._wire``) or raises ``GraphFault`` for Graph's error body; collections
go through ``_collections.collection``. A new module must be added to the import below so
its routes register. The first matching route wins, so areas must not overlap.
"""

from __future__ import annotations

from graphlink.testing._routes import (  # noqa: F401 - imported so their routes register
    auth,
    batch,
    calendar,
    directory,
    mail,
    places,
    schedule,
    subscriptions,
    uploads,
)
from graphlink.testing._routes._table import ROUTES, Route, route

__all__ = ["ROUTES", "Route", "route"]
