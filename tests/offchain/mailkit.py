"""A real SMTP server in-process (aiosmtpd) for the tests that send e-mail, and readers of what it received."""

from __future__ import annotations

import email
import re
import socket
from email.message import Message as EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message


class Inbox(Message):
    """Keeps every message the server accepts, in order."""

    def __init__(self):
        super().__init__()
        self.received = []

    def handle_message(self, message):
        self.received.append(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_smtp() -> tuple[Inbox, Controller, dict]:
    """(inbox, controller, SVC_SMTP_* environment) of a started server; stop it with controller.stop()."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = {"SVC_SMTP_HOST": "127.0.0.1", "SVC_SMTP_PORT": str(controller.port),
           "SVC_SMTP_TLS": "none", "SVC_SMTP_FROM": "points@shop.example"}
    return inbox, controller, env


def parts(message: EmailMessage) -> dict[str, str]:
    """content type → decoded text of each leaf part."""
    return {p.get_content_type(): p.get_payload(decode=True).decode() for p in
            email.message_from_string(message.as_string()).walk() if not p.is_multipart()}


def link(message: EmailMessage, pattern: str) -> str:
    """The first URL in the plain-text part matching `pattern`."""
    found = re.search(pattern, parts(message)["text/plain"])
    assert found, parts(message)["text/plain"]
    return found.group(0)
