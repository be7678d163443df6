"""Fixtures for the mail tests: each scenario runs on both clients.

``harness`` (httpx.MockTransport, fake clock), ``mode`` and ``on_fake`` come from
``tests/harness.py``; here ``on_fake`` builds a ``MailRun``, which also records the wire.
"""

from __future__ import annotations

import pytest
from harness import harness, mode, on_fake
from mail_support import MailRun

__all__ = ["fake_run", "harness", "mode", "on_fake"]


@pytest.fixture
def fake_run() -> type[MailRun]:
    """``on_fake`` builds a ``MailRun``: a ``FakeRun`` behind the spy transport."""
    return MailRun
