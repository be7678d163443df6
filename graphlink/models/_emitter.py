"""The code writer of the fast path: the body of one generated structure function.

``Emitter`` writes, field by field, lines that read each Graph key with one ``dict.get`` and
check the common shapes inline (a ``str`` is a ``str``, an enum value is a key of a prebuilt
``EnumTable``, a nested object is a ``dict``); anything else goes to the validating path's
hook for that field. ``Bail`` (or any exception) from the generated code means "let the
validating path judge"; ``NoFastPath`` while writing means the class gets no fast function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args, get_origin

import attrs

from graphlink.models._enums import OpenEnum
from graphlink.models._fields import FieldSpec

__all__ = ["Bail", "Emitter", "EnumTable", "Lazy", "NoFastPath"]

_NONE_TYPE = type(None)
# Leaf types whose common case is checked inline (``v.__class__ is C``).
_LEAVES = (str, bool, int, float)


class Bail(Exception):
    """The fast path met something unusual; the validating path takes over."""


class NoFastPath(Exception):
    """A class (or one of its fields) the generator does not handle; it is validated only."""


class EnumTable:
    """Raw Graph value -> open-enum member, for one field.

    ``members`` is a plain ``dict`` (a subscript on a ``dict`` subclass is several times
    slower); ``learn`` handles what it misses (``None``, other spellings, unknown
    values, non-strings) with the enum's validating hook, and remembers strings, up to a
    bound. Generated code reads ``members.get(value) or learn(value)``: members are never
    falsy, as only non-empty values are remembered.
    """

    __slots__ = ("_hook", "_type", "members")

    def __init__(self, enum: type[OpenEnum], hook: Callable[[Any, Any], Any]) -> None:
        self.members: dict[Any, Any] = {m.value: m for m in enum if m.value}
        """Every known value, as Graph spells it, to its member."""
        self._hook = hook
        self._type = enum

    def learn(self, value: Any) -> Any:
        """The member (or ``None``) for a value the table does not hold yet."""
        member = self._hook(value, self._type)
        if value.__class__ is str and member and len(self.members) < 512:
            self.members[value] = member
        return member


class Lazy:
    """A namespace entry resolved on first call, then replaced by what it resolved to.

    Nested hooks are looked up lazily so that recursive models (``User.manager``) and
    classes defined later in the package do not have to exist when a function is built.
    """

    __slots__ = ("_name", "_namespace", "_resolve")

    def __init__(
        self, namespace: dict[str, Any], name: str, resolve: Callable[[], Callable[..., Any]]
    ) -> None:
        self._namespace = namespace
        self._name = name
        self._resolve = resolve

    def __call__(self, *args: Any) -> Any:
        fn = self._namespace[self._name] = self._resolve()
        return fn(*args)


def _optional(t: Any) -> tuple[Any, bool]:
    args = get_args(t)
    if len(args) == 2 and _NONE_TYPE in args:
        return next(a for a in args if a is not _NONE_TYPE), True
    return t, False


def _tuple_item(t: Any) -> Any:
    args = get_args(t)
    if get_origin(t) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    return None


# What the generated code's ``data.get(key, MISSING)`` gives for an absent key.
_MISSING = object()


class Emitter:
    """Writes the body of one fast structure function."""

    def __init__(
        self,
        cls: type,
        hook_for: Callable[[Any], Callable[[Any, Any], Any]],
        model_fast: Callable[[Any], Callable[[Any], Any] | None],
        special: dict[str, Callable[..., Any]],
    ) -> None:
        self.cls = cls
        self.hook_for = hook_for
        self.model_fast = model_fast
        self.special = special
        self.ns: dict[str, Any] = {"Bail": Bail, "MISSING": _MISSING}
        self.lines: list[str] = []
        self.loaded: dict[str, str] = {}
        self.get = "g"
        """How the generated code reads a key."""

    def const(self, prefix: str, value: Any) -> str:
        """A fresh name bound to ``value`` in the generated function's namespace."""
        name = f"{prefix}{len(self.ns)}"
        self.ns[name] = value
        return name

    def lazy(self, prefix: str, resolve: Callable[[], Callable[..., Any]]) -> str:
        """A fresh name bound to a ``Lazy`` of ``resolve``."""
        name = f"{prefix}{len(self.ns)}"
        self.ns[name] = Lazy(self.ns, name, resolve)
        return name

    def call(self, t: Any, var: str) -> str:
        """``hook(var, t)`` with the validating hook of ``t``."""
        hook = self.lazy("H", lambda: self.hook_for(t))
        return f"{hook}({var}, {self.const('T', t)})"

    def fast_model(self, t: Any) -> str:
        """A name for ``value -> instance`` of the model class ``t``: its fast function, or
        its validating hook where it has none."""

        def resolve() -> Callable[[Any], Any]:
            fast = self.model_fast(t)
            if fast is not None:
                return fast
            hook = self.hook_for(t)
            return lambda value: hook(value, t)

        return self.lazy("F", resolve)

    def load(self, key: str) -> str:
        """A local holding ``data[key]`` (``None`` when missing), for a key read by several
        fields (which then all need a ``None`` default); counts the key if missing."""
        var = self.loaded.get(key)
        if var is None:
            var = self.loaded[key] = f"k{len(self.loaded)}"
            self.lines += [
                f"    {var} = {self.get}({key!r}, MISSING)",
                f"    if {var} is MISSING:",
                "        miss += 1",
                f"        {var} = None",
            ]
        return var

    def convert(self, var: str, t: Any, indent: str) -> list[str]:
        """Lines turning the raw JSON value in ``var`` into a value of type ``t``."""
        if t is Any:
            return []
        inner, optional = _optional(t)
        none_ok = f"{var} is not None and " if optional else ""
        if inner in _LEAVES:
            check = f"{none_ok}{var}.__class__ is not {inner.__name__}"
            return [f"{indent}if {check}:", f"{indent}    {var} = {self.call(t, var)}"]
        if isinstance(inner, type) and issubclass(inner, OpenEnum):
            table = EnumTable(inner, self.hook_for(t))
            members, learn = self.const("E", table.members), self.const("L", table.learn)
            return [f"{indent}{var} = {members}.get({var}) or {learn}({var})"]
        if isinstance(inner, type) and attrs.has(inner):
            call = f"{var} = {self.fast_model(inner)}({var})"
            if optional:
                return [f"{indent}if {var} is not None:", f"{indent}    {call}"]
            return [f"{indent}{call}"]
        item = _tuple_item(t)
        if item is not None:
            if isinstance(item, type) and attrs.has(item):
                items = f"tuple(map({self.fast_model(item)}, {var}))"
            else:
                items = f"() if not {var} else {self.call(t, var)}"
            return [
                f"{indent}if {var} is None:",
                f"{indent}    {var} = ()",
                f"{indent}elif {var}.__class__ is list:",
                f"{indent}    {var} = {items}",
                f"{indent}else:",
                f"{indent}    {var} = {self.call(t, var)}",
            ]
        if optional:
            return [f"{indent}if {var} is not None:", f"{indent}    {var} = {self.call(t, var)}"]
        return [f"{indent}{var} = {self.call(t, var)}"]

    def default(self, spec: FieldSpec) -> str:
        """An expression for the attribute's default."""
        default = spec.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type,unused-ignore]
            if default.takes_self:
                raise NoFastPath(f"{spec.name}: a default that takes self")
            return f"{self.const('D', default.factory)}()"
        return self.const("D", default)

    def field(self, index: int, spec: FieldSpec, shared: bool) -> str:
        """Lines giving the attribute its value; returns the local holding it.

        ``shared``: another field reads the same Graph key.
        """
        var = f"v{index}"
        out = self.lines
        if spec.kind == "extra":
            return "extra"
        if spec.kind == "omit":
            out.append(f"    {var} = {self.default(spec)}")
            return var
        key = spec.key
        assert key is not None
        none_default = spec.default is None or (
            isinstance(spec.default, attrs.Factory)  # type: ignore[arg-type,unused-ignore]
            and spec.default.factory is tuple
            and _tuple_item(spec.type) is not None
        )
        recipients = spec.kind == "recipient" and _tuple_item(spec.type) is not None
        if spec.kind == "path" or (spec.kind == "recipient" and not recipients):
            if not none_default:
                raise NoFastPath(f"{spec.name}: a {spec.kind} field needs a None default")
            outer = self.load(key)
            out.append(f"    if {outer} is None:")
            out.append(f"        {var} = None")
            out.append(f"    elif {outer}.__class__ is dict:")
            out.append(f"        {var} = {outer}.get({spec.inner!r})")
            out.extend(self.convert(var, spec.type, "        "))
            out.append("    else:")
            out.append("        raise Bail")
            return var
        if spec.kind in ("dtz", "lenient"):
            parse = self.const("P", self.special[spec.kind])
            body = [f"    if {var} is not None:", f"        {var} = {parse}({var})"]
        elif recipients:
            hook = self.const("R", self.special["field_hook"](spec))
            body = [f"    {var} = {hook}({var}, {self.const('T', spec.type)})"]
        elif spec.kind == "plain":
            body = self.convert(var, spec.type, "    ")
        else:
            raise NoFastPath(f"{spec.name}: unknown kind {spec.kind}")
        if shared:
            if not none_default:
                raise NoFastPath(f"{spec.name}: a shared key needs a None default")
            out.append(f"    {var} = {self.load(key)}")
            out.extend(body)
            return var
        out.append(f"    {var} = {self.get}({key!r}, MISSING)")
        self.loaded[key] = var
        leaf, optional = _optional(spec.type)
        if spec.kind == "plain" and leaf in _LEAVES:
            # one check in the common case: the value has the expected class
            out.append(f"    if {var}.__class__ is not {leaf.__name__}:")
            out.append(f"        if {var} is MISSING:")
            out.append("            miss += 1")
            out.append(f"            {var} = {self.default(spec)}")
            out.append(f"        elif {var} is not None:" if optional else "        else:")
            out.append(f"            {var} = {self.call(spec.type, var)}")
            return var
        out.append(f"    if {var} is MISSING:")
        out.append("        miss += 1")
        out.append(f"        {var} = {self.default(spec)}")
        out.append("    else:")
        out.extend("    " + line for line in body or ["    pass"])
        return var
