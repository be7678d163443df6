"""``client.mail``: send mail, plain or from the client's templates.

This is the async source (``resources/_sync/mail.py`` is generated from it: edit here).
"""

from __future__ import annotations

from collections.abc import Iterable

from graphlink._config import GraphConfig
from graphlink._transport._async import AsyncTransport
from graphlink.errors import GraphError
from graphlink.models import Attachment
from graphlink.resources import _mail as ops
from graphlink.templates import TemplateArgs, TemplateName, render

__all__ = ["AsyncMail"]

#: A recipient: ``"addr"``, ``"Name <addr>"`` or ``(name, addr)``.
Recipient = str | tuple[str | None, str]
Recipients = Recipient | Iterable[Recipient]


class AsyncMail:
    """Sending mail (``client.mail``; application permission ``Mail.Send``)."""

    def __init__(self, transport: AsyncTransport, config: GraphConfig) -> None:
        self._transport = transport
        self._sender = config.sender
        self._templates = config.email_templates

    async def send(
        self,
        to: Recipients,
        subject: str,
        *,
        message_plaintext: str | None = None,
        message_html: str | None = None,
        resource_attachments: Iterable[Attachment] = (),
        attachments: Iterable[Attachment] = (),
        cc: Recipients = (),
        bcc: Recipients = (),
        from_: Recipient | list[Recipient] | None = None,
        reply_to: Recipients | None = None,
        save_to_sent_items: bool = True,
    ) -> None:
        """Send a mail (the driver's ``send_mail``), never twice.

        A message over Graph's 4 MB request limit is sent the long way (a draft, its large
        attachments uploaded in chunks, then ``send``) without anything to do on your side.
        A ``sendMail`` is retried only when Graph provably did not act on it (429, a 503
        with ``Retry-After``, a connection that failed before sending); after a 5xx or a
        timeout once it was sent, the error has ``maybe_processed`` set and its message
        says the mail may have been sent.

        Args:
            to: Recipients: ``"addr"``, ``"Name <addr>"``, ``(name, addr)``, or a list.
            subject: The subject (no CR or LF).
            message_plaintext: A text body.
            message_html: An HTML body; it wins when both are given (the driver's rule).
            resource_attachments: Inline attachments, shown where the HTML says
                ``cid:<content_id>`` (the name when no ``content_id`` is given).
            attachments: Ordinary attachments.
            cc: Copy recipients.
            bcc: Blind copy recipients.
            from_: The sending mailbox (the first, if a list); else the client's
                ``mailer_from``, else its ``service_account``.
            reply_to: Where replies go (the driver dropped it; graphlink sends it).
            save_to_sent_items: Keep a copy in the sender's Sent Items. A message sent the
                long way (over 4 MB) is always kept: Graph's draft route saves it, and
                ``False`` is refused for it rather than ignored.

        Raises:
            ValidationError: Before any request: an address that is not one, no
                recipient at all, CR or LF in the subject or a display name, ...
        """
        plan = ops.mail_plan(
            to,
            subject,
            message_plaintext=message_plaintext,
            message_html=message_html,
            resource_attachments=resource_attachments,
            attachments=attachments,
            cc=cc,
            bcc=bcc,
            from_=from_,
            reply_to=reply_to,
            save_to_sent_items=save_to_sent_items,
            default_sender=self._sender,
        )
        if plan.direct:
            await self._transport.call(ops.send_mail(plan))
            return
        # The draft route, step by step: each step is retried on its own, and a step that
        # may have acted (the send) is never repeated.
        message_id = await self._transport.call(ops.draft_create(plan))
        for attachment in plan.attachments:
            await self._transport.call(ops.attachment_add(plan.sender, message_id, attachment))
        for number, attachment in enumerate(plan.large, 1):
            url = await self._transport.call(
                ops.upload_session(plan.sender, message_id, attachment)
            )
            chunks = ops.upload_chunks(plan.sender, url, attachment)
            for index, chunk in enumerate(chunks, 1):
                try:
                    await self._transport.call(chunk)
                except GraphError as error:
                    last = index == len(chunks)
                    if not ops.stored_before(error, last=last):
                        raise
                    if last:  # the session closed: complete, if the draft shows it
                        listing = ops.attachments_of(plan.sender, message_id)
                        found = await self._transport.paginate(listing).to_list()
                        added = [*plan.attachments, *plan.large[:number]]
                        if not ops.has_attachment(found, added):
                            raise
        await self._transport.call(ops.draft_send(plan.sender, message_id))

    async def send_template(
        self,
        to: Recipients,
        template: TemplateName,
        args: TemplateArgs,
        *,
        resource_attachments: Iterable[Attachment] = (),
        attachments: Iterable[Attachment] = (),
        cc: Recipients = (),
        bcc: Recipients = (),
        from_: Recipient | list[Recipient] | None = None,
        reply_to: Recipients | None = None,
    ) -> None:
        """Send one of the client's ``email_templates`` (the driver's ``send_template``).

        ``%{key}`` placeholders are filled from ``args``; values substituted into the HTML
        are escaped (wrap a trusted fragment in
        [`templates.trusted`][graphlink.templates.trusted]), the subject and text are not.

        Args:
            to: Recipients, as for [`send`][graphlink.resources.AsyncMail.send].
            template: ``("visitor", "checkin")`` or ``"visitor.checkin"``.
            args: The placeholders' values.
            resource_attachments: Inline attachments (``cid:`` in the HTML).
            attachments: Ordinary attachments.
            cc: Copy recipients.
            bcc: Blind copy recipients.
            from_: The sending mailbox; else ``mailer_from``, else ``service_account``.
            reply_to: Where replies go.

        Raises:
            TemplateNotFound: No such template (the message lists those configured).
        """
        rendered = render(self._templates, template, args)
        await self.send(
            to,
            rendered.subject,
            message_plaintext=rendered.text,
            message_html=rendered.html,
            resource_attachments=resource_attachments,
            attachments=attachments,
            cc=cc,
            bcc=bcc,
            from_=from_,
            reply_to=reply_to,
        )
