"""The other Python Graph SDKs, in the runner's own virtual environment.

``bench/.venv-competitors`` is made once with ``python -m venv`` and pip (msgraph-sdk with
azure-identity, and O365); it is never graphlink's environment, and graphlink never depends
on them. The measurements run them as subprocesses of that environment's interpreter. A
competitor pip cannot install is skipped, with a note saying why.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench._procs import clean_env

VENV = Path(__file__).resolve().parent / ".venv-competitors"
MSGRAPH = "msgraph-sdk"
O365 = "O365"
#: name -> (what pip installs, what must then import, the distribution giving the version)
WANTED: dict[str, tuple[list[str], str, str]] = {
    MSGRAPH: (["msgraph-sdk", "azure-identity"], "import msgraph, azure.identity", "msgraph-sdk"),
    O365: (["O365"], "import O365", "O365"),
}


@dataclass
class Competitors:
    """Which competitors can be measured, with which interpreter, at which versions."""

    python: Path | None = None
    versions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        """Whether ``name`` is installed and imports."""
        return self.python is not None and name in self.versions


def _python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def _version(python: Path, name: str, check: str) -> str | None:
    code = f"{check}\nimport importlib.metadata as m\nprint(m.version({name!r}))"
    done = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, env=clean_env(), check=False
    )
    return done.stdout.strip() if done.returncode == 0 else None


def prepare(
    venv: Path = VENV, *, fresh: bool = False, say: Callable[[str], None] = print
) -> Competitors:
    """The competitors' environment, made (or completed) now if needed.

    ``fresh``: remove it first (to measure the newest releases). Installing takes a few
    minutes the first time; the pip log is ``install.log`` in the environment.
    """
    out = Competitors()
    if fresh and venv.exists():
        shutil.rmtree(venv)
    python = _python(venv)
    if not python.exists():
        say(f"making {venv} (python -m venv)")
        made = subprocess.run([sys.executable, "-m", "venv", str(venv)], check=False)
        if made.returncode != 0 or not python.exists():
            out.notes.append(f"competitors skipped: python -m venv {venv} failed")
            return out
    out.python = python
    log = venv / "install.log"
    for name, (packages, check, dist) in WANTED.items():
        version = _version(python, dist, check)
        if version is None:
            say(f"installing {' '.join(packages)} into {venv.name} (once; a few minutes)")
            with log.open("a", encoding="utf-8") as sink:
                subprocess.run(
                    [str(python), "-m", "pip", "install", "--disable-pip-version-check", *packages],
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    env=clean_env(),
                    check=False,
                )
            version = _version(python, dist, check)
        if version is None:
            out.notes.append(f"{name} skipped: pip could not install it (see {log})")
        else:
            out.versions[name] = version
    return out
