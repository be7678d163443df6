"""Fresh interpreters and the loopback server process, for the measurements that need them.

A snippet run in a fresh interpreter prints one JSON object as its last line; its
arguments come through ``sys.argv`` (no code is built by formatting strings).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: Variables that would change what a fresh interpreter imports or how fast: dropped.
_DROPPED = (
    "PYTHONPYCACHEPREFIX",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONPATH",
    "COVERAGE_PROCESS_START",
)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a measured interpreter: ours less ``_DROPPED``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    env.update(extra)
    return env


def run_python(
    python: str | Path,
    code: str,
    *args: str,
    cold: bool = False,
    cwd: Path | None = None,
    timeout: float = 900,
) -> dict[str, Any]:
    """Run ``code`` in a fresh ``python`` with ``args``; its last stdout line, as JSON.

    ``cold``: compiled bytecode in an empty ``PYTHONPYCACHEPREFIX`` (made for this run,
    removed after), so every module not frozen into the interpreter, the standard library
    included, is compiled from source, as on a first import with no ``.pyc`` anywhere. The
    ``__pycache__`` folders next to the sources are neither read nor changed.
    ``cwd``: defaults to the checkout for our interpreter (``-c`` puts it first on
    ``sys.path``, so graphlink is the checkout's) and to a scratch folder for any other.
    """
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        env = clean_env(PYTHONPYCACHEPREFIX=scratch) if cold else clean_env()
        if cwd is None:
            cwd = ROOT if Path(python) == Path(sys.executable) else Path(scratch)
        done = subprocess.run(
            [str(python), "-c", code, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"{python} -c ... exited with {done.returncode}:\n{tail}")
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"{python} -c ... printed nothing; stderr:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


@contextmanager
def loopback_server(users: int) -> Iterator[str]:
    """``bench._server`` in a process of its own; yields its base URL (``.../v1.0``).

    It serves until its standard input closes, which is how it is stopped here.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "bench._server", "--users", str(users)],
        cwd=ROOT,
        env=clean_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the loopback server did not start (said {url!r})")
        yield url
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
