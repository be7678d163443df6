"""The project's checks, defined once: ``.ci/run`` and the nox sessions both run this.

    python scripts/check.py lint typecheck docs demo
    python scripts/check.py coverage    # after a test run measured with coverage
    python scripts/check.py bench       # the benchmarks' smoke run (python -m bench --smoke)
    python scripts/check.py interop     # msgraph-sdk and requests against FakeGraph

Run it from an environment made with ``pip install -e '.[dev]'``: every tool runs as
``python -m <tool>`` of that same interpreter, so the pinned ruff the generated code is
formatted with is the one that checks it. Stops at the first failing command, with its
exit code. ``interop`` is the exception: it makes (or reuses) its own environment,
``.ci-interop-venv/``, as its clients must never be installed next to graphlink's tools.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
# The interop suite's own environment: the project plus interop/requirements.txt.
INTEROP_VENV = ROOT / ".ci-interop-venv"
INTEROP_PY = str(INTEROP_VENV / ("Scripts" if os.name == "nt" else "bin") / "python")
INTEROP_REQUIREMENTS = ["-e", ".", "-r", "interop/requirements.txt"]
# The interpreter's scripts first on PATH, for tools run by name (unasync.py runs ruff).
ENV = {**os.environ, "PATH": os.pathsep.join([str(Path(PY).parent), os.environ.get("PATH", "")])}

CHECKS: dict[str, list[list[str]]] = {
    # Branch coverage of the last test run; the threshold is [tool.coverage.report] in
    # pyproject.toml. The run must start coverage itself (see .ci/run and the nox session).
    "coverage": [[PY, "-m", "coverage", "combine", "-q"], [PY, "-m", "coverage", "report"]],
    # The generated sync modules are current, then ruff.
    "lint": [
        [PY, "scripts/unasync.py", "--check"],
        [PY, "-m", "ruff", "check", "."],
        [PY, "-m", "ruff", "format", "--check", "."],
    ],
    "typecheck": [[PY, "-m", "mypy", "--strict", "graphlink"]],
    # Strict: a broken cross-reference or a missing page fails the build.
    "docs": [[PY, "-m", "mkdocs", "build", "--strict", "--site-dir", ".ci-site"]],
    # The README's first command, after its install (the tour's output is not shown).
    "demo": [[PY, "-m", "graphlink", "demo"]],
    # Every benchmark at tiny size, graphlink only, offline: fails on an exception, never
    # on a figure (so the runner cannot rot).
    "bench": [[PY, "-m", "bench", "--smoke"]],
    # Clients no one here wrote (msgraph-sdk, requests) against FakeGraph on loopback, in
    # their own virtual environment with their pinned versions. An existing environment is
    # reused (pip only checks the pins); CI starts without one. Exit code 5 (no tests
    # collected) fails like any other. --no-compile: msgraph-sdk ships ~17,000 modules and
    # byte-compiling them all at install took longer than the rest of the check; Python
    # compiles the few the suite imports.
    "interop": [
        [PY, "-m", "venv", str(INTEROP_VENV)],
        [INTEROP_PY, "-m", "pip", "install", "-q", "--no-compile", *INTEROP_REQUIREMENTS],
        [INTEROP_PY, "-m", "pytest", "interop"],
    ],
}
QUIET = {"demo"}


def _shown(part: str) -> str:
    """A command's word as printed: the interpreters by short names."""
    if part == PY:
        return "python"
    return os.path.relpath(part, ROOT) if part.startswith(str(ROOT)) else part


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in CHECKS]
    if not names or unknown:
        print(
            f"usage: python scripts/check.py CHECK...  (CHECK: {', '.join(CHECKS)})",
            file=sys.stderr,
        )
        return 2
    started = time.monotonic()
    for name in names:
        for command in CHECKS[name]:
            shown = " ".join(_shown(part) for part in command)
            print(f"\n== {name}: {shown} ({time.monotonic() - started:.0f}s)", flush=True)
            stdout = subprocess.DEVNULL if name in QUIET else None
            done = subprocess.run(command, cwd=ROOT, env=ENV, stdout=stdout, check=False)
            status = done.returncode
            if status:
                print(f"check {name!r} failed: {shown} exited with {status}", file=sys.stderr)
                return status
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
