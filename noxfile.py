"""Developer sessions: ``nox -s tests lint typecheck docs demo bench interop``.

The checks themselves are defined once, in ``scripts/check.py``, which ``.ci/run`` runs
too; the sessions install the project's extras (``.[dev]`` pins the ruff the generated code
is formatted with).
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck", "docs", "demo"]
nox.options.reuse_existing_virtualenvs = True

PYTHONS = ["3.11", "3.12", "3.13"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite; the full run (no arguments) also checks branch coverage, as CI does.

    Redis tests need redis-server on PATH, else they skip. ``nox -s tests -- tests/core``
    runs a subset, without coverage.
    """
    session.install("-e", ".[test]")
    if session.posargs:
        session.run("pytest", *session.posargs)
        return
    session.run("coverage", "erase")
    # Coverage starts with each interpreter (see [tool.coverage.run] in pyproject.toml).
    session.run("pytest", env={"COVERAGE_PROCESS_START": str(Path("pyproject.toml").resolve())})
    session.run("python", "scripts/check.py", "coverage")


def _check(session: nox.Session, *names: str) -> None:
    session.install("-e", ".[dev]")
    session.run("python", "scripts/check.py", *names)


@nox.session
def lint(session: nox.Session) -> None:
    """The generated sync code is current; ruff lint and format check (the pinned ruff)."""
    _check(session, "lint")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    _check(session, "typecheck")


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site, strictly (built into .ci-site/)."""
    _check(session, "docs")


@nox.session
def demo(session: nox.Session) -> None:
    """The README's first command: the guided tour runs on a plain install."""
    session.install("-e", ".")
    session.run("python", "scripts/check.py", "demo")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: one table of ratios against baselines measured in the same run.

    ``python -m bench``: ``nox -s bench -- --quick`` for a shorter run, ``-- --smoke`` for
    CI's (graphlink only, tiny sizes). msgraph-sdk and O365 are installed into the runner's
    own environment (``bench/.venv-competitors``), never into this one.
    """
    session.install("-e", ".[test,bench]")
    session.run("python", "-m", "bench", *session.posargs)


@nox.session
def interop(session: nox.Session) -> None:
    """msgraph-sdk and plain ``requests`` against FakeGraph served on loopback.

    Its own pins (``interop/requirements.txt``), never graphlink's extras: the clients under
    test are installed only here and in CI's ``.ci-interop-venv/``
    (``python scripts/check.py interop``). ``nox -s interop -- -k batch`` runs a subset.
    """
    session.install("--no-compile", "-e", ".", "-r", "interop/requirements.txt")
    session.run("pytest", "interop", *session.posargs)
