"""FakeGraph's one query engine: ``$filter``, ``$search``, ``$orderby``, ``$select``, paging.

Everything here is pure: it takes dicts (Graph JSON objects) and query values and returns
new values or raises ``QueryError``. Every collection FakeGraph serves (users, groups,
members, events, rooms, subscriptions...) goes through ``run_query``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

__all__ = [
    "ExpandItem",
    "QueryError",
    "QueryResult",
    "decode_token",
    "encode_token",
    "filter_uses_advanced_features",
    "parse_expand",
    "parse_filter",
    "parse_search",
    "run_query",
    "select_fields",
]

Item = dict[str, Any]
Predicate = Callable[[Mapping[str, Any]], bool]


class QueryError(Exception):
    """A query Graph would refuse: carries the HTTP status, Graph error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _bad(message: str) -> QueryError:
    return QueryError(400, "BadRequest", message)


# --------------------------------------------------------------------------- $filter

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<datetime>\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)
      | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<punct>[(),:])
      | (?P<name>[A-Za-z_@$][A-Za-z0-9_./@$-]*)
    )""",
    re.VERBOSE,
)

_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCTIONS = {"startswith", "endswith", "contains"}


@attrs.frozen
class _Tok:
    kind: str
    value: Any


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None or m.end() == pos:
            raise _bad(f"Invalid filter clause: syntax error at position {pos} in '{text}'.")
        pos = m.end()
        kind = m.lastgroup or ""
        raw = m.group(kind)
        if kind == "string":
            tokens.append(_Tok("lit", raw[1:-1].replace("''", "'")))
        elif kind == "number":
            tokens.append(_Tok("lit", float(raw) if "." in raw else int(raw)))
        elif kind in ("guid", "datetime"):
            tokens.append(_Tok("lit", raw))
        elif kind == "punct":
            tokens.append(_Tok(raw, raw))
        else:
            low = raw.lower()
            if low in ("true", "false"):
                tokens.append(_Tok("lit", low == "true"))
            elif low == "null":
                tokens.append(_Tok("lit", None))
            else:
                tokens.append(_Tok("name", raw))
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


def _lookup(item: Any, path: str) -> Any:
    """Read ``a/b/c`` from nested dicts, matching keys case-insensitively."""
    cur = item
    for part in path.split("/"):
        if not isinstance(cur, Mapping):
            return None
        if part in cur:
            cur = cur[part]
            continue
        low = part.lower()
        cur = next((v for k, v in cur.items() if k.lower() == low), None)
    return cur


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _compare(op: str, left: Any, right: Any) -> bool:
    left, right = _norm(left), _norm(right)
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if left is None or right is None:
        return False
    try:
        if op == "gt":
            return bool(left > right)
        if op == "ge":
            return bool(left >= right)
        if op == "lt":
            return bool(left < right)
        return bool(left <= right)
    except TypeError:
        return False


class _Parser:
    """Recursive-descent parser turning an OData ``$filter`` into a predicate."""

    def __init__(self, tokens: list[_Tok], features: set[str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.features = features

    def peek(self, offset: int = 0) -> _Tok | None:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else None

    def take(self, kind: str | None = None) -> _Tok:
        tok = self.peek()
        if tok is None or (kind is not None and tok.kind != kind):
            want = kind or "a token"
            raise _bad(f"Invalid filter clause: expected {want}.")
        self.pos += 1
        return tok

    def is_word(self, word: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok is not None and tok.kind == "name" and str(tok.value).lower() == word

    def parse(self) -> Predicate:
        pred = self.or_expr()
        if self.peek() is not None:
            raise _bad("Invalid filter clause: unexpected trailing input.")
        return pred

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.is_word("or"):
            self.take()
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        return lambda item: any(p(item) for p in parts)

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while self.is_word("and"):
            self.take()
            parts.append(self.unary())
        if len(parts) == 1:
            return parts[0]
        return lambda item: all(p(item) for p in parts)

    def unary(self) -> Predicate:
        if self.is_word("not"):
            self.take()
            self.features.add("not")
            inner = self.unary()
            return lambda item: not inner(item)
        return self.primary()

    def primary(self) -> Predicate:
        tok = self.peek()
        if tok is None:
            raise _bad("Invalid filter clause: unexpected end of expression.")
        if tok.kind == "(":
            self.take()
            inner = self.or_expr()
            self.take(")")
            return inner
        if tok.kind == "name":
            lam = re.fullmatch(r"(?P<coll>.+)/(?P<op>any|all)", str(tok.value), re.IGNORECASE)
            nxt = self.peek(1)
            if lam and nxt is not None and nxt.kind == "(":
                self.take()
                return self.lambda_predicate(lam.group("coll"), lam.group("op").lower())
        if tok.kind == "name" and str(tok.value).lower() in _FUNCTIONS:
            nxt = self.peek(1)
            if nxt is not None and nxt.kind == "(":
                return self.function()
        return self.comparison()

    def function(self) -> Predicate:
        name = str(self.take("name").value).lower()
        self.features.add(name)
        self.take("(")
        path = str(self.take("name").value)
        self.take(",")
        arg = self.take("lit").value
        self.take(")")
        needle = str(arg).lower()

        def pred(item: Mapping[str, Any]) -> bool:
            value = _lookup(item, path)
            values = value if isinstance(value, list) else [value]
            for v in values:
                if not isinstance(v, str):
                    continue
                low = v.lower()
                if name == "startswith" and low.startswith(needle):
                    return True
                if name == "endswith" and low.endswith(needle):
                    return True
                if name == "contains" and needle in low:
                    return True
            return False

        return pred

    def comparison(self) -> Predicate:
        left = self.operand()
        if self.is_word("in"):
            self.take()
            self.features.add("in")
            self.take("(")
            options = [_norm(self.take("lit").value)]
            while self.peek() is not None and self.peek().kind == ",":  # type: ignore[union-attr]
                self.take(",")
                options.append(_norm(self.take("lit").value))
            self.take(")")
            return lambda item: _norm(left(item)) in options
        op_tok = self.take("name")
        op = str(op_tok.value).lower()
        if op not in _COMPARISONS:
            raise _bad(f"Invalid filter clause: unknown operator '{op_tok.value}'.")
        if op == "ne":
            self.features.add("ne")
        right = self.operand()
        return lambda item: _compare(op, left(item), right(item))

    def operand(self) -> Callable[[Mapping[str, Any]], Any]:
        tok = self.take()
        if tok.kind == "lit":
            value = tok.value
            return lambda _item: value
        if tok.kind != "name":
            raise _bad("Invalid filter clause: expected a property or a value.")
        path = str(tok.value)
        return lambda item: _lookup(item, path)

    def lambda_predicate(self, coll: str, op: str) -> Predicate:
        """``groupTypes/any(c:c eq 'Unified')``, ``identities/any(i:i/issuer eq 'x')``."""
        self.take("(")
        var = str(self.take("name").value)
        self.take(":")
        body = self.or_expr()
        self.take(")")
        prefix = var + "/"

        def run(item: Mapping[str, Any]) -> bool:
            values = _lookup(item, coll)
            if not isinstance(values, list):
                return False
            results = (body(_LambdaScope(item, var, prefix, v)) for v in values)
            return any(results) if op == "any" else all(results)

        return run


class _LambdaScope(Mapping[str, Any]):
    """The item seen inside a lambda body: ``c`` is the element, ``c/x`` its field."""

    def __init__(self, outer: Mapping[str, Any], var: str, prefix: str, value: Any) -> None:
        self.outer, self.var, self.prefix, self.value = outer, var, prefix, value

    def __getitem__(self, key: str) -> Any:
        if key == self.var:
            return self.value
        return self.outer[key]

    def __iter__(self) -> Any:
        yield self.var
        yield from self.outer

    def __len__(self) -> int:
        return len(self.outer) + 1

    def __contains__(self, key: object) -> bool:
        return key == self.var or key in self.outer


def parse_filter(text: str) -> tuple[Predicate, frozenset[str]]:
    """Parse an OData ``$filter`` expression.

    Returns the predicate and the set of features it uses (``ne``, ``not``, ``endswith``,
    ``startswith``, ``in``, ...), from which the caller decides whether the query is an
    "advanced query" in Microsoft Entra terms.
    """
    features: set[str] = set()
    pred = _Parser(_tokenize(text), features).parse()
    return pred, frozenset(features)


_ADVANCED_FILTER_FEATURES = frozenset({"ne", "not", "endswith", "contains"})


def filter_uses_advanced_features(features: Iterable[str]) -> bool:
    """True when a directory ``$filter`` needs ``ConsistencyLevel: eventual`` + ``$count``."""
    return bool(_ADVANCED_FILTER_FEATURES.intersection(features))


# --------------------------------------------------------------------------- $search

_SEARCH_TERM_RE = re.compile(r'"(?P<prop>[^":]+):(?P<value>[^"]*)"')
_TOKENIZED_SEARCH = frozenset({"displayname", "description"})


def parse_search(text: str) -> Predicate:
    """Parse a directory ``$search`` value: ``"displayName:wa" OR "mail:to"`` (AND too).

    ``displayName`` and ``description`` are tokenized (any word may match the prefix),
    other properties behave like ``startswith``, as the Graph docs describe.
    """
    text = text.strip()
    if not text.startswith('"'):
        raise _bad(
            "Syntax error: character '"
            + text[:1]
            + "' is not valid at position 0 in '"
            + text
            + "'. $search values must be quoted."
        )
    groups: list[list[tuple[str, str]]] = [[]]
    rest = text
    while rest:
        m = _SEARCH_TERM_RE.match(rest)
        if m is None:
            raise _bad(f"Invalid $search clause: '{text}'.")
        groups[-1].append((m.group("prop"), m.group("value").lower()))
        rest = rest[m.end() :].strip()
        if not rest:
            break
        word, _, rest = rest.partition(" ")
        rest = rest.strip()
        if word.upper() == "OR":
            groups.append([])
        elif word.upper() != "AND":
            raise _bad(f"Invalid $search clause: '{text}'.")

    def term_matches(item: Mapping[str, Any], prop: str, value: str) -> bool:
        field = _lookup(item, prop)
        if not isinstance(field, str):
            return False
        low = field.lower()
        if prop.lower() in _TOKENIZED_SEARCH:
            words = re.split(r"[\s\-_.,;:()\[\]/@]+", low)
            return any(w.startswith(value) for w in words) or low.startswith(value)
        return low.startswith(value)

    return lambda item: any(all(term_matches(item, p, v) for p, v in g) for g in groups)


# --------------------------------------------------------------------------- $orderby


def _sort(items: list[Item], orderby: str) -> list[Item]:
    keys: list[tuple[str, bool]] = []
    for clause in orderby.split(","):
        words = clause.strip().split()
        if not words:
            continue
        desc = len(words) > 1 and words[1].lower() == "desc"
        keys.append((words[0], desc))
    out = list(items)
    for path, desc in reversed(keys):

        def key(item: Item, path: str = path) -> tuple[int, Any]:
            value = _norm(_lookup(item, path))
            return (0, "") if value is None else (1, value)

        out.sort(key=key, reverse=desc)
    return out


# --------------------------------------------------------------------------- $select


def select_fields(item: Mapping[str, Any], select: Sequence[str] | None) -> Item:
    """Project an object onto ``select`` (case-insensitive); ``@odata.*`` keys are kept."""
    if not select:
        return dict(item)
    wanted = {s.strip().lower() for s in select if s.strip()}
    return {k: v for k, v in item.items() if k.lower() in wanted or k.startswith("@odata.")}


# --------------------------------------------------------------------------- $expand


@attrs.frozen
class ExpandItem:
    """One ``$expand`` clause: ``manager($levels=max;$select=id,displayName)``."""

    #: The navigation property as sent.
    name: str
    #: Its nested options, by lower-case name without ``$`` (``select``, ``levels``).
    options: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def select(self) -> list[str] | None:
        """The nested ``$select`` fields, or None."""
        raw = self.options.get("select")
        return [s.strip() for s in raw.split(",") if s.strip()] if raw else None


def _split_top(text: str, sep: str) -> list[str]:
    """``text`` split on ``sep`` outside parentheses; ``QueryError`` when they do not pair."""
    parts: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                break
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise _bad(f"Syntax error: unbalanced parentheses in '{text}'.")
    parts.append(text[start:])
    return parts


_EXPAND_ITEM = re.compile(r"\s*(?P<name>[^()\s]+)\s*(?:\((?P<options>.*)\))?\s*", re.DOTALL)


def parse_expand(text: str) -> list[ExpandItem]:
    """Parse an OData ``$expand``: comma-separated navigations, each with optional
    ``(opt=value;opt=value)`` nested options (OData v4.01 URL conventions, 5.1.3).

    Raises ``QueryError`` (400 ``BadRequest``; the messages are FakeGraph's) for an empty
    clause, unbalanced parentheses or a nested option without ``=``.
    """
    items: list[ExpandItem] = []
    for clause in _split_top(text, ","):
        m = _EXPAND_ITEM.fullmatch(clause)
        if m is None or not clause.strip():
            raise _bad(f"Syntax error in $expand: '{text}'.")
        options: dict[str, str] = {}
        for opt in _split_top(m["options"] or "", ";"):
            if not opt.strip():
                continue
            key, eq, value = opt.partition("=")
            if not eq:
                raise _bad(f"Syntax error in $expand: '{text}'.")
            options[key.strip().lstrip("$").lower()] = value.strip()
        items.append(ExpandItem(m["name"], options))
    return items


# --------------------------------------------------------------------------- paging tokens


def encode_token(state: Mapping[str, Any]) -> str:
    """Encode paging state into an opaque, URL-safe token (like Graph's ``$skiptoken``)."""
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> dict[str, Any]:
    """Decode a token made by ``encode_token``; ``QueryError`` if it is not one."""
    try:
        padded = token + "=" * (-len(token) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise _bad(f"The specified page token value '{token}' is invalid.") from exc
    if not isinstance(state, dict):
        raise _bad(f"The specified page token value '{token}' is invalid.")
    return state


# --------------------------------------------------------------------------- one query


@attrs.frozen
class QueryResult:
    """One page of a collection: its items, the total count and the next page's offset."""

    items: list[Item]
    count: int
    next_offset: int | None


def run_query(
    items: Iterable[Mapping[str, Any]],
    *,
    filter: str | None = None,  # noqa: A002 - the OData name
    search: str | None = None,
    orderby: str | None = None,
    offset: int = 0,
    page_size: int,
    extra: Predicate | None = None,
) -> QueryResult:
    """Filter, search, order and cut one page out of ``items`` (already-projected dicts)."""
    rows: list[Item] = [dict(i) for i in items]
    if extra is not None:
        rows = [r for r in rows if extra(r)]
    if filter:
        pred, _ = parse_filter(filter)
        rows = [r for r in rows if pred(r)]
    if search:
        spred = parse_search(search)
        rows = [r for r in rows if spred(r)]
    if orderby:
        rows = _sort(rows, orderby)
    page = rows[offset : offset + page_size]
    nxt = offset + page_size if offset + page_size < len(rows) else None
    return QueryResult(items=page, count=len(rows), next_offset=nxt)


def parse_datetime_literal(text: str) -> datetime | None:
    """Parse an ISO-8601 value as used in query strings; ``None`` when it is not one."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
