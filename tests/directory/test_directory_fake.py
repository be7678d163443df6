"""Directory methods against FakeGraph: thousands of objects across pages, nothing lost."""

from __future__ import annotations

import asyncio

import pytest

from graphlink import errors
from graphlink.testing import FakeGraph


@pytest.fixture(scope="module")
def big_org() -> FakeGraph:
    fake = FakeGraph()
    users = [
        fake.add_user(mail=f"person{i}@contoso.com", display_name=f"Person {i:04}")
        for i in range(5000)
    ]
    fake.add_group(display_name="Everyone", mail="everyone@contoso.com", members=users)
    inner = fake.add_group(display_name="Inner", members=users[:10])
    fake.add_group(display_name="Outer", members=[inner])
    fake.add_user(mail="sean@contoso.com", display_name="Seán O'Brien", surname="O'Brien")
    return fake


def test_5000_members_sync(big_org: FakeGraph) -> None:
    client = big_org.client()
    members = client.groups.members("everyone@contoso.com").to_list()
    assert len(members) == 5000
    assert len({m.id for m in members}) == 5000
    assert all(m.type == "user" for m in members)


def test_5000_members_async(big_org: FakeGraph) -> None:
    async def run() -> int:
        client = big_org.async_client()
        count = 0
        async for _ in client.groups.members("everyone@contoso.com"):
            count += 1
        return count

    assert asyncio.run(run()) == 5000


def test_all_users_across_pages(big_org: FakeGraph) -> None:
    client = big_org.client()
    pages = list(client.users.list().pages())
    assert sum(len(p.items) for p in pages) == 5001
    assert len(pages) == 6  # 999 per page


def test_limit(big_org: FakeGraph) -> None:
    assert len(big_org.client().users.list(limit=1500).to_list()) == 1500


def test_query_with_quote(big_org: FakeGraph) -> None:
    found = big_org.client().users.list("O'Bri").to_list()
    assert [u.display_name for u in found] == ["Seán O'Brien"]


def test_nested_groups(big_org: FakeGraph) -> None:
    client = big_org.client()
    outer = next(iter(client.groups.list("Outer")))
    assert outer.id is not None
    direct = client.groups.members(outer.id).to_list()
    assert [m.type for m in direct] == ["group"]
    transitive = client.groups.members(outer.id, transitive=True).to_list()
    assert len(transitive) == 11
    groups = client.users.groups("person1@contoso.com").to_list()
    assert {g.display_name for g in groups} == {"Everyone", "Inner", "Outer"}
    direct_groups = client.users.groups("person1@contoso.com", transitive=False).to_list()
    assert {g.display_name for g in direct_groups} == {"Everyone", "Inner"}


def test_unknown_objects_are_typed_errors(big_org: FakeGraph) -> None:
    client = big_org.client()
    with pytest.raises(errors.NotFoundError):
        client.users.get("nobody@contoso.com")
    with pytest.raises(errors.NotFoundError):
        client.users.manager("nobody@contoso.com")
    with pytest.raises(errors.NotFoundError):
        client.groups.get("00000000-0000-0000-0000-000000000000")
    with pytest.raises(errors.NotFoundError):
        client.groups.members("nobody@contoso.com").to_list()


def test_manager_and_delta() -> None:
    fake = FakeGraph()
    boss = fake.add_user(mail="boss@contoso.com", display_name="Boss")
    worker = fake.add_user(mail="worker@contoso.com", display_name="Worker")
    fake.set_manager(worker, boss)
    client = fake.client()
    assert client.users.manager("worker@contoso.com").display_name == "Boss"
    with pytest.raises(errors.NotFoundError):
        client.users.manager("boss@contoso.com")
    first = client.users.delta()
    assert {u.display_name for u in first.changed} == {"Boss", "Worker"}
    fake.add_user(mail="new@contoso.com", display_name="Newcomer")
    second = client.users.delta(first.delta_link)
    assert [u.display_name for u in second.changed] == ["Newcomer"]
    assert second.resynced is False
