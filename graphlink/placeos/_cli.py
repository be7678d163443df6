"""``python -m graphlink driver``: run one PlaceOS driver command, print its JSON.

    python -m graphlink driver COMMAND [--ARG VALUE ...] [--settings FILE | --demo]

Each ``--ARG VALUE`` is an argument of the command, by the driver's name (``--from``;
``--include-cancelled`` works too). A value is read as JSON when it parses and fits the
parameter (numbers, true/false, lists, objects), else as the text itself; ``--ARG`` with
no value is true; ``--ARG=VALUE`` takes a value that starts with ``--``. The result is
printed on stdout as JSON (exit status 0). A failure prints the driver's error JSON on
stdout too (``error_json``): exit status 1 when the
command failed, 2 when it could not run (an unknown command or argument, a wrong type,
unreadable settings).

``--settings FILE`` reads the driver's settings JSON; the environment variables of
``ENVIRONMENT`` override its ``calendar_config``
(keep the secret out of the file). ``--demo`` runs against FakeGraph's demo tenant,
in-process, as its service account.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from typing import Any

from graphlink.errors import GraphError, ValidationError
from graphlink.placeos._commands import check_call, command_help, commands, error_json, fits, usage
from graphlink.placeos._sync.driver import PlaceOSDriver

__all__ = ["DEMO_TEMPLATES", "ENVIRONMENT", "main"]

ENVIRONMENT: Mapping[str, str] = {
    "GRAPHLINK_TENANT": "tenant",
    "GRAPHLINK_CLIENT_ID": "client_id",
    "GRAPHLINK_CLIENT_SECRET": "client_secret",
}
"""Environment variables read with ``--settings``, each overriding the
``calendar_config`` key it names."""

DEMO_TEMPLATES: Mapping[str, Any] = {
    "visitor": {
        "checkin": {"subject": "%{name} has arrived", "text": "for your meeting at %{time}"}
    }
}
"""The ``email_templates`` of ``--demo``: the driver's default setting."""

PROG = "python -m graphlink driver"


def _help() -> str:
    return (
        f"usage: {PROG} COMMAND [--ARG VALUE ...] [--settings FILE | --demo]\n\n"
        "Runs one command of the PlaceOS Graph driver and prints its JSON result.\n\n"
        "options:\n"
        "  --settings FILE  the driver's settings JSON (environment variables "
        + ", ".join(f"{k} ({v})" for k, v in ENVIRONMENT.items())
        + " override its calendar_config)\n"
        "  --demo           run against FakeGraph's demo tenant, in-process\n"
        f"  -h, --help       this help; {PROG} COMMAND --help: one command's arguments\n\n"
        "commands:\n" + usage(PlaceOSDriver) + "\n"
    )


class _Invocation:
    def __init__(self) -> None:
        self.command: str | None = None
        self.raw: dict[str, str | bool] = {}
        self.settings: str | None = None
        self.demo = False
        self.help = False


def _parse(argv: Sequence[str]) -> _Invocation:
    out = _Invocation()
    tokens = list(argv)
    while tokens:
        token = tokens.pop(0)
        if token in ("-h", "--help"):
            out.help = True
        elif token == "--demo":
            out.demo = True
        elif token.startswith("--"):
            name, equals, value = token[2:].partition("=")
            given: str | bool = value
            if not equals:
                given = tokens.pop(0) if tokens and not tokens[0].startswith("--") else True
            if name == "settings":
                if not isinstance(given, str):
                    raise ValidationError("--settings needs a file name")
                out.settings = given
                continue
            key = name.replace("-", "_")
            if key in out.raw:
                raise ValidationError(f"argument {name!r} given twice")
            out.raw[key] = given
        elif out.command is None:
            out.command = token
        else:
            raise ValidationError(f"unexpected {token!r}: arguments are --NAME VALUE")
    return out


def _arguments(invocation: _Invocation) -> dict[str, Any]:
    """The command's JSON arguments from the command line's texts."""
    table = commands(PlaceOSDriver)
    found = table.get(invocation.command or "")
    out: dict[str, Any] = {}
    for key, raw in invocation.raw.items():
        parameter = found.parameter(key) if found is not None else None
        if not isinstance(raw, str):
            out[key] = raw
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        if parameter is not None and not fits(value, parameter.hint) and fits(raw, parameter.hint):
            value = raw  # --text 123 is the text "123"
        out[key] = value
    return out


def _settings(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as file:
        settings = json.load(file)
    if not isinstance(settings, dict):
        raise ValidationError(f"{path}: the settings must be a JSON object")
    calendar = settings.get("calendar_config")
    calendar = dict(calendar) if isinstance(calendar, Mapping) else calendar
    for variable, key in ENVIRONMENT.items():
        if os.environ.get(variable):
            if not isinstance(calendar, dict):
                calendar = {}
            calendar[key] = os.environ[variable]
    if calendar is not None:
        settings["calendar_config"] = calendar
    return settings


def _driver(invocation: _Invocation, stack: ExitStack) -> PlaceOSDriver:
    if invocation.demo == (invocation.settings is not None):
        raise ValidationError("give --settings FILE or --demo (one of them)")
    if invocation.settings is not None:
        return stack.enter_context(PlaceOSDriver.from_settings(_settings(invocation.settings)))
    from graphlink.testing import SERVICE_ACCOUNT, FakeGraph

    fake = FakeGraph.demo()
    client = fake.client(service_account=SERVICE_ACCOUNT, email_templates=DEMO_TEMPLATES)
    return PlaceOSDriver(stack.enter_context(client))


def _fail(error: BaseException, status: int) -> int:
    print(json.dumps(error_json(error), indent=2))
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m graphlink driver`` with ``argv`` (``sys.argv[2:]`` when None).

    Returns the exit status: 0 done, 1 the command failed, 2 it could not run.
    """
    try:
        invocation = _parse(sys.argv[2:] if argv is None else argv)
    except ValidationError as error:
        return _fail(error, 2)
    if invocation.help or invocation.command is None:
        known = invocation.command in commands(PlaceOSDriver)
        if invocation.command is not None and known:
            print(
                f"usage: {PROG} {invocation.command} [--ARG VALUE ...] [--settings FILE | --demo]"
            )
            print(command_help(PlaceOSDriver, invocation.command))
        else:
            print(_help(), end="")
        return 0 if invocation.help else 2
    try:
        args = _arguments(invocation)
        check_call(PlaceOSDriver, invocation.command, args)
        with ExitStack() as stack:
            driver = _driver(invocation, stack)
            try:
                result = driver.execute(invocation.command, args)
            except GraphError as error:
                return _fail(error, 2 if isinstance(error, ValidationError) else 1)
    except (ValidationError, OSError, ValueError) as error:
        return _fail(error, 2)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0
