"""``client.calendars``, ``client.events`` and ``client.rooms``.

This is the async source (``resources/_sync/calendar.py`` is generated from it: edit here).
Each method builds its call with ``resources/_calendar.py`` or ``_events.py`` and hands it
to the transport; mailboxes resolve as the driver's (``calendar_id`` with ``@`` is the
mailbox, else a calendar of ``user_id``, which defaults to ``service_account``).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from graphlink._config import GraphConfig
from graphlink._core import parse
from graphlink._transport._async import AsyncPaginator, AsyncTransport
from graphlink.errors import BadRequestError, GraphError, NotFoundError
from graphlink.models import (
    Attendee,
    Calendar,
    Event,
    Location,
    Recurrence,
    Room,
    RoomList,
    ScheduleInformation,
)
from graphlink.resources import _calendar as cal
from graphlink.resources import _events as ops
from graphlink.resources._async.batch import AsyncBatch
from graphlink.resources._directory import check_flag, optional_text

if TYPE_CHECKING:
    from graphlink.resources._delta import Delta

__all__ = ["AsyncCalendars", "AsyncEvents", "AsyncRooms"]

#: A time argument: an aware datetime, or Unix seconds.
Time = datetime | int


class AsyncCalendars:
    """A mailbox's calendars and free/busy (``client.calendars``)."""

    def __init__(self, transport: AsyncTransport, config: GraphConfig) -> None:
        self._transport = transport
        self._account = config.service_account

    def list(self, user_id: str | None = None) -> AsyncPaginator[Calendar]:
        """Every calendar of the mailbox (``service_account`` when omitted), every page."""
        return self._transport.paginate(cal.calendar_list(user_id, account=self._account))

    async def get_schedule(
        self,
        schedules: Iterable[str],
        start: Time,
        end: Time,
        *,
        interval: int = 30,
        user_id: str | None = None,
    ) -> builtins.list[ScheduleInformation]:  # `list` here is the method
        """Free/busy of any number of mailboxes over any window (``getSchedule``).

        Graph reads at most 20 mailboxes and under 42 days per call: graphlink splits
        both and joins the answers, one result per mailbox in the order asked. A mailbox
        Graph could not read carries its ``error``; nothing is raised for it.

        Args:
            schedules: Mailbox addresses (rooms, people, distribution lists).
            start: The window's start: an aware datetime or Unix seconds.
            end: The window's end.
            interval: Minutes per character of ``availability_view`` (5 to 1440).
            user_id: The mailbox that asks (``service_account`` when omitted).
        """
        names = cal.check_schedules(schedules)
        calls = cal.schedule_calls(
            names, start, end, interval=interval, user_id=user_id, account=self._account
        )
        answers = [await self._transport.call(call) for call in calls]
        return cal.merge_schedules(names, answers)


class AsyncEvents:
    """Calendar events: book, read, change, answer and cancel (``client.events``)."""

    def __init__(self, transport: AsyncTransport, config: GraphConfig) -> None:
        self._transport = transport
        self._config = config
        self._account = config.service_account
        self._conference_type = config.conference_type

    def list(
        self,
        calendar_id: str,
        period_start: Time,
        period_end: Time,
        *,
        time_zone: str | None = None,
        user_id: str | None = None,
        include_cancelled: bool = False,
        ical_uid: str | None = None,
    ) -> AsyncPaginator[Event]:
        """Events in a window (``calendarView``: recurring series expanded), every page.

        Args:
            calendar_id: A mailbox address (its default calendar) or a calendar id.
            period_start: The window's start: an aware datetime or Unix seconds.
            period_end: The window's end.
            time_zone: An IANA or Windows zone: times come back in it (else UTC).
            user_id: The mailbox of a calendar id (``service_account`` when omitted).
            include_cancelled: Keep cancelled meetings (dropped by default).
            ical_uid: Only the event (or the occurrence) with this iCalendar UID (each
                occurrence of a series has its own).
        """
        return self._transport.paginate(
            ops.event_list(
                calendar_id,
                period_start,
                period_end,
                time_zone=time_zone,
                user_id=user_id,
                include_cancelled=include_cancelled,
                ical_uid=ical_uid,
                account=self._account,
            )
        )

    async def get(
        self,
        calendar_id: str,
        event_id: str,
        *,
        user_id: str | None = None,
        time_zone: str | None = None,
    ) -> Event:
        """One event (times in ``time_zone`` when given, else UTC)."""
        return await self._transport.call(
            ops.event_get(
                calendar_id, event_id, time_zone=time_zone, user_id=user_id, account=self._account
            )
        )

    async def create(
        self,
        title: str | None,
        event_start: Time,
        event_end: Time | None = None,
        *,
        description: str | None = None,
        attendees: Iterable[str | tuple[str, str] | Attendee] = (),
        location: str | Location | None = None,
        timezone: str | None = None,
        user_id: str | None = None,
        calendar_id: str | None = None,
        online_meeting_provider: str | None = None,
        online_meeting_id: str | None = None,
        online_meeting_url: str | None = None,
        online_meeting_sip: str | None = None,
        online_meeting_phones: Iterable[str] | None = None,
        online_meeting_pin: str | None = None,
        recurrence: Recurrence | dict[str, Any] | None = None,
        transaction_id: str | None = None,
    ) -> Event:
        """Book an event (the driver's ``create_event``), safe to retry.

        Args:
            title: The subject.
            event_start: An aware datetime or Unix seconds.
            event_end: The end; None books an all-day event in the event's zone (local
                midnight to the next).
            description: The body, as HTML.
            attendees: Addresses (``"addr"``, ``"Name <addr>"``, ``(name, addr)``) or
                [`Attendee`][graphlink.models.Attendee]s (optional and resource types, names
                kept).
            location: Where (a display name, or a [`Location`][graphlink.models.Location]).
            timezone: The event's zone (IANA or Windows); else the start's own zone, else UTC.
            user_id: The mailbox of a calendar id (``service_account`` when omitted).
            calendar_id: A mailbox address (its default calendar) or a calendar id.
            online_meeting_provider: ``teamsForBusiness`` (or Skype) makes Graph create an
                online meeting; defaults to the client's ``conference_type``. Another
                provider's name labels the details below.
            online_meeting_id: A meeting made elsewhere: its id (written into the body,
                as Graph cannot store another provider's meeting).
            online_meeting_url: Its join URL.
            online_meeting_sip: Its SIP address.
            online_meeting_phones: Its dial-in numbers.
            online_meeting_pin: Its PIN.
            recurrence: A [`Recurrence`][graphlink.models.Recurrence] (or its Graph JSON);
                its range starts on the event's first day unless it says otherwise.
            transaction_id: Graph's ``transactionId`` (generated when omitted): the same on
                every attempt, so a retried create never books twice.
        """
        return await self._transport.call(
            ops.event_create(
                title,
                event_start,
                event_end,
                description=description,
                attendees=attendees,
                location=location,
                timezone=timezone,
                user_id=user_id,
                calendar_id=calendar_id,
                online_meeting_provider=online_meeting_provider,
                online_meeting_id=online_meeting_id,
                online_meeting_url=online_meeting_url,
                online_meeting_sip=online_meeting_sip,
                online_meeting_phones=online_meeting_phones,
                online_meeting_pin=online_meeting_pin,
                recurrence=recurrence,
                transaction_id=transaction_id,
                account=self._account,
                conference_type=self._conference_type,
            )
        )

    async def create_many(
        self, bookings: Iterable[Mapping[str, Any]]
    ) -> builtins.list[Event | GraphError]:
        """Book many events (across many rooms) in ``$batch`` calls; results in input order.

        Each booking is the keyword arguments of
        [`create`][graphlink.resources.AsyncEvents.create] (``title``, ``event_start``, ...).
        Every booking is checked before anything is sent; then each result is the
        [`Event`][graphlink.models.Event], or that booking's typed error (a throttled one
        is retried after its ``Retry-After``; one failure never hides the others).
        """
        batch = AsyncBatch(self._transport, self._config)
        handles = [batch.events.create(**dict(booking)) for booking in bookings]
        await batch.send()
        out: builtins.list[Event | GraphError] = []
        for handle in handles:
            try:
                out.append(handle.result())
            except GraphError as error:
                out.append(error)
        return out

    async def update(
        self, calendar_id: str, event_id: str, *, user_id: str | None = None, **changes: Any
    ) -> Event:
        """Change an event: a PATCH with only the properties named in ``changes``.

        ``changes`` takes [`create`][graphlink.resources.AsyncEvents.create]'s names
        (``title``, ``description``, ``event_start``, ``event_end``, ``timezone``,
        ``attendees``, ``location``, ``recurrence``) or the event's (``sensitivity``,
        ``show_as``, ``categories``, ...); ``attendees=[]`` removes every attendee.
        """
        return await self._transport.call(
            ops.event_update(
                calendar_id, event_id, user_id=user_id, account=self._account, **changes
            )
        )

    async def accept(
        self,
        calendar_id: str,
        event_id: str,
        *,
        user_id: str | None = None,
        notify: bool = False,
        comment: str | None = None,
    ) -> None:
        """Accept an invitation; the organizer is told only when ``notify``."""
        await self._transport.call(
            ops.event_respond(
                calendar_id,
                event_id,
                "accept",
                notify=notify,
                comment=comment,
                user_id=user_id,
                account=self._account,
            )
        )

    async def decline(
        self,
        calendar_id: str,
        event_id: str,
        *,
        user_id: str | None = None,
        notify: bool = False,
        comment: str | None = None,
    ) -> None:
        """Decline an invitation (it leaves the calendar).

        Graph refuses a decline from the organizer: then, as the driver does, the event is
        cancelled with ``comment`` instead (its attendees are told).
        """
        decline = ops.event_respond(
            calendar_id,
            event_id,
            "decline",
            notify=notify,
            comment=comment,
            user_id=user_id,
            account=self._account,
        )
        try:
            await self._transport.call(decline)
        except BadRequestError as refused:
            try:
                organises = await self._organises(calendar_id, event_id, user_id)
            except GraphError as check:
                refused.add_note(
                    f"graphlink could not tell whether the mailbox organises it: {check}"
                )
                raise refused from None
            if not organises:
                raise
            await self.cancel(calendar_id, event_id, user_id=user_id, comment=comment)

    async def cancel(
        self,
        calendar_id: str,
        event_id: str,
        *,
        user_id: str | None = None,
        comment: str | None = None,
    ) -> None:
        """Cancel a meeting the mailbox organises; attendees get the cancellation."""
        await self._transport.call(
            ops.event_cancel(
                calendar_id, event_id, comment=comment, user_id=user_id, account=self._account
            )
        )

    async def delete(
        self,
        calendar_id: str,
        event_id: str,
        *,
        user_id: str | None = None,
        notify: bool = False,
        comment: str | None = None,
    ) -> None:
        """Remove an event from the calendar.

        With ``notify``, an event the mailbox organises is cancelled with ``comment`` (its
        attendees are told why) rather than silently deleted.
        """
        delete = ops.event_delete(calendar_id, event_id, user_id=user_id, account=self._account)
        # Checked before any request: a truthy "no" must not cancel a meeting.
        optional_text(comment, "comment")
        if check_flag(notify, "notify") and await self._organises(calendar_id, event_id, user_id):
            await self.cancel(calendar_id, event_id, user_id=user_id, comment=comment)
            return
        try:
            await self._transport.call(delete)
        except NotFoundError as error:
            if not error.maybe_processed:
                raise
            # An earlier attempt deleted it, and its answer was lost: the call succeeded.

    def instances(
        self,
        calendar_id: str,
        event_id: str,
        start: Time,
        end: Time,
        *,
        user_id: str | None = None,
        time_zone: str | None = None,
    ) -> AsyncPaginator[Event]:
        """The occurrences of a recurring series in a window, every page."""
        return self._transport.paginate(
            ops.event_instances(
                calendar_id,
                event_id,
                start,
                end,
                time_zone=time_zone,
                user_id=user_id,
                account=self._account,
            )
        )

    async def delta(
        self,
        calendar_id: str,
        start: Time,
        end: Time,
        *,
        delta_link: str | None = None,
        user_id: str | None = None,
        time_zone: str | None = None,
    ) -> Delta[Event]:
        """What changed in a window of a calendar since ``delta_link`` (``calendarView/delta``).

        Without a link, every event (and occurrence) in the window: a full sync. Store the
        returned ``delta_link`` (a string: a file, a database) and pass it next time, with
        the same window, for only what was created, changed (``changed``) or deleted
        (``removed``) since. When Graph no longer knows the link (410, ``syncStateNotFound``:
        Outlook's links expire unpredictably), a full sync of the window is returned with
        ``resynced=True``: replace your copy rather than patch it.

        Args:
            calendar_id: A mailbox address (its default calendar) or a calendar id.
            start: The window's start: an aware datetime or Unix seconds (used by the
                first round; later rounds resume from the link).
            end: The window's end.
            delta_link: The ``delta_link`` of the previous round.
            user_id: The mailbox of a calendar id (``service_account`` when omitted).
            time_zone: An IANA or Windows zone for the events' times (else UTC).
        """
        first = ops.event_delta(
            calendar_id, start, end, time_zone=time_zone, user_id=user_id, account=self._account
        )
        from graphlink.resources._async._delta import delta_round  # loaded by the first round

        return await delta_round(self._transport, first, delta_link, parse.models(Event))

    async def _organises(self, calendar_id: str, event_id: str, user_id: str | None) -> bool:
        return await self._transport.call(
            ops.event_is_organised(calendar_id, event_id, user_id=user_id, account=self._account)
        )


class AsyncRooms:
    """The tenant's rooms and room lists (``client.rooms``; ``Place.Read.All``)."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    def list(self) -> AsyncPaginator[Room]:
        """Every room, every page."""
        return self._transport.paginate(cal.room_list())

    def lists(self) -> AsyncPaginator[RoomList]:
        """Every room list (building), every page."""
        return self._transport.paginate(cal.room_lists())

    def in_list(self, room_list_email: str) -> AsyncPaginator[Room]:
        """The rooms of one room list, named by its email address, every page."""
        return self._transport.paginate(cal.rooms_in_list(room_list_email))
