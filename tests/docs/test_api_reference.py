"""Every public name has a docstring and a place in the API reference (docs/reference/).

Public means listed in a public module's ``__all__``. A name is on a reference page when a
``::: identifier`` directive renders it, or renders the module that lists it (mkdocstrings
then renders every name of its ``__all__``). A re-export counts where its object is
rendered under any public path (``graphlink.RetryPolicy`` is ``graphlink.retry.RetryPolicy``).
The check reads the code as the docs build does (griffe, statically).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import griffe
import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"
MODULES = [
    "graphlink",
    "graphlink.resources",
    "graphlink.models",
    "graphlink.errors",
    "graphlink.retry",
    "graphlink.ratelimit",
    "graphlink.auth",
    "graphlink.templates",
    "graphlink.qr",
    "graphlink.placeos",
    "graphlink.notifications",
    "graphlink.notifications.starlette",
    "graphlink.notifications.flask",
    "graphlink.notifications.django",
    "graphlink.testing",
]
_DIRECTIVE = re.compile(r"^::: ([\w.]+)[ ]*$", re.M)


@pytest.fixture(scope="module")
def package() -> griffe.Module:
    loaded = griffe.load("graphlink", search_paths=[str(ROOT)], resolve_aliases=True)
    assert isinstance(loaded, griffe.Module)
    return loaded


def _get(package: griffe.Module, path: str) -> griffe.Object | griffe.Alias:
    return package if path == "graphlink" else package[path.removeprefix("graphlink.")]


def _target(obj: griffe.Object | griffe.Alias) -> griffe.Object:
    return obj.final_target if isinstance(obj, griffe.Alias) else obj


def _public(module: str) -> list[str]:
    names: list[str] = list(importlib.import_module(module).__all__)
    return [name for name in names if not name.startswith("__")]  # __version__


def _rendered(package: griffe.Module) -> set[str]:
    """The canonical paths of every object the reference pages render."""
    out = set()
    for page in REFERENCE.rglob("*.md"):
        for identifier in _DIRECTIVE.findall(page.read_text()):
            obj = _target(_get(package, identifier))
            out.add(obj.path)
            if obj.is_module:
                out.update(_target(obj[name]).path for name in _public(identifier))
    return out


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_has_a_docstring(package: griffe.Module, module: str) -> None:
    mod = _get(package, module)
    assert _target(mod).docstring, f"{module} has no module docstring"
    missing = [name for name in _public(module) if not _target(mod[name]).docstring]
    assert not missing, f"{module}: no docstring for {missing}"


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_is_on_a_reference_page(package: griffe.Module, module: str) -> None:
    rendered = _rendered(package)
    mod = _get(package, module)
    missing = [name for name in _public(module) if _target(mod[name]).path not in rendered]
    assert not missing, f"{module}: not in docs/reference/: {missing}"


def test_every_directive_names_a_real_object(package: griffe.Module) -> None:
    for page in [*REFERENCE.rglob("*.md"), *(ROOT / "docs").glob("*.md")]:
        for identifier in _DIRECTIVE.findall(page.read_text()):
            _get(package, identifier)  # a KeyError names the stale one
