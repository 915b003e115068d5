"""Fixtures of the notices tests: a real SMTP server in-process (aiosmtpd) with SVC_SMTP_* pointing at it, and
the data folder (notices file, key store, index) in a temporary folder."""

from __future__ import annotations

import pytest

from tests.offchain.mailkit import start_smtp


@pytest.fixture(scope="module")
def smtp_server():
    inbox, controller, env = start_smtp()
    yield inbox, env
    controller.stop()


@pytest.fixture
def inbox(smtp_server, monkeypatch):
    """The SMTP server's inbox, emptied, with SVC_SMTP_* set for this test."""
    box, env = smtp_server
    box.received.clear()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return box


@pytest.fixture
def data(tmp_path, monkeypatch):
    """The data folder (.servicecoin/) and deployments in tmp_path."""
    monkeypatch.setattr("servicecoin.paths.DATA_DIR", tmp_path / "data")
    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(tmp_path))
    return tmp_path / "data"
