"""mkdocs hook: the docs' hidden test comments are left out of the site.

``<!-- setup: ... -->`` and ``<!-- skip: ... -->`` before a ```python fence are for the
docs test (``test_docs_examples.py``); removed before rendering, they neither reach the
HTML nor wrap the code block in a paragraph.
"""

from __future__ import annotations

import re
from typing import Any

#: A hidden comment: its kind and its note (the setup code, or the reason for a skip).
COMMENT = r"<!--[ ]*(?P<kind>setup|skip):(?P<note>(?:(?!-->).)*)-->"

_LINE = re.compile(rf"^[ ]*{COMMENT}[ ]*\n", re.M | re.S)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Drop every hidden comment (with its line) from a page's markdown."""
    return _LINE.sub("", markdown)
