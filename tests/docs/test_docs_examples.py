"""The docs' code examples run as written, against FakeGraph (so no example rots).

Every ```python block of the pages in ``PAGES`` is executed on its own, in a fresh
namespace, with its tab's indentation removed. Add a page here when its examples are
self-contained (the documentation issue brings every page in).
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["calendar.md", "visitor-email.md", "batching.md", "placeos.md", "notifications.md"]

_FENCE = re.compile(r"^(?P<indent>[ ]*)```python\n(?P<code>.*?)^(?P=indent)```", re.M | re.S)


def _blocks() -> list[tuple[str, int, str]]:
    out = []
    for page in PAGES:
        text = (DOCS / page).read_text()
        for match in _FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 2
            out.append((page, line, textwrap.dedent(match["code"])))
    return out


BLOCKS = _blocks()


def test_the_listed_pages_have_examples() -> None:
    for page in PAGES:
        assert any(p == page for p, _, _ in BLOCKS), f"{page} has no python example"


@pytest.mark.parametrize(("page", "line", "code"), BLOCKS, ids=[f"{p}:{n}" for p, n, _ in BLOCKS])
def test_example_runs(page: str, line: int, code: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(code, f"docs/{page}:{line}", "exec"), {"__name__": "__main__"})
