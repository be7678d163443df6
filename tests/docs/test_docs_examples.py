"""The docs' code examples run as written, against FakeGraph (so no example rots).

Every ```python block of every ``docs/**/*.md`` page and of ``README.md`` is executed on its
own, in a fresh namespace named ``__main__`` (an ``if __name__ == "__main__":`` body
runs), with its tab's indentation removed (a new page is picked up without a list to
maintain); a ``test_*`` function it defines is called (an ``async def`` one awaited), with
the ``fake_graph``/``fake_graph_demo`` fixtures it asks for. Every function a block defines
at its top level must have run by the end (so an example cannot pass without running: a
``main()`` never called, an ``async def main()`` never awaited). ``py`` fences and fences
with attributes (```` ```python title="app.py" ````) count as python; a page whose other
python-looking fences (``pycon``, ``{.python}``, four backticks) would be missed fails.
An HTML comment directly before a fence, at its indentation, is for the test and
invisible on the page:

- ``<!-- setup: python -->``: code run before the block, in its namespace (typically
  ``from docs_env import tenant`` / ``fake = tenant()``, see ``docs_env``);
- ``<!-- skip: reason -->``: the block is not run; the reason shows in the test report
  and ``MAX_SKIPPED`` caps how many there are.

The site leaves these comments out (``mkdocs_hooks.py``, a hook in ``mkdocs.yml``).

Test ids are ``page:line``, the line of the block's first line of code; a failing
example's traceback names that page and its real line numbers.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
import textwrap
from pathlib import Path
from typing import NamedTuple

import docs_env
import pytest
from mkdocs_hooks import COMMENT, on_page_markdown

from graphlink.testing import FakeGraph

ROOT = Path(__file__).resolve().parents[2]
PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
MAX_SKIPPED = 3  # each needs a real reason: an example that cannot run offline

_PYTHON = r"(?:python3?|py3?)(?:[ ]+[^\n]*)?"  # the info strings run as python
_FENCE = re.compile(
    rf"^(?P<indent>[ ]*)(?:{COMMENT}\n(?P=indent))?```{_PYTHON}\n(?P<code>.*?)^(?P=indent)```",
    re.M | re.S,
)
_OPENER = re.compile(r"^[ ]*(?P<fence>`{3,}|~{3,})[ ]*(?P<info>.*)$")
_CALLED = "__docs_called__"  # the set each top-level function of a block adds its name to
_ANY_COMMENT = re.compile(r"<!--[ ]*(?:setup|skip):")


class Block(NamedTuple):
    """One python block of a page."""

    page: str
    line: int  # of the block's first line of code
    code: str
    setup: str  # python run first (from a setup comment)
    setup_line: int
    skip: str | None  # the reason, from a skip comment


def _undent(text: str, indent: str) -> str:
    lines = text.split("\n")
    return "\n".join(line.removeprefix(indent) for line in lines)


def blocks(name: str, text: str) -> list[Block]:
    """The python blocks of page ``name`` (its ``text``), with their hidden comments."""
    out = []
    for m in _FENCE.finditer(text):
        indent, kind, note = m["indent"], m["kind"], m["note"] or ""
        line = text.count("\n", 0, m.start("code")) + 1
        setup_line = text.count("\n", 0, m.start("note")) + 1 if kind == "setup" else 0
        setup = textwrap.dedent(_undent(note, indent)) if kind == "setup" else ""
        skip = note.strip() if kind == "skip" else None
        code = textwrap.dedent(_undent(m["code"], indent))
        out.append(Block(name, line, code, setup, setup_line, skip))
    return out


def _page_blocks(path: Path) -> list[Block]:
    return blocks(path.relative_to(ROOT).as_posix(), path.read_text())


BLOCKS = [block for page in PAGES for block in _page_blocks(page)]


def _run(
    source: str,
    filename: str,
    first_line: int,
    namespace: dict[str, object],
    *,
    watch: bool = False,
) -> list[str]:
    """Execute ``source``; with ``watch``, the names of the top-level functions it defines.

    Each of those then adds its name to ``namespace[_CALLED]`` when its body runs.
    """
    tree = ast.parse(source, filename)
    defined = []
    for node in tree.body if watch else []:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            defined.append(node.name)
            mark = ast.parse(f"{_CALLED}.add({node.name!r})").body[0]
            ast.copy_location(mark, node.body[0])
            ast.fix_missing_locations(mark)
            node.body.insert(1 if ast.get_docstring(node) else 0, mark)
    ast.increment_lineno(tree, first_line - 1)  # tracebacks point at the page's lines
    exec(compile(tree, filename, "exec"), namespace)
    return defined


def run_block(block: Block) -> None:
    """Run one example as the test does: its setup, its code, its tests; all it defines run."""
    called: set[str] = set()
    namespace: dict[str, object] = {"__name__": "__main__", _CALLED: called}
    with docs_env.active():
        if block.setup:
            _run(block.setup, block.page, block.setup_line, namespace)
        defined = _run(block.code, block.page, block.line, namespace, watch=True)
        _run_tests(namespace)
    idle = [name for name in defined if name not in called]
    assert not idle, (
        f"{block.page}:{block.line} defines {idle} but never runs them: call each function the"
        " example defines (an async one with asyncio.run(main()))"
    )


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{b.page}:{b.line}" for b in BLOCKS])
def test_example_runs(block: Block, capsys: pytest.CaptureFixture[str]) -> None:
    if block.skip is not None:
        pytest.skip(f"{block.page}:{block.line} not run: {block.skip}")
    run_block(block)


def _run_tests(namespace: dict[str, object]) -> None:
    # An example written as a pytest test is run too, with the plugin's fixtures.
    fixtures = {"fake_graph": FakeGraph, "fake_graph_demo": FakeGraph.demo}
    for name, test in list(namespace.items()):
        defined_here = getattr(test, "__module__", None) == namespace.get("__name__")
        if name.startswith("Test") and inspect.isclass(test) and defined_here:
            raise AssertionError(f"class {name}: write a docs example's tests as functions")
        if name.startswith("test_") and inspect.isfunction(test):
            result = test(**{arg: fixtures[arg]() for arg in inspect.signature(test).parameters})
            if inspect.iscoroutine(result):  # pytest-asyncio (asyncio_mode = "auto") awaits it
                asyncio.run(result)


def test_every_page_is_collected() -> None:
    assert {b.page for b in BLOCKS} >= {"README.md", "docs/index.md", "docs/calendar.md"}
    assert ROOT / "docs" / "reference" / "index.md" in PAGES  # its fences are checked too


def test_skipped_blocks_are_few_and_say_why() -> None:
    skipped = [f"{b.page}:{b.line}: {b.skip}" for b in BLOCKS if b.skip is not None]
    assert len(skipped) <= MAX_SKIPPED, skipped
    assert all(b.skip for b in BLOCKS if b.skip is not None), "a skip comment needs a reason"


def test_a_skipped_block_run_elsewhere_is_that_file_verbatim() -> None:
    # A skip reason naming a file "(path/to/file.py)" says that file runs it elsewhere (the
    # msgraph-sdk example: the interop suite, in its own environment): the page must show
    # that file exactly, or the example shown would not be the one that runs.
    named = [(b, re.search(r"\(([\w./-]+\.py)\)", b.skip or "")) for b in BLOCKS]
    checked = [(b, m[1]) for b, m in named if m]
    assert checked, "docs/emulator.md's msgraph-sdk example names interop/docs_example.py"
    for block, file in checked:
        assert block.code == (ROOT / file).read_text(encoding="utf-8"), f"{block.page}:{block.line}"


def test_every_hidden_comment_belongs_to_a_block() -> None:
    # A setup/skip comment not directly before a fence would silently do nothing.
    for page in PAGES:
        found = len(_ANY_COMMENT.findall(page.read_text()))
        attached = sum(1 for b in _page_blocks(page) if b.setup or b.skip is not None)
        assert found == attached, f"{page.name}: a setup/skip comment is not right before ```python"


def fences(text: str) -> list[tuple[int, str]]:
    """The line number and info string (language and attributes) of every fence's opening."""
    out, closing = [], ""
    for number, line in enumerate(text.splitlines(), 1):
        m = _OPENER.match(line)
        if not m:
            continue
        if not closing:
            out.append((number, m["info"].strip()))
            closing = m["fence"]
        elif m["fence"].startswith(closing) and not m["info"].strip():
            closing = ""
    return out


def unrun_python(name: str, text: str) -> list[str]:
    """Fences of a page that look like python but that this test would not run."""
    collected = {block.line - 1 for block in blocks(name, text)}  # the fence is the line before
    return [
        f"{name}:{number}: {info!r}"
        for number, info in fences(text)
        if "py" in info.split(" ")[0].lower() and number not in collected
    ]


def test_every_fence_names_its_language() -> None:
    # A bare ``` fence would hide Python from this test; ```text says it is not code to run.
    for page in PAGES:
        for number, info in fences(page.read_text()):
            assert info, f"{page.name}:{number}: ``` without a language"


def test_every_python_looking_fence_is_run() -> None:
    # ```pycon, ```{.python}, ````python or ~~~python would show python the test never runs.
    missed = [hit for page in PAGES for hit in unrun_python(page.name, page.read_text())]
    assert not missed, f"write these as ```python: {missed}"


def test_the_parser_reads_setup_skip_and_tabs() -> None:
    text = (
        '=== "Sync"\n\n'
        "    <!-- setup:\n    x = 1\n    -->\n"
        "    ```python\n    assert x == 1\n    ```\n\n"
        "<!-- skip: serves forever -->\n```python\nwhile True: pass\n```\n\n"
        "<!-- setup: y = 2 -->\n\n```python\nprint()\n```\n"
    )
    found = blocks("page.md", text)
    assert [(b.line, b.code, b.setup.strip(), b.skip) for b in found] == [
        (7, "assert x == 1\n", "x = 1", None),
        (12, "while True: pass\n", "", "serves forever"),
        (18, "print()\n", "", None),  # not directly before the fence: not attached
    ]


def test_an_example_written_as_a_test_is_run() -> None:
    seen: list[FakeGraph] = []

    def test_it(fake_graph_demo: FakeGraph) -> None:
        seen.append(fake_graph_demo)

    _run_tests({"test_it": test_it, "test_data": [1]})
    assert len(seen) == 1
    assert isinstance(seen[0], FakeGraph)


def test_the_site_leaves_hidden_comments_out() -> None:
    page = '=== "Sync"\n\n    <!-- setup:\n    x = 1\n    -->\n    ```python\n    x\n    ```\n'
    assert on_page_markdown(page) == '=== "Sync"\n\n    ```python\n    x\n    ```\n'


def _block(code: str) -> Block:
    return Block("page.md", 1, textwrap.dedent(code), "", 0, None)


@pytest.mark.parametrize(
    "code",
    [
        "def main():\n    assert False\n",  # defined, never called
        "async def main():\n    assert False\n\nmain()\n",  # called, never awaited
        "async def test_it():\n    assert False\n",  # an async test, never awaited
        "class TestIt:\n    def test_it(self):\n        assert False\n",  # a test class
    ],
    ids=["never-called", "never-awaited", "async-test", "test-class"],
)
@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
def test_an_example_cannot_pass_without_running(code: str) -> None:
    with pytest.raises(AssertionError):
        run_block(_block(code))


def test_what_an_example_defines_and_runs_passes() -> None:
    run_block(
        _block(
            '''
            import asyncio

            async def main():
                """A docstring stays one."""
                return helper()

            def helper():
                return 1

            if __name__ == "__main__":  # the namespace is __main__, as for a script
                assert asyncio.run(main()) == 1

            from unittest import TestCase  # imported, not a test class of the example

            async def test_it(fake_graph):
                assert fake_graph.requests == []
            '''
        )
    )


def test_python_fences_with_attributes_or_py_are_run_and_others_are_flagged() -> None:
    text = (
        '```python title="app.py"\na = 1\n```\n\n'
        "```py\nb = 2\n```\n\n"
        "!!! note\n    ```python\n    c = 3\n    ```\n\n"
        "```pycon\n>>> d = 4\n```\n\n"
        "````python\ne = 5\n````\n\n"
        "~~~python\nf = 6\n~~~\n\n"
        "```{.python}\ng = 7\n```\n\n"
        "```bash\npython -m graphlink\n```\n"
    )
    assert [b.code for b in blocks("page.md", text)] == ["a = 1\n", "b = 2\n", "c = 3\n"]
    assert unrun_python("page.md", text) == [
        "page.md:14: 'pycon'",
        "page.md:18: 'python'",
        "page.md:22: 'python'",
        "page.md:26: '{.python}'",
    ]
