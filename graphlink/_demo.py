"""``python -m graphlink demo``: a guided tour of graphlink on FakeGraph's demo organisation.

Each step is a function registered with ``step``; steps run in registration order and
share one ``Tour`` (the fake, a client, a printer). Adding a step is a few lines::

    @step("Rooms in a building")
    def _rooms(tour: Tour) -> None:
        for room in tour.client.paginate("/places/microsoft.graph.room"):
            tour.say(room["displayName"])
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import attrs

from graphlink import GraphClient
from graphlink.models import Attendee, AttendeeType, Room
from graphlink.testing import SERVICE_ACCOUNT, FakeGraph

__all__ = ["STEPS", "TEMPLATES", "Step", "Tour", "main", "step"]


@attrs.define
class Tour:
    """What every step gets: the fake, a client signed in as the service account, output."""

    fake: FakeGraph
    client: GraphClient
    out: TextIO | None = None

    def say(self, text: str = "", indent: int = 2) -> None:
        """Print one line of the tour, indented under the step's title."""
        print(" " * indent + text if text else "", file=self.out)

    def table(self, rows: Sequence[Sequence[Any]], indent: int = 4) -> None:
        """Print rows as aligned columns."""
        cells = [[("" if c is None else str(c)) for c in row] for row in rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))] if cells else []
        for row in cells:
            line = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            self.say(line, indent)


Step = Callable[[Tour], None]

#: The demo's ``email_templates`` (the driver's shape), used by the visitor step.
TEMPLATES = {
    "visitor": {
        "checkin": {
            "subject": "%{name} has arrived",
            "text": "Hi %{host}, %{name} is at reception.",
            "html": '<p>Hi %{host}, <b>%{name}</b> is at reception.</p><img src="cid:visitor-qr">',
        }
    }
}


@attrs.frozen
class _Registered:
    title: str
    run: Step


STEPS: list[_Registered] = []
"""The tour's steps, in order."""


def step(title: str) -> Callable[[Step], Step]:
    """Register a tour step under ``title`` (steps run in the order they are defined)."""

    def register(fn: Step) -> Step:
        STEPS.append(_Registered(title, fn))
        return fn

    return register


# =========================================================================== steps


@step("The service account signs in (client credentials, through msal)")
def _token(tour: Tour) -> None:
    token = tour.client.access_token()
    left = ""
    if token.expires is not None:
        minutes = (token.expires - datetime.now(UTC)).total_seconds() / 60
        left = f", expires in {minutes:.0f} min"
    tour.say(f"service account   {tour.client.config.service_account}")
    tour.say(f"access token      {token.token[:18]}…{left}")
    me = tour.client.users.get(SERVICE_ACCOUNT)
    tour.say(f"directory id      {me.id}")
    tour.say(f"connected         {tour.client.connected}")


@step("Users matching a query: 'al'  (client.users.list)")
def _users(tour: Tour) -> None:
    users = tour.client.users.list("al")
    rows = [(u.display_name, u.email, u.job_title, u.department) for u in users]
    tour.table(rows)
    tour.say(f"{len(rows)} enabled users whose name, given name, surname or mail starts with 'al'")


@step("A user's manager and groups (client.users.manager, client.users.groups)")
def _user_groups(tour: Tour) -> None:
    who = f"adelev@{tour.fake.domain}"
    manager = tour.client.users.manager(who)
    tour.say(f"{who} reports to {manager.display_name} ({manager.job_title})")
    tour.say("groups, nested ones included:")
    for group in tour.client.users.groups(who):
        tour.say(f"- {group.display_name}", indent=4)


@step("A group's members, across pages (client.groups.members)")
def _members(tour: Tour) -> None:
    group = next(iter(tour.client.groups.list("All Company")))
    assert group.id is not None
    members = tour.client.groups.members(group.id).to_list()
    kinds = sorted({m.type for m in members})
    tour.say(f"{group.display_name}: {len(members)} members ({', '.join(kinds)})")
    # The same collection with Graph's pages forced small, to show the paging at work.
    pages = tour.client.paginate(
        f"/groups/{group.id}/members", params={"$top": "10", "$select": "displayName"}
    ).pages()
    total = 0
    for number, page in enumerate(pages, 1):
        total += len(page.items)
        names = ", ".join(m["displayName"] for m in page.items[:3])
        more = " (more pages)" if page.next_link else " (last page)"
        tour.say(f"$top=10, page {number}: {len(page.items):>2} members: {names}, …{more}")
    tour.say(f"{total} members over every page; no list is cut to one page")


@step("A busy mailbox: 12 concurrent requests, Exchange allows 4, one 429 on top")
def _throttled(tour: Tour) -> None:
    from graphlink.ratelimit import PerMailbox

    fake = tour.fake
    fake.latency = 0.15
    fake.fail_next(
        429,
        retry_after=0.3,
        path="/calendarView",
        code="ApplicationThrottled",
        message="Application is over its MailboxConcurrency limit.",
    )
    fake.clear_requests()
    monday = datetime.now(UTC) - timedelta(days=7)
    params = {
        "startDateTime": monday.strftime("%Y-%m-%dT00:00:00Z"),
        "endDateTime": (monday + timedelta(days=14)).strftime("%Y-%m-%dT00:00:00Z"),
        "$select": "subject",
    }
    samples: list[tuple[float, int, int]] = []

    async def run() -> int:
        async with fake.async_client(
            service_account=SERVICE_ACCOUNT, rate_limit=PerMailbox(concurrency=4)
        ) as client:

            async def one() -> int:
                path = f"/users/{SERVICE_ACCOUNT}/calendar/calendarView"
                return len([e async for e in client.paginate(path, params=params)])

            started = time.monotonic()
            tasks = [asyncio.create_task(one()) for _ in range(12)]
            while not all(t.done() for t in tasks):
                samples.append(
                    (time.monotonic() - started, client.queue_size, client.in_flight_size)
                )
                await asyncio.sleep(0.1)
            return sum(await asyncio.gather(*tasks))

    events = asyncio.run(run())
    fake.latency = 0.0
    for at, queued, in_flight in samples[:: max(1, len(samples) // 5)]:
        tour.say(f"t={at:4.2f}s  queue_size={queued:>2}  in_flight_size={in_flight}")
    statuses = [r.status for r in fake.requests]
    peak = max(fake.peak_in_flight.values(), default=0)
    tour.say(
        f"Graph saw {len(statuses)} requests: {statuses.count(200)} × 200, "
        f"{statuses.count(429)} × 429 (retried after its Retry-After); "
        f"peak in flight per mailbox {peak}"
    )
    tour.say(f"all 12 calls succeeded ({events} events read); the limiter absorbed the 429")


@step("Book a room: find a free one, invite people, see it in the room's calendar")
def _book_a_room(tour: Tour) -> None:
    client, zone = tour.client, ZoneInfo("Australia/Sydney")
    rooms = [r for r in client.rooms.in_list(f"building-1@{tour.fake.domain}") if r.email_address]
    start = (datetime.now(zone) + timedelta(days=1)).replace(hour=10, minute=0, second=0)
    start = start.replace(microsecond=0)
    end = start + timedelta(hours=1)
    # Free/busy of every room at once: "0" per hour is free (graphlink splits by 20).
    addresses = [str(r.email_address) for r in rooms]
    schedules = client.calendars.get_schedule(addresses, start, end, interval=60)
    free = [room for room, s in zip(rooms, schedules, strict=True) if s.availability_view == "0"]
    tour.table([(r.display_name, r.capacity, "free" if r in free else "busy") for r in rooms])
    room = free[0]
    event = client.events.create(
        "Design review",
        start,
        end,
        attendees=[f"Adele Vance <adelev@{tour.fake.domain}>", _resource(room)],
        location=room.display_name,
        description="<p>Bring the floor plans.</p>",
    )
    tour.say(f"booked {event.subject!r} in {room.display_name}, {start:%a %d %b %H:%M} {zone}")
    tour.say(f"transactionId {event.transaction_id} (a retried create books once)")
    seen = client.events.list(str(room.email_address), start, end, time_zone="Australia/Sydney")
    for booked in seen:
        assert booked.start is not None
        tour.say(f"{room.display_name}'s calendar: {booked.subject} at {booked.start:%H:%M %Z}")


@step("A visitor arrives: the host gets a templated email with the QR code inline")
def _visitor_email(tour: Tour) -> None:
    from graphlink import qr

    host = f"adelev@{tour.fake.domain}"
    badge = qr.attachment("VISITOR-2026-0042", name="visitor.png", content_id="visitor-qr")
    tour.client.mail.send_template(
        f"Adele Vance <{host}>",
        "visitor.checkin",
        {"name": "Grace Hopper <grace@fabrikam.com>", "host": "Adele"},
        resource_attachments=[badge],
    )
    sent = tour.fake.sent_mail[-1]
    tour.say(f"to {', '.join(sent.to)}: {sent.subject!r}")
    tour.say(f"html  {sent.body}")
    qr_png = sent.attachments[0]
    tour.say(
        f"inline {qr_png.name} (cid:{qr_png.content_id}, {len(qr_png.content)} bytes, "
        "a 128x128 PNG; values in the HTML are escaped)"
    )


@step("A batch of bookings: every room, one $batch call (client.events.create_many)")
def _batch_of_bookings(tour: Tour) -> None:
    rooms = [r for r in tour.client.rooms.list() if r.email_address]
    start = (datetime.now(UTC) + timedelta(days=2)).replace(hour=1, minute=0, second=0)
    start = start.replace(microsecond=0)
    bookings = [
        {
            "title": f"Cleaning: {room.display_name}",
            "event_start": start,
            "event_end": start + timedelta(minutes=30),
            "calendar_id": str(room.email_address),
        }
        for room in rooms
    ]
    before = len(tour.fake.requests)
    results = tour.client.events.create_many(bookings)
    calls = [r.path for r in tour.fake.requests[before:]]
    booked = sum(1 for r in results if not isinstance(r, Exception))
    tour.say(f"{booked} of {len(bookings)} rooms booked in {len(calls)} HTTP call(s): {calls[0]}")
    tour.say("each booking got its own result; a throttled one would be retried on its own")


@step("A change notification: the room's subscription hears of a booking (no polling)")
def _change_notification(tour: Tour) -> None:
    import httpx

    from graphlink.notifications import ChangeNotification, handle

    secret, heard = "demo-client-state", list[ChangeNotification]()

    def receiver(request: httpx.Request) -> httpx.Response:  # the app's endpoint, in-process
        query, body = request.url.query, request.content
        answer = handle(request.method, query, request.headers, body, client_state=secret)
        heard.extend(answer.notifications)
        return httpx.Response(answer.status, headers=dict(answer.headers), text=answer.body)

    tour.fake.webhook_client = httpx.Client(transport=httpx.MockTransport(receiver))
    room = next(r for r in tour.client.rooms.list() if r.email_address)
    resource = f"/users/{room.email_address}/events"
    expires = tour.client.subscriptions.max_expiry(resource)
    tour.client.subscriptions.create(
        resource, "https://bookings.example/graph", expires, client_state=secret
    )
    tour.say(f"subscribed to {resource}: the endpoint answered Graph's validation handshake")
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=2, minute=0, second=0)
    start = start.replace(microsecond=0)
    tour.client.events.create(
        "Retro", start, start + timedelta(hours=1), attendees=[_resource(room)]
    )
    tour.fake.deliver()  # Graph POSTs within seconds; FakeGraph when told
    for change in heard:
        tour.say(f"notified: {change.change_type} {change.resource} (then: events.delta)")


def _resource(room: Room) -> Attendee:
    return Attendee(name=room.display_name, email=room.email_address, type=AttendeeType.RESOURCE)


# =========================================================================== driver


def main(argv: Sequence[str] = (), out: TextIO | None = None) -> int:
    """Run the tour on ``FakeGraph.demo()``, offline; returns the process exit code."""
    started = time.monotonic()
    fake = FakeGraph.demo()
    print("graphlink demo — a tour on FakeGraph (an in-memory Microsoft Graph, offline)", file=out)
    print(f"{fake!r}", file=out)
    client = fake.client(
        tenant_id=fake.tenant_id,
        client_id="11111111-2222-3333-4444-555555555555",
        client_secret="demo-secret",
        service_account=SERVICE_ACCOUNT,
        email_templates=TEMPLATES,
    )
    with client:
        tour = Tour(fake=fake, client=client, out=out)
        for number, registered in enumerate(STEPS, 1):
            print(f"\n{number}. {registered.title}", file=out)
            registered.run(tour)
    print(f"\nDone in {time.monotonic() - started:.1f} s. Next: docs/testing.md", file=out)
    return 0
