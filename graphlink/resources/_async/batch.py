"""``client.batch()``: many requests in few ``$batch`` calls, retried item by item.

This is the async source (``resources/_sync/batch.py`` is generated from it: edit here).
Queueing is pure (``resources/_handles.py``); packing and reading answers too
(``resources/_batch.py``); this module sends the calls and settles the handles.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Any, Self, TypeVar

import attrs

from graphlink._config import GraphConfig
from graphlink._core import parse
from graphlink._core.request import Operation, Params, RequestSpec
from graphlink._transport._async import AsyncTransport
from graphlink._transport._io_async import gather
from graphlink.errors import GraphError, ValidationError
from graphlink.resources import _batch
from graphlink.resources._handles import BatchEvents, BatchGroups, BatchMail, BatchUsers, Handle

__all__ = ["AsyncBatch"]

T = TypeVar("T")


class AsyncBatch:
    """Requests queued now, sent together in ``$batch`` calls of at most 20.

    Use it as ``async with client.batch() as batch:``; the namespaces mirror the client's
    (``batch.events.create(...)``, ``batch.users.get(...)``, ``batch.mail.send(...)``,
    ``batch.request(...)``) and each returns a [`Handle`][graphlink.resources.Handle]. When
    the block ends, the queue is sent: calls of at most 20 requests (dependent requests in
    the same call, at most 4 of one mailbox per call), answers matched by id, and every
    handle settled. A request Graph throttled (429, or 503 with ``Retry-After``) is sent
    again in a later call once its own ``Retry-After`` has passed, with the requests that
    depend on it; those that succeeded are never sent again. ``send()`` sends early.
    """

    def __init__(self, transport: AsyncTransport, config: GraphConfig) -> None:
        self._transport = transport
        self._queue: list[tuple[_batch.Item, Handle[Any]]] = []
        self._queued: dict[str, Handle[Any]] = {}
        self._chains: dict[str, list[_batch.Item]] = {}
        self._count = 0
        self._slots = _batch.mailbox_slots(transport.limiter)
        queue = self._add
        self.events = BatchEvents(
            queue, config.service_account, {"conference_type": config.conference_type}
        )
        """``client.events``' requests, queued."""
        self.users = BatchUsers(queue, config.service_account, {})
        """``client.users.get``, queued."""
        self.groups = BatchGroups(queue, config.service_account, {})
        """``client.groups.get``, queued."""
        self.mail = BatchMail(queue, config.sender, {})
        """``client.mail.send``, queued."""

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        idempotent: bool | None = None,
        depends_on: Handle[Any] | Iterable[Handle[Any]] | None = None,
    ) -> Handle[Any]:
        """Queue any Graph request (as ``client.request``); its result is the JSON body.

        ``idempotent`` overrides the method's default, as on ``client.request``: a call
        whose requests are all idempotent may be repeated after a lost answer.
        """
        spec = RequestSpec(method=method, url=path, params=params, headers=headers, json=json)
        if idempotent is not None:
            spec = attrs.evolve(spec, idempotent=bool(idempotent))
        return self._add(Operation(spec=spec, parse=parse.raw), depends_on)

    def _add(
        self, operation: Operation[T], depends_on: Handle[Any] | Iterable[Handle[Any]] | None
    ) -> Handle[T]:
        """Queue one request (every namespace comes here)."""
        _batch.check_batchable(operation.spec)
        after = _handles(depends_on)
        for earlier in after:
            # By identity: every batch numbers its requests from 1.
            if self._queued.get(earlier.id) is not earlier:
                raise ValidationError(
                    "depends_on takes handles of requests queued in this batch and not yet sent"
                )
        self._count += 1
        handle: Handle[T] = Handle(str(self._count))
        item = _batch.Item(handle.id, operation, tuple(h.id for h in after))
        # The chain this request joins, refused now (not at send time) if no call can carry it.
        chain: list[_batch.Item] = []
        joined: set[int] = set()
        for earlier in after:
            group = self._chains[earlier.id]
            if id(group) not in joined:  # two dependencies may share a chain
                joined.add(id(group))
                chain += group
        chain.append(item)
        _batch.pack(chain, mailbox_slots=self._slots)
        for member in chain:
            self._chains[member.id] = chain
        self._queued[handle.id] = handle
        self._queue.append((item, handle))
        return handle

    async def send(self) -> None:
        """Send everything queued so far, and settle its handles.

        If sending stops half-way (cancelled, or a failure that is not a Graph error),
        every request not yet settled gets a [`BatchError`][graphlink.errors.BatchError]
        saying it may have run (``maybe_processed``), and the interruption is raised.
        """
        pending, self._queue = self._queue, []
        self._queued, self._chains = {}, {}
        handles = {item.id: handle for item, handle in pending}
        try:
            await self._send(pending, handles)
        except BaseException as stop:
            for item, handle in pending:
                if not handle.done():
                    handle._fail(_batch.interrupted(item, stop))
            raise

    async def _send(
        self, pending: list[tuple[_batch.Item, Handle[Any]]], handles: dict[str, Handle[Any]]
    ) -> None:
        clock, policy = self._transport.clock, self._transport.retry
        start = clock.now()
        attempts: dict[str, int] = {}
        ready: dict[str, float] = {item.id: start for item, _ in pending}
        items = [item for item, _ in pending]
        while items:
            # Each request goes again once its own Retry-After has passed: the round takes
            # those that are ready, after sleeping until the first of them is.
            first = min(ready[i.id] for i in items)
            if first > clock.now():
                await clock.sleep(first - clock.now())
            now = clock.now()
            due = [i for i in items if ready[i.id] <= now]
            later = [i for i in items if ready[i.id] > now]
            calls = _batch.pack(due, mailbox_slots=self._slots)
            left = None if policy.deadline is None else policy.deadline - (now - start)
            rounds = await gather(
                self._send_call(call, handles, attempts, ready, left) for call in calls
            )
            items = _batch.unlink_settled(later + [item for again in rounds for item in again])

    async def _send_call(
        self,
        call: list[_batch.Item],
        handles: dict[str, Handle[Any]],
        attempts: dict[str, int],
        ready: dict[str, float],
        time_left: float | None,
    ) -> list[_batch.Item]:
        """One ``$batch`` call; the items to send again (throttled, and what waited on them)."""
        for item in call:
            attempts[item.id] = attempts.get(item.id, 0) + 1
        try:
            body = await self._transport.send(_batch.batch_spec(call))
            answers = _batch.read_answers(body, call)
        except GraphError as error:  # the call as a whole failed: so did each request in it
            for item in call:
                handles[item.id]._fail(_batch.call_failed(item, error))
            return []
        policy, clock = self._transport.retry, self._transport.clock
        again, settled = _batch.judge_call(
            call,
            answers,
            attempts,
            max_retries=policy.max_retries,
            max_retry_after=policy.max_retry_after,
            time_left=time_left,
        )
        for item_id, verdict in settled.items():
            if verdict.error is not None:
                handles[item_id]._fail(verdict.error)
            else:
                handles[item_id]._resolve(verdict.result)
        now = clock.now()
        for item in call:  # in queue order: what an item depends on comes first
            wait = again.get(item.id)
            if wait is None:
                continue
            # A request waiting on another goes with it, never before it.
            ready[item.id] = max([now + wait] + [ready[d] for d in item.depends_on if d in again])
            if wait:  # everyone sending to this mailbox holds off too
                await self._transport.limiter.acooldown(item.spec.key, now + wait, now)
        return [item for item in call if item.id in again]

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            await self.send()
        # After an exception in the block nothing is sent: half of what was meant could be
        # worse than none. The handles stay unsent.


def _handles(depends_on: Handle[Any] | Iterable[Handle[Any]] | None) -> list[Handle[Any]]:
    if depends_on is None:
        return []
    if isinstance(depends_on, Handle):
        return [depends_on]
    found = list(depends_on)
    if not all(isinstance(h, Handle) for h in found):
        raise ValidationError("depends_on takes a handle, or a list of handles")
    return found
