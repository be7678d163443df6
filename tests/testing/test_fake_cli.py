"""``python -m graphlink fake``: FakeGraph as a standalone server."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from graphlink.__main__ import main
from graphlink.testing import FakeGraph

_AUTH = {"Authorization": "Bearer anything"}


@contextmanager
def _server(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The server started as a process; yields it and the base URL it printed first."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "graphlink", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://"), proc.stderr.read() if proc.stderr else ""
        yield proc, base_url
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _stop(proc: subprocess.Popen[str], sig: signal.Signals) -> str:
    """Send ``sig``; the process must exit 0 within a few seconds. Returns its stderr."""
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    return err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_fake_serves_the_demo_until_interrupted(sig: signal.Signals) -> None:
    with _server("fake", "--port", "0", "--demo") as (proc, base_url):
        assert base_url.startswith("http://127.0.0.1:")
        assert base_url.endswith("/v1.0")
        users = httpx.get(f"{base_url}/users", headers=_AUTH, timeout=10)
        assert users.status_code == 200
        assert "Nadia Okafor" in {u["displayName"] for u in users.json()["value"]}
        err = _stop(proc, sig)
    assert "Traceback" not in err
    assert "(any bearer token is accepted)" in err  # what a first curl without one needs


def test_fake_serves_an_empty_tenant_by_default() -> None:
    with _server("fake") as (proc, base_url):
        users = httpx.get(f"{base_url}/users", headers=_AUTH, timeout=10)
        assert users.json()["value"] == []
        _stop(proc, signal.SIGINT)


def test_fake_serves_a_seed_file(tmp_path: Path) -> None:
    seed = FakeGraph()
    seed.add_user("ada@contoso.com", "Ada Lovelace")
    path = tmp_path / "tenant.json"
    seed.dump(path)
    with _server("fake", "--seed", str(path), "--latency", "1") as (proc, base_url):
        users = httpx.get(f"{base_url}/users", headers=_AUTH, timeout=10).json()["value"]
        assert [u["displayName"] for u in users] == ["Ada Lovelace"]
        _stop(proc, signal.SIGINT)


def test_the_deprecated_fake_server_still_serves_the_demo() -> None:
    with _server("fake-server", "--port", "0") as (proc, base_url):
        users = httpx.get(f"{base_url}/users", headers=_AUTH, timeout=10)
        assert users.status_code == 200
        assert users.json()["value"]
        err = _stop(proc, signal.SIGINT)
    assert "deprecated" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--throttle", "100"], "argument --throttle: expected RATE/SECONDS"),
        (["--throttle", "0/60"], "argument --throttle"),
        (["--throttle", "10/-1"], "argument --throttle"),
        (["--throttle", "ten/60"], "argument --throttle"),
        (["--concurrency", "0"], "argument --concurrency"),
        (["--latency", "-5"], "argument --latency: expected milliseconds"),
        (["--port", "70000"], "argument --port"),
        (["--demo", "--seed", "x.json"], "not allowed with argument"),
        (["--seed", "/nonexistent/tenant.json"], "argument --seed: [Errno 2]"),
    ],
)
def test_bad_options_exit_2_saying_why(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["fake", *args])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_a_bad_seed_file_exits_2_saying_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tenant.json"
    path.write_text('{"format": 1, "users": [{"id": "u1"}, {"id": "u1"}]}', encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["fake", "--seed", str(path)])
    assert exited.value.code == 2
    assert "users[1].id: duplicate id 'u1'" in capsys.readouterr().err


def test_options_reach_the_fake(monkeypatch: pytest.MonkeyPatch) -> None:
    """--latency is milliseconds (FakeGraph's seconds), --throttle its mailbox_rate."""
    served: list[FakeGraph] = []

    def fake_serve(fake: FakeGraph, host: str, port: int, stop: object) -> int:
        served.append(fake)
        assert (host, port) == ("127.0.0.1", 8080)
        return 0

    monkeypatch.setattr("graphlink.__main__._serve", fake_serve)
    args = ["fake", "--port", "8080", "--latency", "250", "--throttle", "10000/600"]
    assert main([*args, "--concurrency", "off"]) == 0
    [fake] = served
    assert fake.latency == 0.25
    assert fake.mailbox_rate == (10000, 600.0)
    assert fake.mailbox_concurrency is None


def test_a_host_beyond_loopback_warns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("graphlink.__main__._serve", lambda *args: 0)
    assert main(["fake", "--host", "0.0.0.0"]) == 0
    assert "checks no credentials" in capsys.readouterr().err
    assert main(["fake", "--host", "localhost"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("command", ["fake", "fake-server"])
def test_a_port_in_use_exits_1_in_one_line(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main([command, "--port", str(port)]) == 1
    out, err = capsys.readouterr()
    assert out == ""  # no base URL: a script reading stdout's first line sees nothing
    assert f"cannot listen on 127.0.0.1 port {port}: Address already in use" in err
    assert "Traceback" not in err


def test_interrupted_before_serving_prints_no_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Ctrl-C while a large seed loads: the handler only sets the event, so the command
    # must notice it rather than print a URL a script would then use against nothing.
    def interrupted_load(source: object, **kw: object) -> FakeGraph:
        signal.raise_signal(signal.SIGINT)
        return FakeGraph()

    monkeypatch.setattr(FakeGraph, "load", interrupted_load)
    assert main(["fake", "--seed", "tenant.json"]) == 0
    assert capsys.readouterr().out == ""
