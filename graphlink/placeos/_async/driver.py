"""The PlaceOS "Microsoft Graph API" driver's commands, on a graphlink client.

This is the async source (``placeos/_sync/driver.py`` is generated from it: edit here).
Each command converts the driver's JSON arguments, makes the SDK call and answers in the
driver's JSON (``to_placeos()`` shapes, times in Unix seconds).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from graphlink import AsyncGraphClient, qr, templates
from graphlink.errors import ValidationError
from graphlink.placeos._commands import (
    AttachmentJSON,
    AttendeeJSON,
    TemplateValue,
    attachments_in,
    attendees_in,
    check_call,
    command,
    template_name,
)
from graphlink.placeos._shapes import rfc3339

__all__ = ["AsyncPlaceOSDriver"]


def _sender(value: str | Sequence[str] | None) -> str | None:
    """The driver's ``from``: an address, or a list whose first address sends."""
    if value is None or isinstance(value, str):
        return value
    return value[0] if value else None


class AsyncPlaceOSDriver:
    """The PlaceOS Graph driver, command for command, on a graphlink client.

    One method per command of the driver, with the driver's parameter names and defaults
    (``from_`` for ``from``); arguments and results are the driver's JSON: times in Unix
    seconds, users, groups, calendars and events in their ``to_placeos()`` shapes. What
    happens in between is graphlink's: every page read, throttling retried, display names
    kept, all-day events a day long. On the asyncio driver every command is a coroutine;
    on the blocking one a plain call.

    [`execute`][graphlink.placeos.AsyncPlaceOSDriver.execute] runs a command by name with
    a JSON object of arguments, as PlaceOS does.

    Args:
        client: The client the commands run on (left open by
            [`close`][graphlink.placeos.AsyncPlaceOSDriver.close]).
    """

    def __init__(self, client: AsyncGraphClient) -> None:
        self.client = client
        """The client the commands run on."""
        self._owns_client = False

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], **client_overrides: Any) -> Self:
        """A driver on a new client built from the driver's settings JSON, unchanged.

        Args:
            settings: ``calendar_service_account``, ``calendar_config{tenant, client_id,
                client_secret, conference_type}``, ``rate_limit``, ``mailer_from``,
                ``email_templates``.
            **client_overrides: Client constructor arguments that win over the settings
                (``http_client``, ``retry``, a credential, ...).
        """
        driver = cls(AsyncGraphClient.from_placeos_settings(settings, **client_overrides))
        driver._owns_client = True
        return driver

    @property
    def status(self) -> dict[str, bool]:
        """The driver's status: ``{"connected": bool}`` (true after a successful request)."""
        return {"connected": self.client.connected}

    async def execute(self, command: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run a command by name with the driver's JSON arguments; returns its JSON result.

        ``args`` uses the driver's names (``"from"``; ``"from_"`` is accepted too).
        Everything is checked before any request: turn what this raises into the
        driver's error answer with [`error_json`][graphlink.placeos.error_json].

        Raises:
            ValidationError: An unknown command, an unknown or missing argument, or an
                argument of the wrong JSON type (the message names it).
            GraphError: The command failed (a [`GraphAPIError`][graphlink.errors.GraphAPIError]
                carries Graph's status and code).
        """
        name, keywords = check_call(type(self), command, args)
        return await getattr(self, name)(**keywords)

    def _account(self, name: str) -> str:
        account = self.client.config.service_account
        if not account:
            raise ValidationError(f"{name} is required when no calendar_service_account is set")
        return account

    # ------------------------------------------------------------ queue and QR codes

    @command
    async def queue_size(self) -> int:
        """How many calls wait in the rate limiter now."""
        return self.client.queue_size

    @command
    async def in_flight_size(self) -> int:
        """How many calls are being sent to Graph now."""
        return self.client.in_flight_size

    @command
    async def generate_svg_qrcode(self, text: str) -> str:
        """A QR code encoding ``text``, as an SVG document."""
        return qr.svg(text)

    @command
    async def generate_png_qrcode(self, text: str, size: int = 128) -> str:
        """A QR code encoding ``text``, as a Base64 PNG of ``size`` × ``size`` pixels."""
        return qr.png(text, size)

    # ------------------------------------------------------------ mail and tokens

    @command
    async def send_mail(
        self,
        to: str | Sequence[str],
        subject: str,
        message_plaintext: str | None = None,
        message_html: str | None = None,
        resource_attachments: Sequence[AttachmentJSON] = (),
        attachments: Sequence[AttachmentJSON] = (),
        cc: str | Sequence[str] = (),
        bcc: str | Sequence[str] = (),
        from_: str | Sequence[str] | None = None,
        reply_to: str | Sequence[str] | None = None,
    ) -> bool:
        """Send an email (HTML wins over plain text); answers true.

        Args:
            to: An address or a list of them.
            subject: The subject line.
            message_plaintext: A text body.
            message_html: An HTML body.
            resource_attachments: Inline attachments ``{file_name, content (Base64),
                content_id}``, shown where the HTML says ``cid:<content_id>``.
            attachments: Ordinary attachments ``{file_name, content (Base64)}``.
            cc: Copy recipients.
            bcc: Blind copy recipients.
            from_: The sending mailbox (the first, if a list); else ``mailer_from``, else
                the service account.
            reply_to: Where replies go.

        Raises:
            ValidationError: Neither body is given (the seed: one of them is required).
        """
        if not message_plaintext and not message_html:
            raise ValidationError("send_mail needs message_plaintext or message_html")
        await self.client.mail.send(
            to,
            subject,
            message_plaintext=message_plaintext,
            message_html=message_html,
            resource_attachments=attachments_in(resource_attachments, "resource_attachments"),
            attachments=attachments_in(attachments, "attachments"),
            cc=cc,
            bcc=bcc,
            from_=_sender(from_),
            reply_to=reply_to,
        )
        return True

    @command
    async def send_template(
        self,
        to: str | Sequence[str],
        template: str | Sequence[str] | Mapping[str, str],
        args: Mapping[str, TemplateValue],
        resource_attachments: Sequence[AttachmentJSON] = (),
        attachments: Sequence[AttachmentJSON] = (),
        cc: str | Sequence[str] = (),
        bcc: str | Sequence[str] = (),
        from_: str | Sequence[str] | None = None,
        reply_to: str | Sequence[str] | None = None,
    ) -> bool:
        """Send one of the ``email_templates``, its ``%{key}`` placeholders filled; answers true.

        Args:
            to: An address or a list of them.
            template: ``"visitor.checkin"``, ``["visitor", "checkin"]`` or
                ``{"event_name": "visitor", "notify_who": "checkin"}``.
            args: The placeholders' values.
            resource_attachments: Inline attachments, as for ``send_mail``.
            attachments: Ordinary attachments, as for ``send_mail``.
            cc: Copy recipients.
            bcc: Blind copy recipients.
            from_: The sending mailbox; else ``mailer_from``, else the service account.
            reply_to: Where replies go.
        """
        await self.client.mail.send_template(
            to,
            template_name(template),
            args,
            resource_attachments=attachments_in(resource_attachments, "resource_attachments"),
            attachments=attachments_in(attachments, "attachments"),
            cc=cc,
            bcc=bcc,
            from_=_sender(from_),
            reply_to=reply_to,
        )
        return True

    @command
    async def build_template(
        self, string: str | None, args: Mapping[str, TemplateValue]
    ) -> str | None:
        """``string`` with every ``%{key}`` replaced by ``args[key]`` (null stays null)."""
        return templates.build_template(string, args)

    @command
    async def access_token(self, user_id: str | None = None) -> dict[str, str | None]:
        """The app's access token: ``{"token", "expires"}`` (RFC 3339 UTC, or null).

        ``user_id`` is accepted for the driver's signature: an app-only token serves every
        mailbox.
        """
        token = await self.client.access_token()
        return {"token": token.token, "expires": rfc3339(token.expires)}

    # ------------------------------------------------------------ directory

    @command
    async def list_users(
        self, query: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Enabled users (every page); each word of ``query`` must start a name or the mail."""
        return [u.to_placeos() async for u in self.client.users.list(query, limit)]

    @command
    async def get_user(self, user_id: str) -> dict[str, Any]:
        """A user by email address, user principal name or id."""
        user = await self.client.users.get(user_id)
        return user.to_placeos()

    @command
    async def get_user_manager(self, user_id: str) -> dict[str, Any]:
        """The user's manager."""
        manager = await self.client.users.manager(user_id)
        return manager.to_placeos()

    @command
    async def get_groups(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """The groups the user belongs to, nested ones included (the service account's
        when ``user_id`` is omitted)."""
        mailbox = user_id if user_id is not None else self._account("user_id")
        return [g.to_placeos() async for g in self.client.users.groups(mailbox)]

    @command
    async def list_groups(self, query: str | None = None) -> list[dict[str, Any]]:
        """Groups (every page); ``query`` matches the start of the name."""
        return [g.to_placeos() async for g in self.client.groups.list(query)]

    @command
    async def get_group(self, group_id: str) -> dict[str, Any]:
        """A group by id or email address."""
        group = await self.client.groups.get(group_id)
        return group.to_placeos()

    @command
    async def get_members(self, group_id: str | None = None) -> list[dict[str, Any]]:
        """The users who are direct members of the group (id or email address), every page."""
        if group_id is None:
            raise ValidationError("get_members: group_id is required")
        return [
            m.to_placeos() async for m in self.client.groups.members(group_id) if m.type == "user"
        ]

    # ------------------------------------------------------------ calendars and events

    @command
    async def list_calendars(self, user_id: str) -> list[dict[str, Any]]:
        """The user's calendars (every page): ``{id, ref, summary, primary, can_edit}``."""
        return [
            c.to_placeos(mailbox=(c.owner.address if c.owner is not None else None) or user_id)
            async for c in self.client.calendars.list(user_id)
        ]

    @command
    async def list_events(
        self,
        calendar_id: str,
        period_start: int,
        period_end: int,
        time_zone: str | None = None,
        user_id: str | None = None,
        include_cancelled: bool = False,
    ) -> list[dict[str, Any]]:
        """The events of a calendar in a window, recurring series expanded (every page).

        Args:
            calendar_id: A mailbox (user or room) address, or a calendar id of ``user_id``.
            period_start: The window's start, Unix seconds.
            period_end: The window's end, Unix seconds.
            time_zone: An IANA or Windows zone the events' times are read in (else UTC).
            user_id: The mailbox of a calendar id (the service account when omitted).
            include_cancelled: Keep cancelled meetings.
        """
        listing = self.client.events.list(
            calendar_id,
            period_start,
            period_end,
            time_zone=time_zone,
            user_id=user_id,
            include_cancelled=include_cancelled,
        )
        return [e.to_placeos() async for e in listing]

    @command
    async def create_event(
        self,
        title: str,
        event_start: int,
        event_end: int | None = None,
        description: str | None = None,
        attendees: str | Sequence[str | AttendeeJSON] = (),
        location: str | None = None,
        timezone: str | None = None,
        user_id: str | None = None,
        calendar_id: str | None = None,
        online_meeting_id: str | None = None,
        online_meeting_provider: str | None = None,
        online_meeting_url: str | None = None,
        online_meeting_sip: str | None = None,
        online_meeting_phones: str | Sequence[str] | None = None,
        online_meeting_pin: str | None = None,
    ) -> dict[str, Any]:
        """Book an event; answers it as ``list_events`` does.

        Args:
            title: The subject.
            event_start: The start, Unix seconds.
            event_end: The end, Unix seconds; omitted, an all-day event (one day long).
            description: The body, as HTML.
            attendees: Addresses (``"Name <addr>"`` keeps the name), or ``{email, name?,
                resource?, optional?}`` objects (rooms are ``resource: true``).
            location: The location's display name.
            timezone: The event's zone (IANA or Windows), else UTC.
            user_id: The mailbox of a calendar id (the service account when omitted).
            calendar_id: A mailbox (user or room) address, or a calendar id.
            online_meeting_id: A meeting made elsewhere: its id.
            online_meeting_provider: ``teamsForBusiness`` makes Graph create a Teams
                meeting; defaults to the settings' ``conference_type``.
            online_meeting_url: Its join URL.
            online_meeting_sip: Its SIP address.
            online_meeting_phones: Its dial-in numbers.
            online_meeting_pin: Its PIN.
        """
        phones = online_meeting_phones
        event = await self.client.events.create(
            title,
            event_start,
            event_end,
            description=description,
            attendees=attendees_in(attendees),
            location=location,
            timezone=timezone,
            user_id=user_id,
            calendar_id=calendar_id,
            online_meeting_provider=online_meeting_provider,
            online_meeting_id=online_meeting_id,
            online_meeting_url=online_meeting_url,
            online_meeting_sip=online_meeting_sip,
            online_meeting_phones=[phones] if isinstance(phones, str) else phones,
            online_meeting_pin=online_meeting_pin,
        )
        return event.to_placeos()

    @command
    async def delete_event(
        self,
        calendar_id: str,
        event_id: str,
        user_id: str | None = None,
        notify: bool = False,
        comment: str | None = None,
    ) -> bool:
        """Remove an event; with ``notify``, one the mailbox organises is cancelled
        (attendees told, with ``comment``). Answers true."""
        await self.client.events.delete(
            calendar_id, event_id, user_id=user_id, notify=notify, comment=comment
        )
        return True

    @command
    async def decline_event(
        self,
        calendar_id: str,
        event_id: str,
        user_id: str | None = None,
        notify: bool = False,
        comment: str | None = None,
    ) -> bool:
        """Decline an invitation (the organiser told only with ``notify``); a meeting the
        mailbox organises is cancelled instead. Answers true."""
        await self.client.events.decline(
            calendar_id, event_id, user_id=user_id, notify=notify, comment=comment
        )
        return True

    # ------------------------------------------------------------ lifetime

    async def close(self) -> None:
        """Close the client if [`from_settings`][graphlink.placeos.AsyncPlaceOSDriver.from_settings]
        made it (a client given to the constructor is left open)."""
        if self._owns_client:
            await self.client.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
