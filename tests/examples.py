"""Microsoft's documented request/response examples, read from ``../shared`` (never copied).

The folder is ``$GRAPHLINK_EXAMPLES_DIR`` or ``<repo>/../shared/graph-docs-examples``; where
it is absent, tests that need it skip with a message that says so.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ENV = "GRAPHLINK_EXAMPLES_DIR"


def examples_dir() -> Path:
    """Where the examples are expected."""
    configured = os.environ.get(ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "shared" / "graph-docs-examples"


def missing_reason() -> str:
    """The skip reason when the examples folder is absent: where it looked, what to do."""
    return (
        f"Microsoft's Graph docs examples not found at {examples_dir()}: set {ENV} to the "
        "graph-docs-examples folder (CI has ../shared beside the clone)"
    )


@cache
def _load(name: str) -> dict[str, Any]:
    path = examples_dir() / (name if name.endswith(".json") else name + ".json")
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def example(name: str) -> dict[str, Any]:
    """One example by file name (with or without ``.json``); skips the test when absent."""
    folder = examples_dir()
    if not folder.is_dir():
        pytest.skip(missing_reason())
    path = folder / (name if name.endswith(".json") else name + ".json")
    if not path.is_file():
        pytest.skip(f"Graph docs example {path.name} not found in {folder}")
    return _load(path.name)


def example_names(prefix: str = "") -> list[str]:
    """File names of the examples starting with ``prefix`` (empty when the folder is absent)."""
    folder = examples_dir()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.glob(f"{prefix}*.json"))


def response_body(name: str) -> Any:
    """The parsed ``response_body`` of an example."""
    return example(name).get("response_body")
