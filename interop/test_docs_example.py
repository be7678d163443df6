"""The msgraph-sdk example of ``docs/emulator.md`` runs as printed (``docs_example.py``)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).with_name("docs_example.py")


def test_docs_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    assert capsys.readouterr().out.splitlines() == [
        "43 users, first: Nadia Okafor",
        "booked: Design review",
    ]
