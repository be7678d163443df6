r"""FakeGraph's routes, one module per area, all on the one table ``ROUTES``.

The areas: auth, batch, calendar, directory, mail, places, schedule (getSchedule),
subscriptions and uploads.

To add a route: in the area's module (or a new ``_routes/<area>.py``), decorate a handler
with ``@route("GET", r"/path/(?P<name>[^/]+)")``. The regex is matched whole against the
path under ``/v1.0`` (any case); ``USER`` / ``CALENDAR`` from ``_table`` match
``/users/{id}|/me`` and its calendars. The handler takes ``(engine, call, match)``, reads
and changes ``engine.state``, and returns ``json_reply(...)`` / ``empty_reply(...)`` (from
``graphlink.testing._wire``) or raises ``GraphFault`` for Graph's error body; collections
go through ``_collections.collection`` and single entities through
``_collections.entity_body``, each given its ``EntityType`` (the navigations ``$expand``
may embed). A new module must be added to the import below so its routes register. The
first matching route wins, so areas must not overlap.

Write a pattern in FakeGraph's canonical spelling; the engine applies Graph's conventions
(``graphlink.testing._conventions``) before matching: a type cast as
``microsoft\.graph\.room`` (``graph.room`` reaches it too), a bound operation by its bare
name, ``sendMail`` or ``delta`` (``microsoft.graph.sendMail``, ``graph.sendMail`` and
``delta()`` reach it too), and the handler's ``call.path`` is in the spelling that
matched, so links written from it are Graph's. A ``POST`` to an operation named in
``_conventions.ACTIONS`` gets its body as ``ActionParameters``: ``body.get("message")``
finds ``"Message"``.
Query options are read with ``call.param`` (any case, ``$`` optional).
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
