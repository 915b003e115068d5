"""A real SMTP server in-process for the browser tests: `svc serve` sends the notice confirmation e-mails to it,
and each message is written to a folder (SVC_MAILBOX) where notices.test.mjs reads the confirmation link."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.offchain.mailkit import Inbox, free_port


class FolderInbox(Inbox):
    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder

    def handle_message(self, message):
        super().handle_message(message)
        (self.folder / f"{len(self.received):03d}.eml").write_text(message.as_string())


@contextlib.contextmanager
def mailbox(folder: Path):
    """Yields the SVC_SMTP_* environment of a server writing what it receives to `folder` (emptied first)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    controller = Controller(FolderInbox(folder), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield {"SVC_SMTP_HOST": "127.0.0.1", "SVC_SMTP_PORT": str(controller.port), "SVC_SMTP_TLS": "none",
               "SVC_SMTP_FROM": "points@shop.example"}
    finally:
        controller.stop()
