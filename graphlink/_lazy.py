"""Public names imported on first use (PEP 562): one implementation for every package."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    package: str,
    where: Mapping[str, str],
    namespace: dict[str, Any],
    submodules: frozenset[str] = frozenset(),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's module ``__getattr__`` and ``__dir__``.

    ``where`` maps each name to the module defining it (absolute, or relative to
    ``package`` with a leading dot); ``submodules`` are subpackages reachable as attributes.
    A name is imported on first use and kept in ``namespace`` (the package's globals), so
    the next use costs nothing; ``__dir__`` lists ``__all__`` before anything is imported.
    """

    def getattr_(name: str) -> Any:
        if name in where:
            value = getattr(importlib.import_module(where[name], package), name)
        elif name in submodules:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted(set(namespace) | set(namespace.get("__all__", ())))

    return getattr_, dir_
