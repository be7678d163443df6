"""The project's promises about itself: README commands, CI, changelog."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_opens_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, re.S)
    assert block is not None
    lines = block.group(1).strip().splitlines()
    assert lines[0] == "pip install -e . && python -m graphlink demo"
    assert lines[1] == "pip install -e '.[test]' && pytest"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "TEST_COMMAND=\"pip install -e '.[test]' && pytest\"" in ci
    assert "set -euo pipefail" in ci
    assert '"$status" -eq 5' in ci  # no tests collected fails


def test_changelog_has_an_unreleased_section() -> None:
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text()
