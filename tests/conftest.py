"""Shared fixtures: Microsoft's documented Graph examples, loaded from ``../shared``.

The examples are never copied into the project: ``examples`` reads them from
``$GRAPHLINK_EXAMPLES_DIR`` or ``<repo>/../shared/graph-docs-examples`` and skips a test,
with a message naming the folder, when they are absent.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from examples import example, examples_dir, missing_reason
from reliability import secret_scan


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--soak``: run the reliability soak at full size (CI runs a reduced one)."""
    parser.addoption(
        "--soak",
        action="store_true",
        default=os.environ.get("GRAPHLINK_SOAK") == "1",
        help="run tests/reliability/test_soak.py at full size (also GRAPHLINK_SOAK=1)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Scan every log record and graphlink error of the run for the test secrets."""
    if secret_scan.enabled():
        plugin = secret_scan.Plugin()
        plugin.install()
        config.pluginmanager.register(plugin, "graphlink-secret-scan")


def pytest_unconfigure(config: pytest.Config) -> None:
    plugin = config.pluginmanager.get_plugin("graphlink-secret-scan")
    if isinstance(plugin, secret_scan.Plugin):
        plugin.uninstall()


def pytest_report_header() -> str:
    """Say at the top of the run whether the examples were found (tests skip without them)."""
    folder = examples_dir()
    return f"graph docs examples: {folder}" if folder.is_dir() else missing_reason()


@pytest.fixture(scope="session")
def graph_example() -> Callable[[str], dict[str, Any]]:
    """Load one example by file name (``"user-list__01__get-users-2"``); skips when absent."""
    return example
