"""SubscriptionKeeper and AsyncSubscriptionKeeper on FakeGraph: create, renew before
expiry, reauthorize and recreate on lifecycle events, and a state that survives a restart."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from notify_support import EVENTS, HOUR, ROOM, SECRET, START, SVC, Receiver

from graphlink import errors
from graphlink.notifications import (
    AsyncSubscriptionKeeper,
    KeeperReport,
    LifecycleEvent,
    SubscriptionKeeper,
)
from graphlink.testing import FakeGraph

MINE = f"/users/{SVC}/events"


class Clock:
    """Wall time that moves only when told (it starts at the real now: FakeGraph and the
    client check expiries against the real clock)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


def keeper(r, receiver: Receiver, clock: Clock, resources=(EVENTS, MINE), **kw):
    kind = SubscriptionKeeper if r.mode == "sync" else AsyncSubscriptionKeeper
    kw.setdefault("lifetime", 2 * HOUR)
    return kind(r.client, receiver.url, resources, client_state=SECRET, clock=clock, **kw)


def _expiry(fake: FakeGraph, sid: str) -> datetime:
    sub = next(s for s in fake.subscriptions if s["id"] == sid)
    return datetime.fromisoformat(sub["expirationDateTime"].replace("Z", "+00:00"))


def test_ensure_subscribes_every_resource_once(fake, on_fake, receiver, clock) -> None:
    r = on_fake(fake)
    k = keeper(r, receiver, clock)
    report = r.run(k.ensure())
    assert report.created == (EVENTS, MINE)
    assert report.failed == ()
    assert sorted(s["resource"] for s in fake.subscriptions) == sorted([EVENTS, MINE])
    assert all(s["lifecycleNotificationUrl"] == receiver.url for s in fake.subscriptions)
    assert all(s["clientState"] == SECRET for s in fake.subscriptions)
    assert _expiry(fake, k.subscription_id(EVENTS)) == clock.now + 2 * HOUR
    assert r.run(k.ensure()) == KeeperReport()  # nothing due
    assert k.next_due() == clock.now + HOUR
    assert k.resources == [EVENTS, MINE]


def test_the_state_is_plain_data_without_the_secret(fake, on_fake, receiver, clock) -> None:
    r = on_fake(fake)
    k = keeper(r, receiver, clock)
    r.run(k.ensure())
    state = k.state()
    text = json.dumps(state)  # JSON-able as it is
    assert SECRET not in text
    assert state["version"] == 1
    entry = state["subscriptions"][EVENTS]
    assert entry["id"] == k.subscription_id(EVENTS)
    assert entry["notification_url"] == receiver.url
    assert entry["change_types"] == "created,updated,deleted"
    assert entry["expires"].endswith("Z")


def test_a_restarted_keeper_keeps_the_same_subscriptions(fake, on_fake, receiver, clock) -> None:
    r = on_fake(fake)
    first = keeper(r, receiver, clock)
    r.run(first.ensure())
    stored = json.loads(json.dumps(first.state()))  # a round trip through storage
    # "The process restarts": a new client and a keeper from the stored state alone.
    again = on_fake(fake)
    k = keeper(again, receiver, clock, resources=(), state=stored)
    assert k.resources == [EVENTS, MINE]
    assert again.run(k.ensure()) == KeeperReport()
    assert len(fake.subscriptions) == 2
    assert k.subscription_id(EVENTS) == first.subscription_id(EVENTS)


def test_subscriptions_are_renewed_before_they_expire(fake, on_fake, receiver, clock) -> None:
    r = on_fake(fake)
    k = keeper(r, receiver, clock)
    r.run(k.ensure())
    before = k.subscription_id(EVENTS)
    clock.advance(50 * timedelta(minutes=1))
    assert r.run(k.ensure()) == KeeperReport()  # 70 minutes left: not due
    clock.advance(15 * timedelta(minutes=1))
    report = r.run(k.ensure())
    assert report.renewed == (EVENTS, MINE)
    assert k.subscription_id(EVENTS) == before
    assert _expiry(fake, before) == clock.now + 2 * HOUR
    assert k.state()["subscriptions"][EVENTS]["expires"] == (
        (clock.now + 2 * HOUR).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    )


def test_a_subscription_gone_at_renewal_is_recreated(fake, on_fake, receiver, clock) -> None:
    r = on_fake(fake)
    k = keeper(r, receiver, clock, resources=(EVENTS,))
    r.run(k.ensure())
    old = k.subscription_id(EVENTS)
    r.run(r.client.subscriptions.delete(old))  # Graph lost it
    clock.advance(90 * timedelta(minutes=1))
    report = r.run(k.ensure())
    assert report.recreated == (EVENTS,)
    assert report.renewed == ()
    assert k.subscription_id(EVENTS) not in (None, old)
    assert [s["id"] for s in fake.subscriptions] == [k.subscription_id(EVENTS)]


def test_reauthorization_required_is_answered(fake, on_fake, receiver, clock) -> None:
    r = on_fake(fake)
    k = keeper(r, receiver, clock, resources=(EVENTS,))
    r.run(k.ensure())
    sid = k.subscription_id(EVENTS)
    fake.send_lifecycle(sid, "reauthorizationRequired")
    answer = receiver.answers[-1]
    r.run(r.client.events.create("Held", START, START + HOUR, attendees=[ROOM]))
    assert fake.deliver() == []  # paused until reauthorized
    report = r.run(k.handle_lifecycle(answer))
    assert report.reauthorized == (EVENTS,)
    assert k.subscription_id(EVENTS) == sid
    assert len(fake.deliver()) == 1
    reauthorized = [q for q in fake.requests if q.path.endswith("/reauthorize")]
    assert len(reauthorized) == 1


def test_reauthorization_of_a_subscription_due_anyway_renews_it(
    fake, on_fake, receiver, clock
) -> None:
    r = on_fake(fake)
    k = keeper(r, receiver, clock, resources=(EVENTS,))
    r.run(k.ensure())
    sid = k.subscription_id(EVENTS)
    fake.send_lifecycle(sid, "reauthorizationRequired")
    clock.advance(90 * timedelta(minutes=1))
    report = r.run(k.handle_lifecycle(receiver.lifecycle))
    assert report.renewed == (EVENTS,)
    assert report.reauthorized == ()
    assert _expiry(fake, sid) == clock.now + 2 * HOUR


def test_a_removed_subscription_is_recreated(fake, on_fake, receiver, clock) -> None:
    r = on_fake(fake)
    k = keeper(r, receiver, clock, resources=(EVENTS,))
    r.run(k.ensure())
    old = k.subscription_id(EVENTS)
    fake.send_lifecycle(old, "subscriptionRemoved")
    report = r.run(k.handle_lifecycle(receiver.answers[-1]))
    assert report.recreated == (EVENTS,)
    new = k.subscription_id(EVENTS)
    assert new != old
    assert [s["id"] for s in fake.subscriptions] == [new]
    assert receiver.answers[-1].is_validation  # the new one was validated again


def test_missed_notifications_are_reported_for_a_resync(fake, on_fake, receiver, clock) -> None:
    r = on_fake(fake)
    k = keeper(r, receiver, clock)
    r.run(k.ensure())
    fake.send_lifecycle(k.subscription_id(MINE), "missed")
    report = r.run(k.handle_lifecycle(receiver.answers[-1]))
    assert report.missed == (MINE,)
    assert len(fake.subscriptions) == 2


def test_events_for_other_subscriptions_are_ignored(fake, on_fake, receiver, clock) -> None:
    r = on_fake(fake)
    k = keeper(r, receiver, clock, resources=(EVENTS,))
    r.run(k.ensure())
    other = r.run(
        r.client.subscriptions.create(
            MINE,
            receiver.url,
            clock.now + HOUR,
            client_state=SECRET,
            lifecycle_notification_url=receiver.url,
        )
    )
    fake.send_lifecycle(other.id, "subscriptionRemoved")
    report = r.run(k.handle_lifecycle(receiver.answers[-1].lifecycle))
    assert report == KeeperReport(ignored=1)


def test_a_failure_is_reported_and_tried_again(fake, on_fake, receiver, clock) -> None:
    r = on_fake(fake)
    k = keeper(r, receiver, clock)
    receiver.break_echo = True
    report = r.run(k.ensure())
    assert report.created == ()
    assert [name for name, _ in report.failed] == [EVENTS, MINE]
    assert all(isinstance(e, errors.BadRequestError) for _, e in report.failed)
    assert k.state()["subscriptions"] == {}
    assert k.next_due() is None
    receiver.break_echo = False
    assert r.run(k.ensure()).created == (EVENTS, MINE)


def test_remove_delete_all_and_recreate(fake, on_fake, receiver, clock) -> None:
    r = on_fake(fake)
    k = keeper(r, receiver, clock)
    r.run(k.ensure())
    r.run(k.remove(MINE))
    assert k.resources == [EVENTS]
    assert [s["resource"] for s in fake.subscriptions] == [EVENTS]
    old = k.subscription_id(EVENTS)
    assert r.run(k.recreate()).recreated == (EVENTS,)
    assert k.subscription_id(EVENTS) != old
    r.run(k.delete_all())
    assert fake.subscriptions == []
    assert k.subscription_id(EVENTS) is None
    assert r.run(k.ensure()).created == (EVENTS,)


def test_a_new_notification_url_moves_the_subscriptions(fake, on_fake, receiver, clock) -> None:
    r = on_fake(fake)
    k = keeper(r, receiver, clock, resources=(EVENTS,))
    r.run(k.ensure())
    with Receiver() as moved:
        k2 = keeper(r, moved, clock, resources=(), state=k.state())
        assert r.run(k2.ensure()).recreated == (EVENTS,)
        [sub] = fake.subscriptions
        assert sub["notificationUrl"] == moved.url


def test_the_default_lifetime_is_graphs_maximum(fake, on_fake, receiver, clock) -> None:
    r = on_fake(fake)
    kind = SubscriptionKeeper if r.mode == "sync" else AsyncSubscriptionKeeper
    k = kind(r.client, receiver.url, [EVENTS], client_state=SECRET, clock=clock)
    r.run(k.ensure())
    week = timedelta(minutes=10_080 - 1)
    assert _expiry(fake, k.subscription_id(EVENTS)) == clock.now + week


def test_bad_settings_are_refused(fake, on_fake, receiver, clock) -> None:
    r = on_fake(fake)
    with pytest.raises(errors.ValidationError, match="give the keeper a lifetime"):
        keeper(r, receiver, clock, resources=("/drives/d1/root",), lifetime=None)
    with pytest.raises(errors.ValidationError, match="longer than renew_before"):
        keeper(r, receiver, clock, lifetime=HOUR, renew_before=HOUR)
    for state in ({"version": 2}, {"version": 1}, {"version": 1, "subscriptions": {"x": {}}}):
        with pytest.raises(errors.ValidationError):
            keeper(r, receiver, clock, state=state)
    with pytest.raises(errors.ValidationError, match="change type"):
        keeper(r, receiver, clock, change_types=["moved"])
    assert fake.requests == []


def test_other_refusals_are_reported_and_the_subscription_kept(
    fake, on_fake, receiver, clock, caplog
) -> None:
    r = on_fake(fake)
    k = keeper(r, receiver, clock, resources=(EVENTS,))
    r.run(k.ensure())
    sid = k.subscription_id(EVENTS)
    clock.advance(90 * timedelta(minutes=1))
    fake.fail_next(403, path="/subscriptions/", method="PATCH")
    report = r.run(k.ensure())
    [(name, error)] = report.failed
    assert name == EVENTS
    assert isinstance(error, errors.PermissionDeniedError)
    assert k.subscription_id(EVENTS) == sid  # kept: tried again next time
    assert r.run(k.ensure()).renewed == (EVENTS,)

    events = [LifecycleEvent("reauthorizationRequired", sid)]
    fake.fail_next(403, path="/reauthorize")
    assert [n for n, _ in r.run(k.handle_lifecycle(events)).failed] == [EVENTS]
    r.run(r.client.subscriptions.delete(sid))  # gone before it could be reauthorized
    assert r.run(k.handle_lifecycle(events)).recreated == (EVENTS,)

    fake.fail_next(403, path="/subscriptions/", method="DELETE")
    r.run(k.remove(EVENTS))  # a refused delete is logged; the keeper lets go all the same
    assert k.resources == []
    assert "could not delete subscription" in caplog.text
