"""``python -m graphlink driver``: every command in-process, a handful as real processes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from placeos_support import CASES, SEED, SVC, Case, cli_argv, png_size

from graphlink.__main__ import main as graphlink_main
from graphlink.placeos._cli import ENVIRONMENT, main
from graphlink.testing import FakeGraph

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch, fake: FakeGraph) -> FakeGraph:
    """``--demo`` runs on the small tenant (FakeGraph.demo() takes a second to seed)."""
    monkeypatch.setattr(FakeGraph, "demo", classmethod(lambda cls, **kw: fake))
    return fake


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    status = main(argv)
    out = capsys.readouterr().out
    return status, json.loads(out)


@pytest.mark.parametrize("case", CASES, ids=[case.command for case in CASES])
def test_every_command_on_the_command_line(
    case: Case, demo: FakeGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    status, result = run(cli_argv(case, demo), capsys)
    assert status == 0, result
    case.check(result, demo)


def test_through_python_m_graphlink(demo: FakeGraph, capsys: pytest.CaptureFixture[str]) -> None:
    assert graphlink_main(["driver", "get_user", "--user_id", "ada@contoso.com", "--demo"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "Ada Lovelace"


def test_values_that_parse_as_json_but_do_not_fit_stay_text(
    demo: FakeGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    status, result = run(["build_template", "--string", "123", "--args", "{}", "--demo"], capsys)
    assert (status, result) == (0, "123")


def test_a_flag_alone_is_true_and_dashes_work(
    demo: FakeGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["list_events", "--calendar-id", SVC, "--period_start=0", "--period_end", "1"]
    status, result = run([*argv, "--include-cancelled", "--demo"], capsys)
    assert (status, result) == (0, [])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nope", "--demo"], "unknown command 'nope'"),
        (["get_user", "--user", "x", "--demo"], "unknown argument 'user'"),
        (["get_user", "--demo"], "missing required argument 'user_id'"),
        (
            [
                "list_events",
                "--calendar_id",
                SVC,
                "--period_start",
                "soon",
                "--period_end",
                "1",
                "--demo",
            ],
            "integer",
        ),
        (["get_user", "--user_id", "x"], "--settings FILE or --demo"),
        (
            ["get_user", "--user_id", "x", "--demo", "--settings", "s.json"],
            "--settings FILE or --demo",
        ),
        (["get_user", "--user_id", "x", "--user_id", "y", "--demo"], "given twice"),
        (["get_user", "extra", "words", "--demo"], "unexpected 'extra'"),
    ],
)
def test_bad_command_lines_answer_the_error_json_with_status_2(
    argv: list[str], message: str, demo: FakeGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.clear_requests()
    status, answer = run(argv, capsys)
    assert status == 2
    assert answer["error"] == "request failed"
    assert message in answer["message"]
    assert demo.requests == []


def test_a_failed_command_answers_the_error_json_with_status_1(
    demo: FakeGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    status, answer = run(["get_user_manager", "--user_id", "grace@contoso.com", "--demo"], capsys)
    assert status == 1
    assert (answer["status"], answer["type"]) == (404, "NotFoundError")


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for name, parameters in SEED.items():
        assert f"  {name}(" in text
        assert all(p in text for p in parameters)
    assert all(variable in text for variable in ENVIRONMENT)
    assert main(["list_events", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--period_start" in text
    assert "integer (required)" in text
    assert main([]) == 2  # no command: the help, and a usage error
    assert "commands:" in capsys.readouterr().out


def _settings(tmp_path: Path, **calendar: str) -> str:
    path = tmp_path / "settings.json"
    config = {"tenant": "contoso", "client_id": "app", **calendar}
    path.write_text(json.dumps({"calendar_service_account": SVC, "calendar_config": config}))
    return str(path)


def test_settings_file_with_the_secret_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _settings(tmp_path)
    for variable in ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)
    argv = ["generate_png_qrcode", "--text", "hi", "--settings", path]
    status, answer = run(argv, capsys)
    assert status == 2
    assert "calendar_config is missing client_secret" in answer["message"]
    monkeypatch.setenv("GRAPHLINK_CLIENT_SECRET", "s3cret")
    status, answer = run(argv, capsys)
    assert status == 0
    assert png_size(answer) == (128, 128)


def test_the_environment_overrides_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphlink.placeos import _cli

    path = _settings(tmp_path, client_secret="from-file", tenant="file-tenant")
    monkeypatch.setenv("GRAPHLINK_TENANT", "env-tenant")
    monkeypatch.delenv("GRAPHLINK_CLIENT_SECRET", raising=False)
    config = _cli._settings(path)["calendar_config"]
    assert (config["tenant"], config["client_secret"]) == ("env-tenant", "from-file")


def test_unreadable_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, answer = run(["queue_size", "--settings", str(tmp_path / "absent.json")], capsys)
    assert status == 2
    assert answer["type"] == "FileNotFoundError"
    (tmp_path / "bad.json").write_text("{not json")
    status, answer = run(["queue_size", "--settings", str(tmp_path / "bad.json")], capsys)
    assert status == 2
    assert answer["type"] == "JSONDecodeError"


# ------------------------------------------------------------------ real processes

PROCESSES = {
    "help": ["--help"],
    "queue_size": ["queue_size", "--demo"],
    "png": ["generate_png_qrcode", "--text", "Test", "--size", "100", "--demo"],
    "not_found": ["get_user", "--user_id", "nobody@contoso.com", "--demo"],
    "events": [
        "list_events",
        "--calendar_id",
        SVC,
        "--period_start",
        str(int(time.time()) - 8 * 86400),
        "--period_end",
        str(int(time.time()) + 8 * 86400),
        "--demo",
    ],
}


@pytest.fixture(scope="module")
def processes() -> dict[str, subprocess.CompletedProcess[str]]:
    """Each command line of ``PROCESSES`` run by ``python -m graphlink driver``, at once."""
    running = {
        name: subprocess.Popen(
            [sys.executable, "-m", "graphlink", "driver", *argv],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, argv in PROCESSES.items()
    }
    done = {}
    for name, process in running.items():
        out, err = process.communicate(timeout=60)
        done[name] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return done


def test_process_help(processes: dict[str, subprocess.CompletedProcess[str]]) -> None:
    done = processes["help"]
    assert done.returncode == 0
    assert all(f"  {name}(" in done.stdout for name in SEED)


def test_process_queue_size(processes: dict[str, subprocess.CompletedProcess[str]]) -> None:
    done = processes["queue_size"]
    assert (done.returncode, json.loads(done.stdout)) == (0, 0)


def test_process_png(processes: dict[str, subprocess.CompletedProcess[str]]) -> None:
    done = processes["png"]
    assert done.returncode == 0
    assert png_size(json.loads(done.stdout)) == (100, 100)


def test_process_error_json(processes: dict[str, subprocess.CompletedProcess[str]]) -> None:
    done = processes["not_found"]
    answer = json.loads(done.stdout)
    assert done.returncode == 1
    assert (answer["error"], answer["status"]) == ("request failed", 404)


def test_process_events(processes: dict[str, subprocess.CompletedProcess[str]]) -> None:
    done = processes["events"]
    events = json.loads(done.stdout)
    assert done.returncode == 0
    assert events
    assert {e["title"] for e in events} >= {"Room booking sync", "All-hands"}
    assert all(isinstance(e["event_start"], int) for e in events)
