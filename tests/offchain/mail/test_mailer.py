"""servicecoin.mailer against a real SMTP server run in-process (aiosmtpd): what arrives, and the errors."""

import pytest

from servicecoin.errors import ConfigError
from servicecoin.mailer import MailError, send_mail, smtp_settings
from tests.offchain.mailkit import free_port, parts


def test_a_message_arrives_with_text_html_and_unsubscribe_headers(smtp):
    inbox, env = smtp
    headers = {"List-Unsubscribe": "<https://shop.example/u/abc>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    msg_id = send_mail("ann@example.org", "Points expire soon", "12.50 points expire on 2027-01-01.",
                       html="<p>12.50 points expire on 2027-01-01.</p>", headers=headers,
                       settings=smtp_settings(env))
    [got] = inbox.received
    assert got["To"] == "ann@example.org" and got["From"] == "points@shop.example"
    assert got["Message-ID"] == msg_id and got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = parts(got)
    assert "12.50 points" in body["text/plain"] and "<p>" in body["text/html"]


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


def test_a_long_list_unsubscribe_url_stays_one_plain_url(smtp):
    """RFC 8058 needs the https URL readable in the header: no RFC 2047 encoded word, however long it is."""
    inbox, env = smtp
    url = "https://points.shop.example/api/notices/unsubscribe/" + "A" * 43
    send_mail("ann@example.org", "s", "t", headers={"List-Unsubscribe": f"<{url}>"}, settings=smtp_settings(env))
    assert inbox.received[0]["List-Unsubscribe"] == f"<{url}>"
