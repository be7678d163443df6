"""Properties of the substitution, checked with Hypothesis."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from graphlink.errors import ValidationError
from graphlink.templates import Template, Trusted, build_html, build_template, fields, trusted

KEYS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,8}", fullmatch=True)
# Literal template text without "%", so no placeholder forms across segments.
LITERALS = st.text(alphabet=st.characters(exclude_characters="%"), max_size=12)
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12)
)
SAFE_TEXT = st.text(alphabet=st.characters(exclude_characters="%"), max_size=12)
# (is_placeholder, text) segments: a template made of literal text and placeholders.
SEGMENTS = st.lists(st.one_of(st.tuples(st.just(False), LITERALS), st.tuples(st.just(True), KEYS)))


def _join(segments: list[tuple[bool, str]]) -> str:
    return "".join("%{" + text + "}" if is_key else text for is_key, text in segments)


def _driver_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@given(st.text(), st.dictionaries(KEYS, VALUES))
def test_a_template_without_its_keys_is_unchanged(template: str, args: dict[str, object]) -> None:
    used = {key for key in args if "%{" + key + "}" in template}
    unused = {key: value for key, value in args.items() if key not in used}
    assert build_template(template, unused) == template  # type: ignore[arg-type]
    assert build_html(template, unused) == template  # type: ignore[arg-type]


@given(
    SEGMENTS, st.dictionaries(KEYS, st.one_of(st.none(), st.booleans(), st.integers(), SAFE_TEXT))
)
def test_every_placeholder_is_replaced_once_without_expansion(
    segments: list[tuple[bool, str]], args: dict[str, object]
) -> None:
    # With values that contain no "%", the driver's sequential replacement equals a single
    # pass over the template: each placeholder with an argument becomes its value.
    expected = "".join(
        (_driver_text(args[text]) if text in args else "%{" + text + "}") if is_key else text
        for is_key, text in segments
    )
    assert build_template(_join(segments), args) == expected  # type: ignore[arg-type]


@given(st.text(), st.dictionaries(st.text(max_size=6), VALUES))
def test_html_values_never_add_markup(template: str, args: dict[str, object]) -> None:
    out = build_html(template, args)  # type: ignore[arg-type]
    for char in "<>\"'":
        assert out.count(char) <= template.count(char)


@given(SEGMENTS, st.dictionaries(KEYS, st.one_of(SAFE_TEXT, SAFE_TEXT.map(trusted))))
def test_html_markup_comes_only_from_the_template_or_trusted_values(
    segments: list[tuple[bool, str]], args: dict[str, str]
) -> None:
    out = build_html(_join(segments), args)
    allowed = sum(text.count("<") for is_key, text in segments if not is_key)
    allowed += sum(
        args[text].count("<")
        for is_key, text in segments
        if is_key and text in args and isinstance(args[text], Trusted)
    )
    assert out.count("<") == allowed


@given(SEGMENTS)
def test_fields_lists_exactly_the_placeholders(segments: list[tuple[bool, str]]) -> None:
    template = _join(segments)
    keys = {text for is_key, text in segments if is_key}
    assert fields(template) == keys
    replaced = build_template(template, dict.fromkeys(keys, "v"))
    assert fields(replaced) == set()


@given(
    st.from_regex(r"[^\r\n\x00]*%\{a\}[^\r\n\x00]*", fullmatch=True).filter(str.strip),
    st.text(max_size=10),
)
def test_a_rendered_subject_is_always_one_line(subject: str, value: str) -> None:
    template = Template(subject)
    try:
        rendered = template.render({"a": value})
    except ValidationError:
        assert re.search("[\r\n\x00]", value)
    else:
        assert not re.search("[\r\n\x00]", rendered.subject)
