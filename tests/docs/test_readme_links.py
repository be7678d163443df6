"""README.md's links work where it is read without the site: on GitHub and in a clone.

A relative link must name a file of the repository (``docs/paging.md``, not ``paging.md``),
with an anchor that is one of that page's headings; mkdocstrings' ``[name][identifier]``
cross-references only render on the site, so README has none.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_LINK = re.compile(r"\[[^\]]+\]\((?P<target>[^)\s]+)\)")
_AUTOREF = re.compile(r"\]\[[\w.]+\]")


def _slug(heading: str) -> str:
    """GitHub's (and mkdocs' toc) anchor for a heading: lower case, punctuation dropped."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"^[ ]*```.*?^[ ]*```", "", page.read_text(), flags=re.M | re.S)
    return {_slug(m[1]) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


def broken_links(page: Path) -> list[str]:
    """The relative links of ``page`` whose file or anchor does not exist."""
    broken = []
    for m in _LINK.finditer(page.read_text()):
        target = m["target"]
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.is_file() or (anchor and file.suffix == ".md" and anchor not in _anchors(file)):
            broken.append(target)
    return broken


def test_readme_links_resolve() -> None:
    assert broken_links(ROOT / "README.md") == []


def test_readme_has_no_site_only_cross_references() -> None:
    assert _AUTOREF.findall((ROOT / "README.md").read_text()) == []


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "paging.md").write_text("# Paging\n\n## What paging guarantees\n")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/paging.md) [ok](docs/paging.md#what-paging-guarantees) [web](https://x.y)\n"
        "[site path](paging.md) [anchor](docs/paging.md#nothing-here) [gone](docs/x.md#y)\n"
    )
    assert broken_links(page) == ["paging.md", "docs/paging.md#nothing-here", "docs/x.md#y"]
