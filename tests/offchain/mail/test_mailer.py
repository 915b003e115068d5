"""servicecoin.mailer against a real SMTP server run in-process (aiosmtpd): what arrives, and the errors."""

import email
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from servicecoin.errors import ConfigError
from servicecoin.mailer import MailError, send_mail, smtp_settings


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.received = []

    def handle_message(self, message):
        self.received.append(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = {"SVC_SMTP_HOST": "127.0.0.1", "SVC_SMTP_PORT": str(controller.port),
           "SVC_SMTP_TLS": "none", "SVC_SMTP_FROM": "points@shop.example"}
    yield inbox, env
    controller.stop()


def test_a_message_arrives_with_text_html_and_unsubscribe_headers(smtp):
    inbox, env = smtp
    headers = {"List-Unsubscribe": "<https://shop.example/u/abc>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    msg_id = send_mail("ann@example.org", "Points expire soon", "12.50 points expire on 2027-01-01.",
                       html="<p>12.50 points expire on 2027-01-01.</p>", headers=headers,
                       settings=smtp_settings(env))
    [got] = inbox.received
    assert got["To"] == "ann@example.org" and got["From"] == "points@shop.example"
    assert got["Message-ID"] == msg_id and got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in email.message_from_string(
        got.as_string()).walk() if not p.is_multipart()}
    assert "12.50 points" in parts["text/plain"] and "<p>" in parts["text/html"]


def test_an_unreachable_server_is_one_line_without_the_password(smtp):
    _, env = smtp
    env = dict(env, SVC_SMTP_PORT=str(free_port()), SVC_SMTP_USER="ops", SVC_SMTP_PASSWORD="hunter2-secret")
    with pytest.raises(MailError) as err:
        send_mail("ann@example.org", "s", "t", settings=smtp_settings(env), timeout=3)
    assert "could not be reached" in str(err.value) and "hunter2" not in str(err.value)
    assert "hunter2" not in repr(smtp_settings(env))


@pytest.mark.parametrize("change, named", [
    ({"SVC_SMTP_HOST": ""}, "SVC_SMTP_HOST"),
    ({"SVC_SMTP_FROM": "nobody"}, "SVC_SMTP_FROM"),
    ({"SVC_SMTP_TLS": "maybe"}, "SVC_SMTP_TLS"),
    ({"SVC_SMTP_PORT": "99999"}, "SVC_SMTP_PORT"),
    ({"SVC_SMTP_PORT": "２５"}, "SVC_SMTP_PORT"),
])
def test_bad_settings_name_the_variable(smtp, change, named):
    _, env = smtp
    with pytest.raises(ConfigError, match=named):
        smtp_settings(dict(env, **change))
