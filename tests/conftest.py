"""Shared fixtures: Microsoft's documented Graph examples, loaded from ``../shared``.

The examples are never copied into the project: ``examples`` reads them from
``$GRAPHLINK_EXAMPLES_DIR`` or ``<repo>/../shared/graph-docs-examples`` and skips a test,
with a message naming the folder, when they are absent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from examples import example, examples_dir, missing_reason


def pytest_report_header() -> str:
    """Say at the top of the run whether the examples were found (tests skip without them)."""
    folder = examples_dir()
    return f"graph docs examples: {folder}" if folder.is_dir() else missing_reason()


@pytest.fixture(scope="session")
def graph_example() -> Callable[[str], dict[str, Any]]:
    """Load one example by file name (``"user-list__01__get-users-2"``); skips when absent."""
    return example
