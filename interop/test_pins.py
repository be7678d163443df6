"""The interop environment is reproducible: every distribution its clients bring is pinned.

``requirements.txt`` names the clients (a patch range each); ``constraints.txt`` pins,
exactly, everything they pull in that graphlink does not. A transitive dependency left out
(kiota's JSON serialiser, urllib3 under requests' retries) would be upgraded by the next
install without anyone choosing it.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

HERE = Path(__file__).parent


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _pins(path: Path) -> dict[str, SpecifierSet]:
    """A requirements file's named distributions and their specifiers (options skipped)."""
    pins: dict[str, SpecifierSet] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            pins[_name(req.name)] = req.specifier
    return pins


def _closure(roots: list[str]) -> dict[str, str]:
    """The installed distributions ``roots`` need (no extras), by name, with versions."""
    found: dict[str, str] = {}
    todo = list(roots)
    while todo:
        name = _name(todo.pop())
        if name in found:
            continue
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue  # a requirement whose marker excludes this platform
        found[name] = dist.version
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return found


def test_every_client_dependency_is_pinned() -> None:
    direct = _pins(HERE / "requirements.txt")
    constrained = _pins(HERE / "constraints.txt")
    assert "-c constraints.txt" in (HERE / "requirements.txt").read_text()
    ours = _closure(["graphlink"])
    theirs = _closure(list(direct))
    unpinned = sorted(n for n in theirs if n not in ours and n not in direct | constrained)
    assert unpinned == [], "add to interop/constraints.txt: " + ", ".join(unpinned)
    for name, spec in constrained.items():
        assert str(spec).startswith("=="), f"{name}: constraints pin exactly"
        assert name in theirs, f"{name} is pinned but no client needs it any more"
        assert theirs[name] in spec, f"{name} {theirs[name]} installed, {spec} pinned"
