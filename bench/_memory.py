"""What graphlink costs in memory (paging a large directory) and on disk (installed).

Paging: a fresh process lists every user the loopback server makes up (pages of 999,
made as they are asked for), keeping none; the figures are its peak RSS and that peak's
growth from just before the first request to the end (``VmHWM`` where Linux has it, else
``resource.getrusage(...).ru_maxrss``).
The baseline is raw httpx following ``@odata.nextLink`` and reading each user's dict.

Footprint: the bytes of every file pip installed (``.pyc`` it compiled included, as its
``RECORD`` lists them) for a distribution and its required dependencies, walked through
their metadata (extras left out). graphlink's is a fresh ``pip install --target`` of the
checkout; httpx's is the part of that install it needs; msgraph-sdk's and O365's come from
the competitors' environment, each walked from its own distribution.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from bench._competitors import MSGRAPH, O365
from bench._procs import ROOT, clean_env, run_python
from bench._report import Goal, Row, compare

try:
    from packaging.requirements import Requirement
except ImportError:  # pip always has it
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[assignment]

# The peak RSS of this process image. Linux's ru_maxrss is not it: execve keeps the peak
# of the process that forked (here the runner's, tens of MiB), so a small child reads the
# parent's figure; VmHWM is the new image's own high-water mark.
_PEAK = """
import resource

def peak_kib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

# argv: base URL, $select (unused by graphlink: users.list sends its own)
_PAGING_GRAPHLINK = (
    _PEAK
    + """
import json, sys, time
from graphlink import GraphClient
client = GraphClient(token="bench-token", base_url=sys.argv[1])
before = peak_kib()
started = time.perf_counter()
count = 0
for user in client.users.list():
    count += 1
took = time.perf_counter() - started
after = peak_kib()
client.close()
print(json.dumps({"count": count, "growth_kib": after - before, "peak_kib": after, "s": took}))
"""
)

_PAGING_HTTPX = (
    _PEAK
    + """
import json, sys, time
import httpx
http = httpx.Client()
before = peak_kib()
started = time.perf_counter()
url = sys.argv[1] + "/users"
params = {"$select": sys.argv[2], "$filter": "accountEnabled eq true", "$top": "999"}
count = 0
while url:
    response = http.get(url, params=params, headers={"Authorization": "Bearer bench-token"})
    response.raise_for_status()
    body = response.json()
    for item in body["value"]:
        count += bool(item["id"])
    url, params = body.get("@odata.nextLink"), None
took = time.perf_counter() - started
after = peak_kib()
http.close()
print(json.dumps({"count": count, "growth_kib": after - before, "peak_kib": after, "s": took}))
"""
)


def paging(base_url: str, select: str, users: int, rounds: int) -> list[Row]:
    """Peak RSS growth and peak RSS (MiB), and time (s), listing ``users`` users, against
    raw httpx."""
    growth: dict[str, list[float]] = {"graphlink": [], "httpx": []}
    peak: dict[str, list[float]] = {"graphlink": [], "httpx": []}
    took: dict[str, list[float]] = {"graphlink": [], "httpx": []}
    for n in range(rounds):
        order = [("graphlink", _PAGING_GRAPHLINK), ("httpx", _PAGING_HTTPX)]
        for name, code in order[n % 2 :] + order[: n % 2]:
            figure = run_python(sys.executable, code, base_url, select)
            if figure["count"] != users:
                raise RuntimeError(f"{name} listed {figure['count']} users of {users}")
            growth[name].append(figure["growth_kib"] / 1024)
            peak[name].append(figure["peak_kib"] / 1024)
            took[name].append(figure["s"])
    what = f"list {users:,} users (`users.list`)"
    return [
        compare(
            f"{what}, peak RSS growth",
            "MiB",
            growth["graphlink"],
            "raw httpx, dict walk",
            growth["httpx"],
            goal=Goal("< 50 MiB for 1,000,000", max=50, on_value=True),
        ),
        compare(
            f"{what}, peak RSS", "MiB", peak["graphlink"], "raw httpx, dict walk", peak["httpx"]
        ),
        compare(f"{what}, time", "s", took["graphlink"], "raw httpx, dict walk", took["httpx"]),
    ]


# -- footprint -------------------------------------------------------------------------------


_PIP = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"]


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def closure(paths: Iterable[str], root: str) -> list[metadata.Distribution]:
    """``root`` and the distributions it requires (extras left out), found in ``paths``."""
    found = {_name(d.metadata["Name"]): d for d in metadata.distributions(path=list(paths))}
    out: dict[str, metadata.Distribution] = {}
    todo = [_name(root)]
    while todo:
        name = todo.pop()
        if name in out:
            continue
        if name not in found:
            raise RuntimeError(f"{root} needs {name}, which is not installed there")
        out[name] = found[name]
        for text in found[name].requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(_name(requirement.name))
    return list(out.values())


def _size(dist: metadata.Distribution) -> int:
    total = 0
    for file in dist.files or []:
        path = Path(str(file.locate()))
        if path.is_file():
            total += path.stat().st_size
    return total


def closure_size(paths: Iterable[str], root: str, own_folder: Path | None = None) -> float:
    """MiB of ``root``'s closure in ``paths``. ``own_folder``: count ``root``'s own files
    from there (an editable install's ``RECORD`` lists none of them)."""
    dists = closure(paths, root)
    total = sum(_size(d) for d in dists)
    if own_folder is not None:
        total += sum(p.stat().st_size for p in own_folder.rglob("*") if p.is_file())
    return total / 2**20


def _site_packages(python: Path) -> list[str]:
    code = "import json, site; print(json.dumps(site.getsitepackages()))"
    done = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, env=clean_env(), check=True
    )
    return list(json.loads(done.stdout))


def footprint(install: bool, python: Path | None, competitors: Iterable[str]) -> list[Row]:
    """Installed MiB of graphlink and its required dependencies, against httpx's and the
    competitors' closures. ``install``: graphlink from a fresh ``pip install --target``
    of the checkout; else (``--smoke``, no network) from this environment."""
    with tempfile.TemporaryDirectory(prefix="bench-footprint-") as target:
        if install:
            done = subprocess.run(
                [*_PIP, "--target", target, str(ROOT)],
                env=clean_env(),
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode:
                tail = "\n".join(done.stderr.strip().splitlines()[-10:])
                raise RuntimeError(f"pip install --target . failed:\n{tail}")
            ours, how = closure_size([target], "graphlink"), "fresh `pip install --target .`"
            httpx = closure_size([target], "httpx")
        else:
            paths = sysconfig.get_paths()
            here = [paths["purelib"], paths["platlib"]]
            editable = not any(
                "graphlink/__init__.py" in str(f) for f in metadata.files("graphlink") or []
            )
            ours = closure_size(here, "graphlink", ROOT / "graphlink" if editable else None)
            httpx, how = closure_size(here, "httpx"), "this environment"
    rows = [compare("installed size with required deps", "MiB", [ours], "httpx", [httpx])]
    if python is not None:
        theirs = _site_packages(python)
        for name in competitors:
            dist = "msgraph-sdk" if name == MSGRAPH else O365
            size = closure_size(theirs, dist)
            rows.append(compare("installed size with required deps", "MiB", [ours], name, [size]))
    rows[0].note = f"graphlink from {how}"
    return rows
