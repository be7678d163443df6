"""Templates from the settings: check_templates, Template, find, render and fields."""

from __future__ import annotations

import doctest
import inspect
from typing import Any

import pytest

import graphlink.templates as templates_module
from graphlink.errors import GraphError, TemplateNotFound, ValidationError
from graphlink.templates import (
    Rendered,
    Template,
    check_templates,
    fields,
    find,
    render,
    trusted,
)

SETTINGS: dict[str, Any] = {
    "visitor": {
        "checkin": {
            "subject": "%{name} has arrived",
            "text": "%{name} is at %{building}.",
            "html": "<p><b>%{name}</b> is at %{building}.</p>%{qr}",
        },
        "induction": {"subject": "Induction for %{name}"},
    },
    "booking": {"created": {"subject": "Booked: %{title}", "text": None, "html": ""}},
}


@pytest.fixture
def checked() -> dict[str, dict[str, Template]]:
    return check_templates(SETTINGS)


# --- check_templates ------------------------------------------------------------------


def test_check_templates_builds_templates(checked: dict[str, dict[str, Template]]) -> None:
    assert list(checked) == ["visitor", "booking"]
    assert checked["visitor"]["checkin"] == Template(
        subject="%{name} has arrived",
        text="%{name} is at %{building}.",
        html="<p><b>%{name}</b> is at %{building}.</p>%{qr}",
    )
    assert checked["visitor"]["induction"] == Template("Induction for %{name}", None, None)
    # null and "" bodies count as absent
    assert checked["booking"]["created"] == Template("Booked: %{title}")


def test_check_templates_empty_and_none() -> None:
    assert check_templates(None) == {}
    assert check_templates({}) == {}
    assert check_templates({"visitor": {}}) == {"visitor": {}}


def test_check_templates_is_idempotent_and_keeps_template_objects(
    checked: dict[str, dict[str, Template]],
) -> None:
    assert check_templates(checked) == checked
    mixed = {"visitor": {"checkin": Template("Hi"), "other": {"subject": "Yo"}}}
    assert check_templates(mixed) == {
        "visitor": {"checkin": Template("Hi"), "other": Template("Yo")}
    }


def test_check_templates_does_not_change_its_input() -> None:
    settings = {"e": {"w": {"subject": "s", "html": ""}}}
    check_templates(settings)
    assert settings == {"e": {"w": {"subject": "s", "html": ""}}}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param(
            {"visitor": {"checkin": {"text": "hi"}}},
            "email_templates.visitor.checkin.subject is missing",
            id="missing-subject",
        ),
        pytest.param(
            {"visitor": {"checkin": {"subject": ""}}},
            "email_templates.visitor.checkin.subject is empty",
            id="empty-subject",
        ),
        pytest.param(
            {"visitor": {"checkin": {"subject": "   "}}},
            "email_templates.visitor.checkin.subject is empty",
            id="blank-subject",
        ),
        pytest.param(
            {"visitor": {"checkin": {"subject": None}}},
            "email_templates.visitor.checkin.subject must be a string, not NoneType",
            id="null-subject",
        ),
        pytest.param(
            {"visitor": {"checkin": {"subject": 3}}},
            "email_templates.visitor.checkin.subject must be a string, not int",
            id="int-subject",
        ),
        pytest.param(
            {"visitor": {"checkin": {"subject": "a\r\nBcc: x@evil"}}},
            "email_templates.visitor.checkin.subject contains CR, LF or NUL",
            id="crlf-subject",
        ),
        pytest.param(
            {"visitor": {"checkin": {"subject": "s", "text": ["a"]}}},
            "email_templates.visitor.checkin.text must be a string or null, not list",
            id="list-text",
        ),
        pytest.param(
            {"visitor": {"checkin": {"subject": "s", "html": {"a": 1}}}},
            "email_templates.visitor.checkin.html must be a string or null, not dict",
            id="dict-html",
        ),
        pytest.param(
            {"visitor": {"checkin": {"subject": "s", "htlm": "<p>"}}},
            "email_templates.visitor.checkin has unknown key 'htlm'; a template has only "
            "subject, text and html",
            id="unknown-key",
        ),
        pytest.param(
            {"visitor": {"checkin": {"subject": "s", "from": "a@b", "reply_to": "c@d"}}},
            "email_templates.visitor.checkin has unknown keys 'from', 'reply_to'; a template",
            id="unknown-keys",
        ),
        pytest.param(
            {"visitor": {"checkin": "Hello %{name}"}},
            'email_templates.visitor.checkin must be an object {"subject", "text", "html"}, '
            "not str",
            id="template-not-object",
        ),
        pytest.param(
            {"visitor": ["checkin"]},
            "email_templates.visitor must be an object {who: {...}}, not list",
            id="event-not-object",
        ),
        pytest.param(
            {"visitor": {"checkin": {"subject": "s"}}, "x": None},
            "email_templates.x must be an object {who: {...}}, not NoneType",
            id="event-null",
        ),
        pytest.param(
            {1: {"checkin": {"subject": "s"}}},
            "email_templates has a key that is not a string: 1",
            id="event-key-int",
        ),
        pytest.param(
            {"visitor": {None: {"subject": "s"}}},
            "email_templates.visitor has a key that is not a string: None",
            id="who-key-none",
        ),
        pytest.param({"": {}}, "email_templates has an empty key", id="event-key-empty"),
        pytest.param(
            {"visitor": {"": {"subject": "s"}}},
            "email_templates.visitor has an empty key",
            id="who-key-empty",
        ),
        pytest.param(
            {"front desk": {"check.in": {}}},
            "email_templates['front desk']['check.in'].subject is missing",
            id="path-with-odd-keys",
        ),
    ],
)
def test_check_templates_errors_name_the_path(settings: Any, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_templates(settings)
    assert str(info.value) == message or str(info.value).startswith(message)


@pytest.mark.parametrize("settings", ["visitor", ["visitor"], 3], ids=["str", "list", "int"])
def test_check_templates_top_level_must_be_an_object(settings: Any) -> None:
    with pytest.raises(ValidationError, match=r"^email_templates must be an object"):
        check_templates(settings)


# --- Template -------------------------------------------------------------------------


def test_template_defaults_and_normalisation() -> None:
    assert Template("s") == Template("s", None, None)
    assert Template("s", "", "").text is None
    assert Template("s", "", "").html is None
    assert Template(subject="s", text="t", html="<p>h</p>").html == "<p>h</p>"


def test_template_is_frozen() -> None:
    import attrs

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        Template("s").subject = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"subject": ""}, "Template.subject must not be empty"),
        ({"subject": " "}, "Template.subject must not be empty"),
        ({"subject": None}, "Template.subject must be a string, not NoneType"),
        ({"subject": "a\nb"}, "Template.subject must not contain CR, LF or NUL"),
        ({"subject": "a\x00b"}, "Template.subject must not contain CR, LF or NUL"),
        ({"subject": "s", "text": 1}, "Template.text must be a string or None, not int"),
        ({"subject": "s", "html": b"x"}, "Template.html must be a string or None, not bytes"),
    ],
)
def test_template_validates(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        Template(**kwargs)


# --- find -----------------------------------------------------------------------------


def test_find_by_tuple_and_by_dotted_name(checked: dict[str, dict[str, Template]]) -> None:
    by_tuple = find(checked, ("visitor", "checkin"))
    assert by_tuple is checked["visitor"]["checkin"]
    assert find(checked, "visitor.checkin") is by_tuple
    assert find(checked, ["visitor", "checkin"]) is by_tuple  # type: ignore[arg-type]


def test_find_with_dots_in_names() -> None:
    checked = check_templates(
        {
            "visitor": {"check.in": {"subject": "who has a dot"}},
            "front.desk": {"arrival": {"subject": "event has a dot"}},
        }
    )
    assert find(checked, "visitor.check.in").subject == "who has a dot"
    assert find(checked, "front.desk.arrival").subject == "event has a dot"
    assert find(checked, ("front.desk", "arrival")).subject == "event has a dot"


def test_find_refuses_an_ambiguous_dotted_name() -> None:
    checked = check_templates({"a": {"b.c": {"subject": "1"}}, "a.b": {"c": {"subject": "2"}}})
    with pytest.raises(ValidationError, match=r"ambiguous.*tuple"):
        find(checked, "a.b.c")
    assert find(checked, ("a", "b.c")).subject == "1"
    assert find(checked, ("a.b", "c")).subject == "2"


@pytest.mark.parametrize(
    "name",
    [
        "visitor",
        "",
        ".checkin",
        "visitor.",
        ("visitor",),
        ("a", "b", "c"),
        ("", "x"),
        ("a", 1),
        5,
        None,
    ],
)
def test_find_refuses_malformed_names(checked: dict[str, dict[str, Template]], name: Any) -> None:
    with pytest.raises(ValidationError, match=r'named \("event", "who"\) or "event.who"'):
        find(checked, name)


def test_find_missing_template_raises_template_not_found(
    checked: dict[str, dict[str, Template]],
) -> None:
    with pytest.raises(TemplateNotFound) as info:
        find(checked, ("visitor", "checkout"))
    err = info.value
    assert isinstance(err, GraphError)
    assert isinstance(err, KeyError)
    assert str(err) == (
        "no email template visitor.checkout; the configured templates are: "
        "booking.created, visitor.checkin, visitor.induction"
    )
    with pytest.raises(TemplateNotFound, match=r"^no email template desk\.arrival; the conf"):
        find(checked, "desk.arrival")


def test_find_in_no_templates_says_none_are_configured() -> None:
    with pytest.raises(TemplateNotFound) as info:
        find({}, "visitor.checkin")
    assert str(info.value) == (
        "no email template visitor.checkin; no email templates are configured "
        "(email_templates is empty)"
    )


def test_find_names_a_dotted_event_as_a_tuple() -> None:
    with pytest.raises(TemplateNotFound, match=r"no email template \('front\.desk', 'x'\)"):
        find({}, ("front.desk", "x"))


def test_find_lists_at_most_fifty_templates() -> None:
    many = check_templates({"e": {f"w{i:03}": {"subject": "s"} for i in range(60)}})
    with pytest.raises(TemplateNotFound) as info:
        find(many, "e.missing")
    message = str(info.value)
    assert "e.w049" in message
    assert "e.w050" not in message
    assert message.endswith(", ... (10 more)")


def test_find_accepts_unchecked_settings_and_checks_the_template_found() -> None:
    assert find(SETTINGS, "visitor.induction") == Template("Induction for %{name}")
    with pytest.raises(ValidationError, match=r"^email_templates\.visitor\.x\.subject is missing"):
        find({"visitor": {"x": {"text": "no subject"}}}, "visitor.x")


# --- render ---------------------------------------------------------------------------

ARGS = {"name": "<Eve> & co", "building": "HQ", "qr": trusted('<img src="cid:qr">')}


def test_render_escapes_only_the_html(checked: dict[str, dict[str, Template]]) -> None:
    subject, text, html = render(checked, "visitor.checkin", ARGS)
    assert subject == "<Eve> & co has arrived"
    assert text == "<Eve> & co is at HQ."
    assert html == '<p><b>&lt;Eve&gt; &amp; co</b> is at HQ.</p><img src="cid:qr">'


def test_render_returns_a_named_tuple(checked: dict[str, dict[str, Template]]) -> None:
    rendered = render(checked, ("visitor", "induction"), {"name": "Ada"})
    assert rendered == Rendered(subject="Induction for Ada", text=None, html=None)
    assert rendered.subject == "Induction for Ada"
    assert tuple(rendered) == ("Induction for Ada", None, None)


def test_template_render_method(checked: dict[str, dict[str, Template]]) -> None:
    rendered = checked["visitor"]["checkin"].render(ARGS)
    assert rendered == render(checked, "visitor.checkin", ARGS)


def test_render_keeps_unknown_placeholders(checked: dict[str, dict[str, Template]]) -> None:
    rendered = render(checked, "visitor.checkin", {"name": None})
    assert rendered.subject == " has arrived"
    assert rendered.html == "<p><b></b> is at %{building}.</p>%{qr}"


def test_render_missing_template(checked: dict[str, dict[str, Template]]) -> None:
    with pytest.raises(TemplateNotFound, match=r"no email template visitor\.checkout"):
        render(checked, "visitor.checkout", {})


@pytest.mark.parametrize("value", ["Ada\r\nBcc: all@corp", "Ada\nX", "Ada\rX", "Ada\x00"])
def test_render_refuses_a_line_break_in_the_subject(
    checked: dict[str, dict[str, Template]], value: str
) -> None:
    with pytest.raises(ValidationError) as info:
        render(checked, "visitor.checkin", {"name": value, "building": "HQ"})
    assert str(info.value) == (
        "the subject of email template visitor.checkin would contain CR, LF or NUL once "
        "rendered (from name); a mail subject must be one line"
    )
    with pytest.raises(ValidationError, match="the subject of the email template would"):
        checked["visitor"]["checkin"].render({"name": value})


def test_render_names_a_tuple_template_in_the_subject_error() -> None:
    checked = check_templates({"e": {"w": {"subject": "%{a}"}}})
    with pytest.raises(ValidationError, match=r"of email template e\.w would contain"):
        render(checked, ("e", "w"), {"a": "x\ny"})


def test_render_allows_line_breaks_in_the_bodies() -> None:
    checked = check_templates({"e": {"w": {"subject": "s", "text": "%{a}", "html": "%{a}"}}})
    rendered = render(checked, "e.w", {"a": "one\r\ntwo"})
    assert rendered.text == "one\r\ntwo"
    assert rendered.html == "one\r\ntwo"


def test_render_names_only_the_arguments_the_subject_uses() -> None:
    checked = check_templates({"e": {"w": {"subject": "%{a}", "text": "%{notes}"}}})
    with pytest.raises(ValidationError, match=r"\(from a\);"):
        render(checked, "e.w", {"a": "x\ny", "notes": "one\ntwo"})


def test_render_line_break_from_expansion_is_caught() -> None:
    checked = check_templates({"e": {"w": {"subject": "%{a}"}}})
    with pytest.raises(ValidationError, match=r"\(from b\)"):
        render(checked, "e.w", {"a": "%{b}", "b": "x\ny"})


def test_render_validates_arguments(checked: dict[str, dict[str, Template]]) -> None:
    with pytest.raises(ValidationError, match="'name'"):
        render(checked, "visitor.checkin", {"name": ["Ada"]})  # type: ignore[dict-item]


# --- fields ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("string", "expected"),
    [
        ("%{name} has arrived", {"name"}),
        ("%{a}%{b}%{a}", {"a", "b"}),
        ("none here", set()),
        ("", set()),
        (
            "%{visitor.name} %{host-email} %{first name} %{名前}",
            {"visitor.name", "host-email", "first name", "名前"},
        ),
        ("%{a", set()),
        ("%{}", set()),
        ("%{a%{b}}", {"b"}),
        ("%{%{a}}", {"a"}),
        ("{a} %(a)s %a", set()),
        ("%%{a}", {"a"}),
    ],
)
def test_fields_of_a_string(string: str, expected: set[str]) -> None:
    assert fields(string) == expected


def test_fields_of_a_template(checked: dict[str, dict[str, Template]]) -> None:
    assert fields(checked["visitor"]["checkin"]) == {"name", "building", "qr"}
    assert fields(checked["visitor"]["induction"]) == {"name"}
    assert fields(Template("s", html="%{h}")) == {"h"}


def test_fields_for_an_admin_ui(checked: dict[str, dict[str, Template]]) -> None:
    listing = {
        f"{event}.{who}": sorted(fields(template))
        for event, whos in checked.items()
        for who, template in whos.items()
    }
    assert listing == {
        "visitor.checkin": ["building", "name", "qr"],
        "visitor.induction": ["name"],
        "booking.created": ["title"],
    }


def test_fields_refuses_other_types() -> None:
    with pytest.raises(ValidationError, match="fields\\(\\) takes a Template or a string"):
        fields({"subject": "%{a}"})  # type: ignore[arg-type]


# --- the module as documented ---------------------------------------------------------


def test_docstring_examples_run() -> None:
    result = doctest.testmod(templates_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_every_public_name_is_documented() -> None:
    source = inspect.getsource(templates_module)
    for name in templates_module.__all__:
        obj = getattr(templates_module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), name
        else:  # type aliases: an attribute docstring right after the assignment
            assert f"{name}: TypeAlias = " in source, name
    assert ":class:" not in source
    assert ":func:" not in source
    assert ":meth:" not in source
