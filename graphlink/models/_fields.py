"""The field DSL of the models: ``gfield`` and the specs both structure paths build from.

A model declares each attribute with ``gfield``, which stores its Graph mapping in the attrs
metadata. ``field_specs`` reads that back once per class as ``FieldSpec`` rows (which Graph
key, which *kind* of field); ``model_spec`` condenses them into the per-class sets the
unstructure hook and ``to_graph()`` need.

Field kinds:

- ``"plain"``: the value is ``data[key]``;
- ``"path"``: ``data[key][inner]`` (``gfield(path=(outer, inner))``);
- ``"recipient"``: ``data[key]["emailAddress"]``, or a list of those;
- ``"dtz"``: a Graph ``dateTimeTimeZone``;
- ``"lenient"``: a server timestamp, ``None`` (and kept in ``extra``) when unreadable;
- ``"omit"``: not in Graph JSON; ``"extra"``: the keys no field names.

A new kind (``gfield(kind=...)``) needs a validating hook (``FIELD_HOOKS`` in ``_hooks``) and
is written back like a plain value; the fast-path generator compiles only the kinds it lists
(``COMPILED_KINDS`` in ``_fast``), so a class with any other kind stays on the validating path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

__all__ = [
    "FieldSpec",
    "ModelSpec",
    "field_specs",
    "gfield",
    "graph_key",
    "model_spec",
    "odata_kind",
]


def gfield(
    graph: str | None = "",
    *,
    default: Any = None,
    factory: Callable[[], Any] | None = None,
    read_only: bool = False,
    lenient: bool = False,
    path: tuple[str, str] | None = None,
    recipient: bool = False,
    dtz: tuple[str, ...] = (),
    kind: str | None = None,
    kw_only: bool = True,
) -> Any:
    """An attrs field with its Graph mapping.

    Args:
        graph: the Graph JSON key; ``""`` derives it (``is_all_day`` -> ``isAllDay``),
            ``None`` keeps the field out of Graph JSON.
        read_only: Graph sets it; ``to_graph()`` leaves it out unless asked.
        lenient: a server timestamp: an unparseable value becomes ``None`` and is kept
            verbatim in ``extra`` instead of failing the whole object.
        path: ``(outer, inner)``: the value lives at ``data[outer][inner]``.
        recipient: the value is wrapped as Graph's ``recipient`` (``{"emailAddress": ...}``).
        dtz: a Graph ``dateTimeTimeZone``; names the attributes holding the zone name.
        kind: a field kind by name, for a kind no flag above implies.
    """
    metadata = {
        "graph": graph,
        "ro": read_only,
        "lenient": lenient,
        "path": path,
        "recipient": recipient,
        "dtz": dtz,
        "kind": kind,
    }
    if factory is not None:
        return attrs.field(factory=factory, metadata=metadata, kw_only=kw_only)
    return attrs.field(default=default, metadata=metadata, kw_only=kw_only)


@attrs.frozen
class FieldSpec:
    """One model attribute and where its value lives in Graph JSON.

    ``kind`` is one of the field kinds of this module; ``key`` is the Graph key read
    (``None`` for ``"omit"`` and ``"extra"``), ``inner`` the nested key of a ``"path"`` or
    ``"recipient"`` field.
    """

    name: str
    key: str | None
    type: Any
    default: Any
    kind: str
    inner: str | None = None


def _camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def graph_key(a: attrs.Attribute[Any]) -> str | None:
    """The Graph JSON key of an attribute, or ``None`` when it is not in Graph JSON."""
    graph = a.metadata.get("graph", "")
    if a.name == "extra":
        return None
    return _camel(a.name) if graph == "" else graph


def _kind(a: attrs.Attribute[Any], key: str | None) -> str:
    md = a.metadata
    if a.name == "extra":
        return "extra"
    if key is None:
        return "omit"
    if md.get("kind"):
        return str(md["kind"])
    for flag in ("path", "dtz", "lenient", "recipient"):
        if md.get(flag):
            return flag
    return "plain"


_FIELDS: dict[type, tuple[FieldSpec, ...]] = {}


def field_specs(cls: type) -> tuple[FieldSpec, ...]:
    """Each attribute of a model with its Graph mapping: what both structure paths build from."""
    specs = _FIELDS.get(cls)
    if specs is not None:
        return specs
    model: Any = cls
    attrs.resolve_types(model)
    out = []
    for a in attrs.fields(model):
        key = graph_key(a)
        kind = _kind(a, key)
        if kind == "path":
            outer, inner = a.metadata["path"]
            out.append(FieldSpec(a.name, outer, a.type, a.default, kind, inner))
        elif kind == "recipient":
            out.append(FieldSpec(a.name, key, a.type, a.default, kind, "emailAddress"))
        else:
            out.append(FieldSpec(a.name, key, a.type, a.default, kind))
    specs = _FIELDS[cls] = tuple(out)
    return specs


@attrs.frozen
class ModelSpec:
    """What the unstructure hook and ``to_graph()`` need to know of one model class."""

    known: frozenset[str]
    """Every top-level Graph key the class reads; any other key goes to ``extra``."""
    read_only: frozenset[str]
    """The keys ``to_graph()`` leaves out unless asked."""
    lenient: tuple[tuple[str, str], ...]
    """``(attribute, key)`` of each lenient timestamp."""
    paths: tuple[tuple[str, str, str], ...]
    """``(attribute, outer, inner)`` of each path field that is not a zone name."""
    dtz: tuple[tuple[str, str, tuple[str, ...]], ...]
    """``(attribute, key, zone attributes)`` of each ``dateTimeTimeZone`` field."""


_SPECS: dict[type, ModelSpec] = {}


def model_spec(cls: type) -> ModelSpec:
    """The ``ModelSpec`` of a model class (built once)."""
    spec = _SPECS.get(cls)
    if spec is not None:
        return spec
    fields = {a.name: a for a in attrs.fields(cls)}
    tz_attrs = {n for a in fields.values() for n in a.metadata.get("dtz", ())}
    known: set[str] = set()
    read_only: set[str] = set()
    lenient, paths, dtz = [], [], []
    for f in field_specs(cls):
        if f.key is None:
            continue
        known.add(f.key)
        if f.kind == "path":
            # a zone name's path is written with its dateTimeTimeZone, not on its own
            if f.name not in tz_attrs:
                paths.append((f.name, f.key, f.inner or ""))
            continue
        if fields[f.name].metadata.get("ro"):
            read_only.add(f.key)
        if f.kind == "lenient":
            lenient.append((f.name, f.key))
        if f.kind == "dtz":
            dtz.append((f.name, f.key, fields[f.name].metadata["dtz"]))
    spec = _SPECS[cls] = ModelSpec(
        frozenset(known), frozenset(read_only), tuple(lenient), tuple(paths), tuple(dtz)
    )
    return spec


def odata_kind(odata_type: str | None, default: str) -> str:
    """``"#microsoft.graph.orgContact"`` -> ``"orgContact"`` (``default`` when absent)."""
    if not odata_type:
        return default
    return odata_type.lstrip("#").removeprefix("microsoft.graph.")
