"""build_template (the driver's semantics, case by case) and build_html (escaping on top)."""

from __future__ import annotations

from typing import Any

import pytest

from graphlink.errors import ValidationError
from graphlink.templates import Trusted, build_html, build_template, trusted

# --- build_template: the driver's ``string.gsub("%{#{key}}", value)`` per argument ---------


@pytest.mark.parametrize(
    ("template", "args", "expected"),
    [
        pytest.param("%{name} has arrived", {"name": "Ada"}, "Ada has arrived", id="basic"),
        pytest.param("%{a} and %{b}", {"a": "x"}, "x and %{b}", id="unknown-kept"),
        pytest.param("no placeholders", {"a": "x"}, "no placeholders", id="unused-arg"),
        pytest.param("[%{a}]", {"a": None}, "[]", id="none-empty"),
        pytest.param("%{t}/%{f}", {"t": True, "f": False}, "true/false", id="booleans"),
        pytest.param("%{n}", {"n": 5}, "5", id="int"),
        pytest.param("%{n}", {"n": -12}, "-12", id="negative-int"),
        pytest.param("%{n}", {"n": 2**70}, str(2**70), id="big-int"),
        pytest.param("%{n}", {"n": 1.5}, "1.5", id="float"),
        pytest.param("%{n}", {"n": 2.0}, "2.0", id="whole-float"),
        pytest.param("%{n}", {"n": 0}, "0", id="zero-not-empty"),
        pytest.param("%{a}, %{a} and %{a}", {"a": "x"}, "x, x and x", id="repeated"),
        pytest.param("%{a}%{b}%{a}", {"a": "1", "b": "2"}, "121", id="adjacent"),
        pytest.param("%{a", {"a": "x"}, "%{a", id="unclosed"),
        pytest.param("%{a %{a}", {"a": "x"}, "%{a x", id="unclosed-then-closed"),
        pytest.param("%a} {a} %(a)s {{a}}", {"a": "x"}, "%a} {a} %(a)s {{a}}", id="other-syntax"),
        pytest.param("%%{a}", {"a": "x"}, "%x", id="double-percent"),
        pytest.param("%{ a }", {"a": "x"}, "%{ a }", id="spaces-are-part-of-key"),
        pytest.param("%{A}", {"a": "x"}, "%{A}", id="case-sensitive"),
        pytest.param("%{%{a}}", {"a": "b"}, "%{b}", id="nested-inner-first"),
        pytest.param("%{visitor.name}", {"visitor.name": "Ada"}, "Ada", id="dotted-key"),
        pytest.param("%{host-email}", {"host-email": "h@x"}, "h@x", id="dashed-key"),
        pytest.param("%{first name}", {"first name": "Ada"}, "Ada", id="key-with-space"),
        pytest.param("%{名前}", {"名前": "Ada"}, "Ada", id="unicode-key"),
        pytest.param("%{a}b}", {"a}b": "x"}, "x", id="key-with-brace"),
        pytest.param("%{}", {"": "x"}, "x", id="empty-key"),
        pytest.param("%{a}", {"a": r"\1 $1 \g<0>"}, r"\1 $1 \g<0>", id="no-backrefs"),
        pytest.param("%{a}", {"a": "line\r\nbreak"}, "line\r\nbreak", id="crlf-kept"),
        pytest.param("<b>%{a}</b>", {"a": "<i>&"}, "<b><i>&</b>", id="no-escaping"),
        pytest.param("", {"a": "x"}, "", id="empty-template"),
    ],
)
def test_build_template_driver_semantics(template: str, args: Any, expected: str) -> None:
    assert build_template(template, args) == expected


def test_values_are_expanded_by_later_arguments_as_in_the_driver() -> None:
    # The driver applies the arguments one after the other: a value that contains a
    # placeholder is expanded when that placeholder's argument comes later...
    assert build_template("%{a}", {"a": "%{b}", "b": "x"}) == "x"
    # ...and not when it came earlier.
    assert build_template("%{a}", {"b": "x", "a": "%{b}"}) == "%{b}"
    # The nested case follows from it.
    assert build_template("%{%{a}}", {"a": "b", "b": "y"}) == "y"
    assert build_template("%{%{a}}", {"b": "y", "a": "b"}) == "%{b}"


def test_none_template_gives_none() -> None:
    assert build_template(None, {"a": "x"}) is None
    assert build_html(None, {"a": "x"}) is None


def test_trusted_values_are_plain_text_for_build_template() -> None:
    assert build_template("%{a}", {"a": trusted("<b>")}) == "<b>"


@pytest.mark.parametrize(
    "value",
    [["a", "b"], ("a",), {"k": "v"}, {"a"}, b"bytes", object()],
    ids=["list", "tuple", "dict", "set", "bytes", "object"],
)
def test_values_outside_the_driver_types_are_refused(value: object) -> None:
    with pytest.raises(ValidationError, match=r"template argument 'guests' must be a str, int"):
        build_template("%{guests}", {"guests": value})  # type: ignore[dict-item]


def test_an_unused_bad_value_is_refused_too() -> None:
    with pytest.raises(ValidationError, match="'other'"):
        build_template("%{a}", {"a": "x", "other": [1]})  # type: ignore[dict-item]


@pytest.mark.parametrize("key", [1, None, ("a",), b"a"], ids=["int", "none", "tuple", "bytes"])
def test_non_string_argument_names_are_refused(key: object) -> None:
    with pytest.raises(ValidationError, match="argument names must be strings"):
        build_template("%{1}", {key: "x"})  # type: ignore[dict-item]


@pytest.mark.parametrize("args", [None, [("a", "x")], "a=x"], ids=["none", "pairs", "str"])
def test_arguments_must_be_a_mapping(args: object) -> None:
    with pytest.raises(ValidationError, match="must be a mapping"):
        build_template("%{a}", args)  # type: ignore[call-overload]


def test_template_must_be_a_string() -> None:
    with pytest.raises(ValidationError, match="a template must be a string, not bytes"):
        build_template(b"%{a}", {"a": "x"})  # type: ignore[call-overload]
    with pytest.raises(ValidationError, match="a template must be a string"):
        build_html(42, {})  # type: ignore[call-overload]


# --- build_html: values escaped unless trusted ------------------------------------------


def test_html_values_are_escaped() -> None:
    assert build_html("<p>Hello %{name}</p>", {"name": "<script>alert(1)</script>"}) == (
        "<p>Hello &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    assert build_html("%{a}", {"a": "Tom & \"Jerry\" 'x'"}) == (
        "Tom &amp; &quot;Jerry&quot; &#x27;x&#x27;"
    )


def test_html_attribute_values_cannot_break_out() -> None:
    out = build_html('<a title="%{t}">x</a>', {"t": '" onmouseover="steal()'})
    assert out == '<a title="&quot; onmouseover=&quot;steal()">x</a>'


def test_html_template_itself_is_not_altered() -> None:
    template = "<p class='x'>&amp; %{a} &lt;kept&gt; %{missing}</p>"
    assert build_html(template, {"a": "y"}) == "<p class='x'>&amp; y &lt;kept&gt; %{missing}</p>"


def test_html_uses_the_driver_conversions() -> None:
    assert build_html(
        "%{n}|%{t}|%{f}|%{x}|%{i}", {"n": None, "t": True, "f": False, "x": 1.5, "i": 3}
    ) == ("|true|false|1.5|3")


def test_html_refuses_what_build_template_refuses() -> None:
    with pytest.raises(ValidationError):
        build_html("%{a}", {"a": ["<b>"]})  # type: ignore[dict-item]
    with pytest.raises(ValidationError):
        build_html("%{a}", {1: "x"})  # type: ignore[dict-item]


def test_trusted_fragments_are_inserted_unchanged() -> None:
    qr = trusted('<img src="cid:qr" alt="QR">')
    out = build_html("<p>%{name}</p>%{qr}", {"name": "<Eve>", "qr": qr})
    assert out == '<p>&lt;Eve&gt;</p><img src="cid:qr" alt="QR">'


def test_trusted_is_a_str_and_loses_trust_when_combined() -> None:
    fragment = trusted("<b>")
    assert isinstance(fragment, str)
    assert isinstance(fragment, Trusted)
    assert fragment == "<b>"
    assert fragment.__html__() == "<b>"
    combined = fragment + "<i>"
    assert type(combined) is str
    assert build_html("%{a}", {"a": combined}) == "&lt;b&gt;&lt;i&gt;"
    assert build_html("%{a}", {"a": f"{fragment}"}) == "&lt;b&gt;"


def test_trusted_requires_a_string() -> None:
    with pytest.raises(ValidationError, match="trusted"):
        trusted(b"<b>")  # type: ignore[arg-type]


def test_markupsafe_markup_is_trusted() -> None:
    markupsafe = pytest.importorskip("markupsafe")
    assert build_html("%{a}", {"a": markupsafe.Markup("<b>x</b>")}) == "<b>x</b>"
    assert build_html("%{a}", {"a": markupsafe.escape("<b>")}) == "&lt;b&gt;"


def test_trusted_fragment_reached_by_expansion_stays_trusted_content_only() -> None:
    # An escaped value that names a later placeholder gets that (escaped or trusted) value;
    # it never turns its own text into markup.
    out = build_html("%{a}", {"a": "<%{b}>", "b": trusted("<hr>")})
    assert out == "&lt;<hr>&gt;"
