"""The demo organisation: Contoso, three dozen people, groups, rooms, a week of meetings."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from graphlink.testing._state import week_monday

if TYPE_CHECKING:
    from graphlink.testing._fake import FakeGraph

__all__ = ["SERVICE_ACCOUNT", "seed_demo"]

SERVICE_ACCOUNT = "svc-graphlink@contoso.com"
"""The mailbox the demo's client uses as ``service_account``."""

# (department, head, head title, [(name, title), ...])
_ORG = [
    (
        "Engineering",
        ("Megan Bowen", "VP Engineering"),
        [
            ("Alex Wilber", "Staff Engineer"),
            ("Adele Vance", "Senior Engineer"),
            ("Lee Gu", "Engineer"),
            ("Lidia Holloway", "Engineering Manager"),
            ("Grady Archie", "Engineer"),
            ("Isaiah Langer", "Site Reliability Engineer"),
            ("Johanna Lorenz", "Engineer"),
            ("Oscar Ward", "Engineer"),
            ("Pradeep Gupta", "Senior Engineer"),
            ("Miriam Graham", "QA Engineer"),
            ("Nestor Wilke", "Engineer"),
        ],
    ),
    (
        "Sales",
        ("Diego Siciliani", "Head of Sales"),
        [
            ("Allan Deyoung", "Account Executive"),
            ("Christie Cline", "Account Executive"),
            ("Debra Berger", "Sales Engineer"),
            ("Enrico Cattaneo", "Account Manager"),
            ("Henrietta Mueller", "Account Manager"),
            ("Irvin Sayers", "Sales Operations"),
            ("Joni Sherman", "Account Executive"),
        ],
    ),
    (
        "Operations",
        ("Patti Fernandez", "COO"),
        [
            ("Lynne Robbins", "Facilities Manager"),
            ("Raul Razo", "Office Manager"),
            ("Sara Davis", "Finance Manager"),
            ("Tomas Novak", "Accountant"),
            ("Wanda Howard", "People Partner"),
            ("Zrinka Makovac", "IT Administrator"),
        ],
    ),
    (
        "Marketing",
        ("Cameron White", "Head of Marketing"),
        [
            ("Ben Walters", "Content Lead"),
            ("Carlos Slattery", "Designer"),
            ("Emily Braun", "Product Marketing Manager"),
            ("Toni Waters", "Events Coordinator"),
        ],
    ),
]

_ROOMS = [
    ("Aurora", 4, "Building 1", 1),
    ("Borealis", 8, "Building 1", 1),
    ("Cirrus", 12, "Building 1", 2),
    ("Denali", 20, "Building 1", 3),
    ("Everest", 6, "Building 2", 1),
    ("Fuji", 6, "Building 2", 1),
    ("Kilimanjaro", 10, "Building 2", 2),
    ("Matterhorn", 30, "Building 2", 4),
]

_MEETINGS = [
    "Stand-up",
    "Sprint planning",
    "Design review",
    "1:1",
    "Customer call",
    "Quarterly business review",
    "Budget sync",
    "Hiring debrief",
    "Incident retro",
    "Launch readiness",
    "Lunch & learn",
    "Architecture council",
]


def _address(name: str, domain: str) -> str:
    first, _, last = name.lower().partition(" ")
    return f"{first}{last[:1]}@{domain}"


def seed_demo(fake: FakeGraph) -> None:
    """Fill ``fake`` with the Contoso demo organisation (deterministic apart from dates)."""
    rng = random.Random(20240601)
    domain = fake.domain
    ceo = fake.add_user(
        _address("Nadia Okafor", domain),
        "Nadia Okafor",
        job_title="Chief Executive Officer",
        department="Executive",
        office_location="1/4001",
        business_phones=["+1 425 555 0100"],
    )
    everyone = [ceo]
    heads = []
    department_groups = {}
    for department, (head_name, head_title), staff in _ORG:
        head = fake.add_user(
            _address(head_name, domain),
            head_name,
            job_title=head_title,
            department=department,
            office_location=f"1/{rng.randint(2000, 3999)}",
            manager=ceo,
            business_phones=[f"+1 425 555 0{rng.randint(101, 199)}"],
            mobile_phone=f"+1 425 555 0{rng.randint(200, 299)}",
        )
        heads.append(head)
        people = [head]
        for name, title in staff:
            person = fake.add_user(
                _address(name, domain),
                name,
                job_title=title,
                department=department,
                office_location=f"{rng.choice([1, 2])}/{rng.randint(1000, 3999)}",
                manager=head,
                business_phones=[f"+1 425 555 0{rng.randint(300, 999)}"],
            )
            people.append(person)
        everyone.extend(people)
        department_groups[department] = (people, head)
    # A leaver: disabled account, still in the directory.
    fake.add_user(
        _address("Kim Leaver", domain),
        "Kim Leaver",
        job_title="Engineer",
        department="Engineering",
        account_enabled=False,
        mailbox=False,
    )
    svc = fake.add_user(
        SERVICE_ACCOUNT,
        "graphlink service account",
        job_title=None,
        department="IT",
    )
    fake.set_manager(svc, _address("Zrinka Makovac", domain))

    eng_people, _ = department_groups["Engineering"]
    platform = fake.add_group(
        "Platform Team",
        eng_people[1:7],
        mail=f"platform@{domain}",
        description="Infrastructure, reliability and the internal developer platform.",
    )
    apps = fake.add_group(
        "Apps Team",
        eng_people[7:],
        mail=f"apps@{domain}",
        description="Customer-facing applications.",
    )
    fake.add_group(
        "Engineering",
        [eng_people[0], platform, apps],
        mail=f"engineering@{domain}",
        description="Everyone in engineering (nested teams).",
    )
    for department in ("Sales", "Operations", "Marketing"):
        people, _ = department_groups[department]
        fake.add_group(
            department,
            people,
            mail=f"{department.lower()}@{domain}",
            description=f"The {department} department.",
        )
    fake.add_group("Leadership", [ceo, *heads], mail=f"leadership@{domain}")
    fake.add_group(
        "All Company",
        everyone,
        unified=True,
        description="Announcements for everyone at Contoso.",
    )
    fake.add_group("Graph Admins", [svc, _address("Zrinka Makovac", domain)])

    rooms = []
    for name, capacity, building, floor in _ROOMS:
        room_list = "building-1@" + domain if building == "Building 1" else "building-2@" + domain
        rooms.append(
            fake.add_room(
                f"{name} ({capacity})",
                f"{name.lower()}@{domain}",
                capacity=capacity,
                building=building,
                floor=floor,
                room_list=room_list,
            )
        )

    monday = week_monday()
    bookable = [p for p in everyone if p["id"] != ceo["id"]]
    for day in range(5):
        date = monday + timedelta(days=day)
        for _ in range(7):
            organizer = rng.choice(bookable)
            hour = rng.choice([9, 10, 11, 13, 14, 15, 16])
            minutes = rng.choice([0, 30])
            start = date.replace(hour=hour, minute=minutes)
            duration = rng.choice([30, 30, 60, 60, 90])
            guests = rng.sample(
                [p for p in everyone if p["id"] != organizer["id"]], rng.randint(1, 5)
            )
            room = rng.choice(rooms)
            subject = rng.choice(_MEETINGS)
            fake.add_event(
                organizer["mail"],
                subject,
                start,
                start + timedelta(minutes=duration),
                attendees=[g["mail"] for g in guests] + [room["emailAddress"]],
                location=room["displayName"],
                body=f"<p>{subject} — agenda in the team channel.</p>",
                online=rng.random() < 0.5,
            )
    # The service account's own calendar: a daily booking sync and one all-hands.
    for day in range(5):
        start = (monday + timedelta(days=day)).replace(hour=8)
        fake.add_event(SERVICE_ACCOUNT, "Room booking sync", start, start + timedelta(minutes=15))
    all_hands = (monday + timedelta(days=3)).replace(hour=17)
    fake.add_event(
        SERVICE_ACCOUNT,
        "All-hands",
        all_hands,
        all_hands + timedelta(hours=1),
        attendees=[rooms[-1]["emailAddress"], ceo["mail"]],
        location=rooms[-1]["displayName"],
        online=True,
    )
