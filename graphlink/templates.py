"""Email templates: the PlaceOS driver's ``%{key}`` placeholders, with HTML escaping on top.

A client's ``email_templates`` setting has the driver's shape,
``{event: {who: {"subject": ..., "text": ..., "html": ...}}}``, and a placeholder is the
literal text ``%{key}``:

>>> from graphlink import templates
>>> templates.build_template("%{name} has arrived", {"name": "Ada"})
'Ada has arrived'

[`build_template`][graphlink.templates.build_template] is the driver's function, exactly.
For each argument in order, every ``%{key}`` is replaced with the value as text: ``None``
becomes ``""``, ``True``/``False`` become ``"true"``/``"false"``, numbers are written as
Python's ``str()`` writes them. There is no other syntax: no escaping, no format
specifiers, no nesting, and a placeholder without an argument stays as it is. A key is any
string (the driver replaces the literal text ``%{`` + key + ``}``; there is no key
grammar), so ``%{visitor.name}`` and ``%{host-email}`` work like ``%{name}``. Because
the arguments are applied one after the other, a value that itself contains ``%{other}``
is expanded when ``other`` comes later in ``args`` (the driver does the same).

Beyond the driver:

- [`build_html`][graphlink.templates.build_html] substitutes the same way but HTML-escapes
  every value, so a visitor named ``<script>`` stays text. A fragment that is already safe
  HTML is passed as [`trusted(...)`][graphlink.templates.trusted] and inserted unchanged.
- [`check_templates`][graphlink.templates.check_templates] checks a whole
  ``email_templates`` mapping when the client is built (a template without a subject is an
  error then, not when a visitor arrives) and gives
  [`Template`][graphlink.templates.Template] objects.
- [`find`][graphlink.templates.find] looks a template up by ``("visitor", "checkin")`` or
  ``"visitor.checkin"`` and raises [`TemplateNotFound`][graphlink.errors.TemplateNotFound]
  (the driver only logged a warning).
- [`render`][graphlink.templates.render] (or
  [`Template.render`][graphlink.templates.Template.render]) gives the subject, text and
  HTML of a message: subject and text substituted as the driver does, the HTML escaped,
  and a subject that would contain a line break refused (a header-injection guard).
- [`fields`][graphlink.templates.fields] lists the placeholders a template uses, for an
  admin UI.

Everything here is pure code: no I/O.

>>> checked = templates.check_templates(
...     {"visitor": {"checkin": {"subject": "%{name} has arrived",
...                              "html": "<p><b>%{name}</b> is at reception.</p>"}}}
... )
>>> message = templates.render(checked, "visitor.checkin", {"name": "<Eve>"})
>>> message.subject
'<Eve> has arrived'
>>> message.html
'<p><b>&lt;Eve&gt;</b> is at reception.</p>'
>>> sorted(templates.fields(templates.find(checked, "visitor.checkin")))
['name']
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Protocol, TypeAlias, overload, runtime_checkable

import attrs

from graphlink._core.paths import has_breaks
from graphlink.errors import TemplateNotFound, ValidationError

__all__ = [
    "Rendered",
    "Template",
    "TemplateArgs",
    "TemplateName",
    "TemplateValue",
    "Trusted",
    "build_html",
    "build_template",
    "check_templates",
    "fields",
    "find",
    "render",
    "trusted",
]

TemplateValue: TypeAlias = str | int | float | bool | None
"""A value a placeholder can take: the driver's ``String | Int64 | Float64 | Bool | Nil``."""

TemplateArgs: TypeAlias = Mapping[str, TemplateValue]
"""The arguments of a template: placeholder name to value, applied in the mapping's order."""

TemplateName: TypeAlias = tuple[str, str] | str
"""Which template: ``(event, who)`` or the dotted ``"event.who"``."""

# A placeholder as fields() reports it: "%{", a non-empty key without braces, "}".
_PLACEHOLDER = re.compile(r"%\{([^{}]+)\}")
# Template keys a template may have; anything else is refused (see check_templates).
_PARTS = ("subject", "text", "html")
# Path parts written with a dot; others are written as ['...'] so a path stays readable.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")
_MAX_LISTED = 50


@runtime_checkable
class _HasHTML(Protocol):
    def __html__(self) -> str: ...


class Trusted(str):
    """A string of HTML that [`build_html`][graphlink.templates.build_html] inserts unescaped.

    Make one with [`trusted`][graphlink.templates.trusted]. Only the value itself is
    trusted: a ``Trusted`` joined to another string with ``+`` or formatted into one is a
    plain ``str`` again, and is escaped. Any string with an ``__html__`` method (such as
    ``markupsafe.Markup``) is trusted the same way.
    """

    __slots__ = ()

    def __html__(self) -> str:
        """The fragment, as HTML (the ``__html__`` protocol of markupsafe and Jinja)."""
        return str(self)


def trusted(fragment: str) -> Trusted:
    """Mark a fragment of HTML as safe, so that [`build_html`][graphlink.templates.build_html]
    inserts it as it is.

    Use it only for HTML your code produced or sanitised, never for what a visitor typed.

    Args:
        fragment: The HTML, e.g. ``'<img src="cid:qr">'``.

    Raises:
        ValidationError: ``fragment`` is not a string.

    >>> build_html("<p>%{qr}</p>", {"qr": trusted('<img src="cid:qr">')})
    '<p><img src="cid:qr"></p>'
    """
    if not isinstance(fragment, str):
        raise ValidationError(f"trusted() takes a string of HTML, not {type(fragment).__name__}")
    return Trusted(fragment)


def _text(key: str, value: object) -> str:
    """A value as the driver writes it (Crystal's ``to_s``), or a ValidationError."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ValidationError(
        f"template argument {key!r} must be a str, int, float, bool or None, not "
        f"{type(value).__name__} (format it first, e.g. str(value))"
    )


def _arguments(args: object) -> list[tuple[str, object]]:
    """``args`` as (key, value) pairs in order, keys checked to be strings."""
    if not isinstance(args, Mapping):
        raise ValidationError(
            f"template arguments must be a mapping {{name: value}}, not {type(args).__name__}"
        )
    pairs: list[tuple[str, object]] = []
    for key, value in args.items():
        if not isinstance(key, str):
            raise ValidationError(
                f"template argument names must be strings, not {key!r} ({type(key).__name__})"
            )
        pairs.append((key, value))
    return pairs


@overload
def build_template(string: str, args: TemplateArgs) -> str: ...
@overload
def build_template(string: None, args: TemplateArgs) -> None: ...
def build_template(string: str | None, args: TemplateArgs) -> str | None:
    """Replace every ``%{key}`` with its value, as the PlaceOS driver does.

    For each ``(key, value)`` of ``args``, in order, every occurrence of the literal text
    ``%{key}`` is replaced with the value as text (``None`` gives ``""``, booleans give
    ``"true"``/``"false"``, numbers ``str(number)``; Crystal writes a few floats
    differently, e.g. ``1e20`` as ``1.0e+20``, graphlink writes Python's ``1e+20``).
    Nothing else happens: no escaping (use [`build_html`][graphlink.templates.build_html]
    for HTML), and placeholders that have no argument stay as they are. A value
    containing ``%{other}`` is expanded too when ``other`` comes later in ``args``, as in
    the driver.

    Args:
        string: The template text. ``None`` gives ``None`` (the driver's optional parts).
        args: Placeholder name to value. A name is any string: ``"visitor.name"`` matches
            ``%{visitor.name}``.

    Returns:
        The text with the placeholders replaced.

    Raises:
        ValidationError: ``args`` is not a mapping, a name is not a string, or a value is
            not a ``str``, ``int``, ``float``, ``bool`` or ``None`` (the driver's types; a
            list is refused rather than written as ``['a', 'b']``).

    >>> build_template("%{a}-%{b}-%{missing}", {"a": None, "b": True})
    '-true-%{missing}'
    """
    return _substitute(string, [(key, _text(key, value)) for key, value in _arguments(args)])


def _substitute(string: str | None, pairs: list[tuple[str, str]]) -> str | None:
    """The driver's algorithm: each ``%{key}`` replaced in turn, in the order of ``args``."""
    if string is None:
        return None
    if not isinstance(string, str):
        raise ValidationError(f"a template must be a string, not {type(string).__name__}")
    for key, text in pairs:
        string = string.replace("%{" + key + "}", text)
    return string


def _html_text(key: str, value: object) -> str:
    text = _text(key, value)
    if isinstance(value, _HasHTML):
        return str(value.__html__())
    return _html.escape(text, quote=True)


@overload
def build_html(string: str, args: TemplateArgs) -> str: ...
@overload
def build_html(string: None, args: TemplateArgs) -> None: ...
def build_html(string: str | None, args: TemplateArgs) -> str | None:
    """[`build_template`][graphlink.templates.build_template] for HTML: values are escaped.

    Each value is turned into text as ``build_template`` does, then escaped with
    ``html.escape(value, quote=True)`` (``&``, ``<``, ``>``, ``"`` and ``'``), so it is
    text both in element content and in a quoted attribute. A
    [`Trusted`][graphlink.templates.Trusted] value (see
    [`trusted`][graphlink.templates.trusted]), or any other string with an ``__html__``
    method (``markupsafe.Markup``), is inserted unchanged. The template itself is never altered.

    Escaping does not make a value safe everywhere: a ``javascript:`` URL in
    ``href="%{link}"`` stays a URL, and a value inside ``<script>`` or ``<style>`` is not
    text. Check such values before passing them.

    Args:
        string: The HTML template. ``None`` gives ``None``.
        args: Placeholder name to value, as for ``build_template``.

    Returns:
        The HTML with the placeholders replaced.

    Raises:
        ValidationError: as for ``build_template``.

    >>> build_html("<p>Hello %{name}</p>", {"name": "<script>"})
    '<p>Hello &lt;script&gt;</p>'
    """
    return _substitute(string, [(key, _html_text(key, value)) for key, value in _arguments(args)])


def fields(template_or_string: Template | str) -> set[str]:
    """The placeholder names a template (or one string) uses, e.g. for an admin UI.

    A placeholder is ``%{``, a non-empty name without ``{`` or ``}``, and ``}``. So in
    ``%{a%{b}}`` only ``b`` is found, and ``%{}`` is not a placeholder. (``build_template``
    replaces any literal ``%{key}``, braces included; such keys are not listed.)

    Args:
        template_or_string: A [`Template`][graphlink.templates.Template] (its subject, text
            and HTML together) or one template string.

    Returns:
        The names, without ``%{`` and ``}``.

    Raises:
        ValidationError: the argument is neither a ``Template`` nor a string.

    >>> sorted(fields("%{name} is here for %{host.name}; %{name} again"))
    ['host.name', 'name']
    """
    if isinstance(template_or_string, Template):
        parts = [template_or_string.subject, template_or_string.text, template_or_string.html]
        return {name for part in parts if part for name in _PLACEHOLDER.findall(part)}
    if isinstance(template_or_string, str):
        return set(_PLACEHOLDER.findall(template_or_string))
    raise ValidationError(
        f"fields() takes a Template or a string, not {type(template_or_string).__name__}"
    )


def _subject_checked(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise ValidationError(f"Template.subject must be a string, not {type(value).__name__}")
    if not value.strip():
        raise ValidationError("Template.subject must not be empty")
    if has_breaks(value):
        raise ValidationError("Template.subject must not contain CR, LF or NUL (a mail header)")


def _optional_part(value: object, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(
            f"Template.{name} must be a string or None, not {type(value).__name__}"
        )
    return value


def _text_part(value: object) -> str | None:
    return _optional_part(value, "text")


def _html_part(value: object) -> str | None:
    return _optional_part(value, "html")


class Rendered(NamedTuple):
    """A rendered template: what [`render`][graphlink.templates.render] gives.

    A named tuple, so ``subject, text, html = render(...)`` works.

    Attributes:
        subject: The subject, substituted as the driver does (never a line break).
        text: The plain-text body, substituted as the driver does; None when the template
            has none.
        html: The HTML body, values escaped; None when the template has none.
    """

    subject: str
    text: str | None
    html: str | None


@attrs.frozen
class Template:
    """One email template: ``email_templates[event][who]``.

    Attributes:
        subject: The subject template: a non-empty string without line breaks.
        text: The plain-text body template, or None. An empty string is kept as None.
        html: The HTML body template, or None. An empty string is kept as None. When a
            message has both bodies, the HTML one is sent (the driver's rule).

    Raises:
        ValidationError: a part has the wrong type, or the subject is empty or contains
            CR, LF or NUL.
    """

    subject: str = attrs.field(validator=_subject_checked)
    text: str | None = attrs.field(default=None, converter=_text_part)
    html: str | None = attrs.field(default=None, converter=_html_part)

    def render(self, args: TemplateArgs) -> Rendered:
        """Substitute ``args`` into the subject, text and HTML.

        The subject and text are built with
        [`build_template`][graphlink.templates.build_template] (not escaped), the HTML
        with [`build_html`][graphlink.templates.build_html] (values escaped unless
        trusted).

        Args:
            args: Placeholder name to value.

        Returns:
            The [`Rendered`][graphlink.templates.Rendered] subject, text and HTML.

        Raises:
            ValidationError: a bad argument, or a value that puts CR, LF or NUL into the
                subject (it would inject mail headers).
        """
        return _render(self, args, None)


def _render(template: Template, args: TemplateArgs, name: str | None) -> Rendered:
    subject = build_template(template.subject, args)
    if has_breaks(subject):  # it would end the mail's Subject header
        breaking = sorted(key for key, value in _arguments(args) if has_breaks(_text(key, value)))
        # The arguments the subject names; else (reached by expansion) every suspect.
        culprits = [key for key in breaking if "%{" + key + "}" in template.subject] or breaking
        which = f"email template {name}" if name else "the email template"
        source = f" (from {', '.join(culprits)})" if culprits else ""
        raise ValidationError(
            f"the subject of {which} would contain CR, LF or NUL once rendered{source}; "
            "a mail subject must be one line"
        )
    return Rendered(
        subject=subject,
        text=build_template(template.text, args),
        html=build_html(template.html, args),
    )


def _path(*keys: object) -> str:
    out = "email_templates"
    for key in keys:
        if isinstance(key, str) and _PLAIN_KEY.fullmatch(key):
            out += f".{key}"
        else:
            out += f"[{key!r}]"
    return out


def _key(key: object, *parents: object) -> str:
    if not isinstance(key, str):
        raise ValidationError(f"{_path(*parents)} has a key that is not a string: {key!r}")
    if not key:
        raise ValidationError(f"{_path(*parents)} has an empty key")
    return key


def _template_at(value: object, event: str, who: str) -> Template:
    """One template from the settings (or a Template as it is), errors naming its path."""
    if isinstance(value, Template):
        return value
    path = _path(event, who)
    if not isinstance(value, Mapping):
        raise ValidationError(
            f'{path} must be an object {{"subject", "text", "html"}}, not {type(value).__name__}'
        )
    unknown = [key for key in value if key not in _PARTS]
    if unknown:
        listed = ", ".join(repr(key) for key in unknown)
        keys = "key" if len(unknown) == 1 else "keys"
        raise ValidationError(
            f"{path} has unknown {keys} {listed}; a template has only subject, text and html"
        )
    if "subject" not in value:
        raise ValidationError(f"{path}.subject is missing")
    subject = value["subject"]
    if not isinstance(subject, str):
        raise ValidationError(f"{path}.subject must be a string, not {type(subject).__name__}")
    if not subject.strip():
        raise ValidationError(f"{path}.subject is empty")
    if has_breaks(subject):
        raise ValidationError(f"{path}.subject contains CR, LF or NUL; a subject is one line")
    for part in ("text", "html"):
        text = value.get(part)
        if text is not None and not isinstance(text, str):
            raise ValidationError(
                f"{path}.{part} must be a string or null, not {type(text).__name__}"
            )
    return Template(subject, value.get("text"), value.get("html"))


def check_templates(mapping: Mapping[str, Any] | None) -> dict[str, dict[str, Template]]:
    """Check a client's ``email_templates`` setting and turn it into templates.

    Run when the client is built, so a broken template fails then rather than when a
    visitor arrives. The shape is ``{event: {who: {"subject", "text", "html"}}}``:

    - every template has a non-empty ``subject`` without line breaks;
    - ``text`` and ``html`` are optional strings (``null`` or ``""`` count as absent);
    - any other key in a template is refused, so a typo such as ``"htlm"`` is reported
      instead of silently sending no HTML;
    - event and who names are non-empty strings. They may contain dots (see
      [`find`][graphlink.templates.find] for how ``"event.who"`` is then read).

    A value that is already a [`Template`][graphlink.templates.Template] is kept, so
    checking twice is harmless.

    Args:
        mapping: The setting; ``None`` means no templates.

    Returns:
        ``{event: {who: Template}}``, in the setting's order.

    Raises:
        ValidationError: the first problem found, naming its path, e.g.
            ``email_templates.visitor.checkin.subject is missing``.

    >>> check_templates({"visitor": {"checkin": {"subject": "Hi"}}})
    {'visitor': {'checkin': Template(subject='Hi', text=None, html=None)}}
    """
    if mapping is None:
        return {}
    if not isinstance(mapping, Mapping):
        raise ValidationError(
            "email_templates must be an object {event: {who: {...}}}, not "
            f"{type(mapping).__name__}"
        )
    checked: dict[str, dict[str, Template]] = {}
    for event, whos in mapping.items():
        event = _key(event)
        if not isinstance(whos, Mapping):
            raise ValidationError(
                f"{_path(event)} must be an object {{who: {{...}}}}, not {type(whos).__name__}"
            )
        checked[event] = {
            _key(who, event): _template_at(value, event, who) for who, value in whos.items()
        }
    return checked


def _display(event: str, who: str) -> str:
    return f"{event}.{who}" if "." not in event else repr((event, who))


def _candidates(template: object) -> list[tuple[str, str]]:
    """The ``(event, who)`` pairs a template name may mean."""
    if isinstance(template, str):
        pairs = [
            (template[:i], template[i + 1 :])
            for i, c in enumerate(template)
            if c == "." and 0 < i < len(template) - 1
        ]
        if pairs:
            return pairs
    elif isinstance(template, Sequence) and len(template) == 2:
        event, who = template
        if isinstance(event, str) and isinstance(who, str) and event and who:
            return [(event, who)]
    raise ValidationError(f'a template is named ("event", "who") or "event.who", not {template!r}')


def _names(templates: Mapping[str, Any]) -> list[str]:
    return sorted(
        _display(event, who)
        for event, whos in templates.items()
        if isinstance(whos, Mapping)
        for who in whos
    )


def find(
    templates: Mapping[str, Mapping[str, Template | Mapping[str, Any]]],
    template: TemplateName,
) -> Template:
    """Look a template up by ``("visitor", "checkin")`` or ``"visitor.checkin"``.

    A dotted name is split at a dot. When names themselves contain dots, every split is
    tried; exactly one must exist (``"a.b.c"`` finds ``("a", "b.c")`` or ``("a.b", "c")``,
    and is ambiguous if both do: pass a tuple then).

    Args:
        templates: The checked templates
            ([`check_templates`][graphlink.templates.check_templates]); unchecked settings
            are accepted too, and the template found is checked.
        template: ``(event, who)`` or ``"event.who"``.

    Returns:
        The [`Template`][graphlink.templates.Template].

    Raises:
        TemplateNotFound: no such template; the message names what was asked for and the
            templates that exist.
        ValidationError: ``template`` is not a valid name, the dotted name is ambiguous,
            or the template found is malformed (unchecked settings only).

    >>> checked = check_templates({"visitor": {"checkin": {"subject": "Hi"}}})
    >>> find(checked, ("visitor", "checkin")) == find(checked, "visitor.checkin")
    True
    """
    found = [
        (event, who)
        for event, who in _candidates(template)
        if isinstance(templates.get(event), Mapping) and who in templates[event]
    ]
    if len(found) > 1:
        listed = " and ".join(repr(pair) for pair in found)
        raise ValidationError(
            f"the template name {template!r} is ambiguous: {listed} both exist; "
            "name it as an (event, who) tuple"
        )
    if not found:
        asked = _display(*template) if isinstance(template, tuple | list) else template
        names = _names(templates)
        if not names:
            known = "no email templates are configured (email_templates is empty)"
        else:
            known = "the configured templates are: " + ", ".join(names[:_MAX_LISTED])
            if len(names) > _MAX_LISTED:
                known += f", ... ({len(names) - _MAX_LISTED} more)"
        raise TemplateNotFound(f"no email template {asked}; {known}")
    event, who = found[0]
    return _template_at(templates[event][who], event, who)


def render(
    templates: Mapping[str, Mapping[str, Template | Mapping[str, Any]]],
    template: TemplateName,
    args: TemplateArgs,
) -> Rendered:
    """Find a template and render it with ``args``: what ``mail.send_template`` sends.

    The same as ``find(templates, template).render(args)``, with the template's name in
    the error messages.

    Args:
        templates: The checked templates (see [`find`][graphlink.templates.find]).
        template: ``(event, who)`` or ``"event.who"``.
        args: Placeholder name to value.

    Returns:
        The [`Rendered`][graphlink.templates.Rendered] subject, text (not escaped) and HTML
        (values escaped unless [`trusted`][graphlink.templates.trusted]).

    Raises:
        TemplateNotFound: no such template.
        ValidationError: a bad name or argument, or a value that puts CR, LF or NUL into
            the subject.
    """
    found = find(templates, template)
    name = _display(*template) if isinstance(template, tuple | list) else template
    return _render(found, args, name)
