"""The examples in graphlink's docstrings run: the API reference shows them on the site.

Two kinds, in the docstring of every module, class, function and method of graphlink:

- ``>>>`` examples (doctests, also inside a ```` ```pycon ```` fence) run with ``doctest``;
- ```` ```python ```` fences run as the docs pages' blocks do (``test_docs_examples``): on
  their own, in a fresh namespace, every function they define called. A fence that is a
  fragment of the text around it (names it does not define) is listed in ``FRAGMENTS``
  with the reason; the list only shrinks.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from types import ModuleType

import pytest
from test_docs_examples import Block, blocks, run_block

import graphlink

#: Docstring fences that are fragments, not programs: where they are, and why.
FRAGMENTS = {
    "graphlink._client_async.AsyncGraphClient.batch": "start, end and room are the reader's",
    "graphlink._client_sync.GraphClient.batch": "start, end and room are the reader's",
}


def _modules() -> list[ModuleType]:
    names = [m.name for m in pkgutil.walk_packages(graphlink.__path__, "graphlink.")]
    return [
        importlib.import_module(name)
        for name in ["graphlink", *names]
        if name != "graphlink.__main__"
    ]


def _docstrings(module: ModuleType) -> Iterator[tuple[str, str]]:
    """(qualified name, docstring) of a module and of what it defines."""
    yield module.__name__, module.__doc__ or ""
    for obj in vars(module).values():
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if getattr(obj, "__module__", None) != module.__name__:
            continue
        yield f"{module.__name__}.{obj.__qualname__}", inspect.getdoc(obj) or ""
        for name, member in vars(obj).items() if inspect.isclass(obj) else ():
            target = member.fget if isinstance(member, property) else member
            target = getattr(target, "__func__", target)  # staticmethod, classmethod
            if inspect.isfunction(target) and target.__doc__:
                yield f"{module.__name__}.{obj.__qualname__}.{name}", inspect.getdoc(target) or ""


MODULES = _modules()
FENCES = [
    (where, block)
    for module in MODULES
    for where, doc in _docstrings(module)
    for block in blocks(where, doc)
]


@pytest.mark.parametrize("module", MODULES, ids=[m.__name__ for m in MODULES])
def test_doctests_pass(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)
    assert result.failed == 0, f"{module.__name__}: {result.failed} doctest example(s) failed"


@pytest.mark.parametrize(("where", "block"), FENCES, ids=[f"{w}:{b.line}" for w, b in FENCES])
def test_docstring_fence_runs(where: str, block: Block) -> None:
    if where in FRAGMENTS:
        pytest.skip(f"{where}: a fragment: {FRAGMENTS[where]}")
    run_block(block)


def test_fragments_are_few_and_still_there() -> None:
    assert len(FRAGMENTS) <= 2
    assert set(FRAGMENTS) <= {where for where, _ in FENCES}, "a listed fragment is gone"


def test_the_docstrings_are_found() -> None:
    found = {where for where, _ in FENCES}
    assert {"graphlink.qr", "graphlink.notifications.flask"} <= found
