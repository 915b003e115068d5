"""E-mail out through SMTP, configured from the environment (never from a file in the repo).

    SVC_SMTP_HOST      server name (required to send)
    SVC_SMTP_PORT      port (default: 465 for tls=ssl, 587 for starttls, 25 for none)
    SVC_SMTP_TLS       ssl | starttls | none (default starttls)
    SVC_SMTP_USER      login name (optional; no login when unset)
    SVC_SMTP_PASSWORD  its password
    SVC_SMTP_FROM      the From address (required to send)

Every message has a plain-text part and, when given, an HTML alternative. Extra headers (for example
RFC 8058 List-Unsubscribe / List-Unsubscribe-Post) are passed through. The password is never logged
nor put in an error.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as DEFAULT_POLICY
from email.utils import make_msgid

from servicecoin.errors import ConfigError, ServiceCoinError

TLS_MODES = {"ssl": 465, "starttls": 587, "none": 25}
# Lines up to RFC 5322's 998 characters: a long List-Unsubscribe URL stays one plain <URL>, where the default of 78
# would turn it into an RFC 2047 encoded word that mail clients do not read as a URL (RFC 8058 needs it plain).
POLICY = DEFAULT_POLICY.clone(max_line_length=998)


class MailError(ServiceCoinError):
    """The SMTP server refused or could not be reached; nothing about the password is in the text."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str
    user: str | None
    password: str | None
    sender: str

    def __repr__(self) -> str:  # never show the password
        return f"SmtpSettings({self.user or '-'}@{self.host}:{self.port}, tls={self.tls}, from={self.sender})"


def smtp_settings(environ: dict | None = None) -> SmtpSettings:
    """The SMTP settings from SVC_SMTP_*; a ConfigError naming the variable when one is missing or wrong."""
    env = os.environ if environ is None else environ
    host = env.get("SVC_SMTP_HOST", "").strip()
    if not host:
        raise ConfigError("SVC_SMTP_HOST is not set: the SMTP server to send e-mail through")
    sender = env.get("SVC_SMTP_FROM", "").strip()
    if "@" not in sender:
        raise ConfigError(f"SVC_SMTP_FROM must be an e-mail address, got {sender!r}")
    tls = env.get("SVC_SMTP_TLS", "starttls").strip().lower()
    if tls not in TLS_MODES:
        raise ConfigError(f"SVC_SMTP_TLS must be one of {', '.join(TLS_MODES)}, got {tls!r}")
    port_text = env.get("SVC_SMTP_PORT", "").strip() or str(TLS_MODES[tls])
    if not port_text.isascii() or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"SVC_SMTP_PORT must be a port number (1-65535), got {port_text!r}")
    user = env.get("SVC_SMTP_USER") or None
    return SmtpSettings(host, int(port_text), tls, user, env.get("SVC_SMTP_PASSWORD") if user else None, sender)


def build_message(sender: str, to: str, subject: str, text: str, html: str | None = None,
                  headers: dict[str, str] | None = None) -> EmailMessage:
    """One e-mail: plain text, an optional HTML alternative, and extra headers."""
    msg = EmailMessage(policy=POLICY)
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def send_mail(to: str, subject: str, text: str, html: str | None = None, headers: dict[str, str] | None = None,
              settings: SmtpSettings | None = None, timeout: float = 30) -> str:
    """Send one e-mail; returns its Message-ID. MailError (one line, no secret) when the server refuses."""
    cfg = settings or smtp_settings()
    msg = build_message(cfg.sender, to, subject, text, html, headers)
    try:
        if cfg.tls == "ssl":
            server = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=timeout, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(cfg.host, cfg.port, timeout=timeout)
        with server:
            if cfg.tls == "starttls":
                server.starttls(context=ssl.create_default_context())
            if cfg.user:
                server.login(cfg.user, cfg.password or "")
            server.send_message(msg)
    except smtplib.SMTPException as exc:
        raise MailError(f"SMTP {cfg.host}:{cfg.port} refused the message to {to}: {_short(exc)}") from None
    except (OSError, ssl.SSLError) as exc:
        raise MailError(f"SMTP {cfg.host}:{cfg.port} could not be reached ({type(exc).__name__}: {exc})") from None
    return str(msg["Message-ID"])


def _short(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {detail}".strip()
    return type(exc).__name__
