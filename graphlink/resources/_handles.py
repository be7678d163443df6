"""What a batch hands back, and its namespaces (pure: queueing does no I/O).

``batch.events.create(...)`` takes the arguments of ``client.events.create`` and queues the
same request, returning a [`Handle`][graphlink.resources.Handle]; the batch sends the queue
when its ``with`` block ends (or on ``batch.send()``). The namespaces build their requests
with the same builders as the client's facades, so a request is the same whether it is
sent alone or in a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from graphlink._core import parse
from graphlink._core.request import Listing, Operation
from graphlink.errors import BatchError, GraphError, ValidationError
from graphlink.models import Event, Group, User
from graphlink.resources import _directory, _events, _mail

__all__ = ["BatchEvents", "BatchGroups", "BatchMail", "BatchUsers", "Handle", "Queue", "first_page"]

T = TypeVar("T")

#: How a namespace queues a request: ``queue(operation, depends_on) -> Handle``.
Queue = Callable[[Operation[Any], "Handle[Any] | Iterable[Handle[Any]] | None"], "Handle[Any]"]


class Handle(Generic[T]):
    """The result of one request queued in a batch, once the batch was sent.

    ``result()`` never does I/O: it returns the typed result, or raises that request's
    typed error (one failed request never hides the others).
    """

    def __init__(self, request_id: str) -> None:
        self.id = request_id
        """The request's id in the ``$batch`` (what ``dependsOn`` names)."""
        self._done = False
        self._value: T | None = None
        self._error: GraphError | None = None

    def done(self) -> bool:
        """Whether the batch has settled this request (with a result or an error)."""
        return self._done

    def result(self) -> T:
        """The request's result, or its error raised.

        Raises:
            BatchError: The batch has not been sent yet.
            GraphError: The request's own typed error (a 424 when a request it depends
                on failed).
        """
        if not self._done:
            raise BatchError(
                f"request {self.id} has not been sent: leave the batch's with block or call "
                "batch.send() first"
            )
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]  # set with _done by _resolve

    def _resolve(self, value: T) -> None:
        self._value, self._done = value, True

    def _fail(self, error: GraphError) -> None:
        self._error, self._done = error, True

    def __repr__(self) -> str:
        state = "pending" if not self._done else ("failed" if self._error else "done")
        return f"<Handle {self.id} {state}>"


def first_page(listing: Listing[T]) -> Operation[list[T]]:
    """A collection's first page as one operation (a batch cannot follow ``nextLink``)."""

    def read(body: Any) -> list[T]:
        items = body.get("value") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise parse.invalid("collection", "it has no value list")
        return listing.parse_items(items if listing.limit is None else items[: listing.limit])

    return Operation(spec=listing.spec, parse=read)


class _Namespace:
    def __init__(self, queue: Queue, account: str | None, extra: dict[str, Any]) -> None:
        self._queue = queue
        self._account = account
        self._extra = extra

    def _add(
        self, build: Callable[..., Operation[T]], *args: Any, depends_on: Any, **kwargs: Any
    ) -> Handle[T]:
        try:
            operation = build(*args, **kwargs)
        except TypeError as exc:  # an argument the client's method does not take
            raise ValidationError(str(exc)) from None
        handle: Handle[T] = self._queue(operation, depends_on)
        return handle


class BatchEvents(_Namespace):
    """``batch.events``: the requests of ``client.events``, queued.

    Every method takes the arguments of the client's method of the same name, plus
    ``depends_on=`` (a handle, or handles, to run after).
    """

    def create(self, *args: Any, depends_on: Any = None, **kwargs: Any) -> Handle[Event]:
        """Queue ``events.create`` (its transactionId is kept across retries)."""
        return self._add(
            _events.event_create,
            *args,
            depends_on=depends_on,
            account=self._account,
            conference_type=self._extra.get("conference_type"),
            **kwargs,
        )

    def list(self, *args: Any, depends_on: Any = None, **kwargs: Any) -> Handle[list[Event]]:
        """Queue ``events.list``: the first page (up to 1,000 events) of the window."""
        listing = _events.event_list(*args, account=self._account, **kwargs)
        return self._add(first_page, listing, depends_on=depends_on)

    def get(self, *args: Any, depends_on: Any = None, **kwargs: Any) -> Handle[Event]:
        """Queue ``events.get``."""
        return self._add(
            _events.event_get, *args, depends_on=depends_on, account=self._account, **kwargs
        )

    def update(self, *args: Any, depends_on: Any = None, **kwargs: Any) -> Handle[Event]:
        """Queue ``events.update``."""
        return self._add(
            _events.event_update, *args, depends_on=depends_on, account=self._account, **kwargs
        )

    def accept(self, *args: Any, depends_on: Any = None, **kwargs: Any) -> Handle[None]:
        """Queue ``events.accept``."""
        return self._respond("accept", *args, depends_on=depends_on, **kwargs)

    def decline(self, *args: Any, depends_on: Any = None, **kwargs: Any) -> Handle[None]:
        """Queue ``events.decline`` (in a batch, an organizer's decline is Graph's error,
        not the client's fallback to cancel: use ``cancel``)."""
        return self._respond("decline", *args, depends_on=depends_on, **kwargs)

    def cancel(self, *args: Any, depends_on: Any = None, **kwargs: Any) -> Handle[None]:
        """Queue ``events.cancel``."""
        return self._add(
            _events.event_cancel, *args, depends_on=depends_on, account=self._account, **kwargs
        )

    def delete(self, *args: Any, depends_on: Any = None, **kwargs: Any) -> Handle[None]:
        """Queue ``events.delete`` (without ``notify``: that needs a lookup first)."""
        return self._add(
            _events.event_delete, *args, depends_on=depends_on, account=self._account, **kwargs
        )

    def _respond(
        self,
        response: str,
        calendar_id: Any,
        event_id: Any,
        *,
        depends_on: Any = None,
        **kwargs: Any,
    ) -> Handle[None]:
        return self._add(
            _events.event_respond,
            calendar_id,
            event_id,
            response,
            depends_on=depends_on,
            account=self._account,
            **kwargs,
        )


class BatchUsers(_Namespace):
    """``batch.users``: ``get`` queued (an email is looked up by mail or UPN)."""

    def get(self, user_id: str, *, select: Any = None, depends_on: Any = None) -> Handle[User]:
        """Queue ``users.get``."""
        by_mail = _directory.is_email(_directory.check_reference(user_id, "user_id"))
        build = _directory.user_by_mail if by_mail else _directory.user_get
        return self._add(build, user_id, select=select, depends_on=depends_on)


class BatchGroups(_Namespace):
    """``batch.groups``: ``get`` queued."""

    def get(self, group_id: str, *, select: Any = None, depends_on: Any = None) -> Handle[Group]:
        """Queue ``groups.get``."""
        by_mail = _directory.is_email(_directory.check_reference(group_id, "group_id"))
        build = _directory.group_by_mail if by_mail else _directory.group_get
        return self._add(build, group_id, select=select, depends_on=depends_on)


class BatchMail(_Namespace):
    """``batch.mail``: ``send`` queued (a message that fits one request)."""

    def send(self, *args: Any, depends_on: Any = None, **kwargs: Any) -> Handle[None]:
        """Queue ``mail.send``.

        Raises:
            ValidationError: The message needs Graph's draft route (over 4 MB, or an
                attachment of 3 MB or more), which a batch cannot carry: send it alone.
        """

        def build(*a: Any, **k: Any) -> Operation[None]:
            plan = _mail.mail_plan(*a, default_sender=self._account, **k)
            if not plan.direct:
                raise ValidationError(
                    "this mail is too large for a $batch (over 4 MB, or an attachment of "
                    "3 MB or more): send it with client.mail.send"
                )
            return _mail.send_mail(plan)

        return self._add(build, *args, depends_on=depends_on, **kwargs)
