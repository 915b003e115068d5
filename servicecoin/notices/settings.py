"""The `notices:` section of servicecoin.yaml: where the customer page is (links in every e-mail), when each kind
of notice is due, and where the agents' follow-up work list goes. Every setting is optional; a wrong one is a
ConfigError naming it.

    notices:
      base_url: null               # the page's public https URL; null: http://127.0.0.1:8080/ on local networks
      store: null                  # SQLite file; default .servicecoin/<network>/notices/notices.sqlite
      expiry_thresholds: [30d, 7d] # an expiry reminder per expiring lot and threshold (the tightest that applies)
      tier_warning: 30d            # "tier at risk" when the next tier review is this close and points are missing
      recent: 14d                  # deliveries and resolved tickets older than this get no notice
      confirm_ttl: 2d              # a confirmation link works this long
      templates: null              # a folder of <kind>.subject / <kind>.txt / <kind>.html overriding the built-in ones
      program: ServiceCoin         # the name the e-mails sign with
      followups:                   # svc followups --deliver webhook|email
        webhook_url: null          # the help desk's endpoint (HMAC-signed POST)
        secret_env: SVC_FOLLOWUPS_SECRET
        email: null                # the agents' address
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from servicecoin.errors import ConfigError

WHERE = "servicecoin.yaml: notices"
LOCAL_URL = "http://127.0.0.1:8080/"
DAY = 86_400


def _duration(value: Any, key: str) -> int:
    m = re.fullmatch(r"\s*(\d{1,9})\s*([smhdw]?)\s*", str(value)) if isinstance(value, (str, int)) and \
        not isinstance(value, bool) else None
    if not m:
        raise ConfigError(f"{WHERE}.{key}: '{value}' is not a duration (like 30d, 12h, 2w)")
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": DAY, "w": 7 * DAY}[m.group(2)]


@dataclass(frozen=True)
class FollowupTargets:
    webhook_url: str | None = None
    secret_env: str = "SVC_FOLLOWUPS_SECRET"
    email: str | None = None


@dataclass(frozen=True)
class NoticeSettings:
    base_url: str | None = None
    store: str | None = None
    expiry_thresholds: tuple[int, ...] = (30 * DAY, 7 * DAY)
    tier_warning: int = 30 * DAY
    recent: int = 14 * DAY
    confirm_ttl: int = 2 * DAY
    templates: str | None = None
    program: str = "ServiceCoin"
    followups: FollowupTargets = field(default_factory=FollowupTargets)

    @classmethod
    def from_config(cls, section: Any) -> "NoticeSettings":
        if section is None:
            return cls()
        if not isinstance(section, dict):
            raise ConfigError(f"{WHERE}: must be a mapping")
        values: dict[str, Any] = {}
        for key, value in section.items():
            if key in ("base_url", "store", "templates", "program"):
                if value is not None and not isinstance(value, str):
                    raise ConfigError(f"{WHERE}.{key}: must be text")
                if value is not None:
                    values[key] = value
            elif key == "expiry_thresholds":
                if not isinstance(value, list) or not value:
                    raise ConfigError(f"{WHERE}.expiry_thresholds: must be a list of durations, like [30d, 7d]")
                values[key] = tuple(sorted({_duration(v, key) for v in value}, reverse=True))
            elif key in ("tier_warning", "recent", "confirm_ttl"):
                values[key] = _duration(value, key)
            elif key == "followups":
                values[key] = _followups(value)
            else:
                raise ConfigError(f"{WHERE}: unknown setting '{key}' (known: base_url, store, expiry_thresholds, "
                                  "tier_warning, recent, confirm_ttl, templates, program, followups)")
        if values.get("base_url"):
            values["base_url"] = check_base_url(values["base_url"], local=True)
        return cls(**values)

    def page_url(self, local: bool) -> str:
        """The customer page's URL links point at: base_url (https unless the network is local), or the local page."""
        if self.base_url:
            return check_base_url(self.base_url, local)
        if local:
            return LOCAL_URL
        raise ConfigError(f"{WHERE}.base_url: set the customer page's public https URL (links in every e-mail)")


def check_base_url(url: str, local: bool) -> str:
    """`url` with a trailing slash; https required (RFC 8058) unless `local` and the host is the loopback."""
    url = url.strip()
    loopback = re.match(r"http://(127\.0\.0\.1|localhost)(:\d+)?(/|$)", url)
    if not (url.startswith("https://") and len(url) > 8) and not (local and loopback):
        raise ConfigError(f"{WHERE}.base_url: must be an https:// URL (RFC 8058 one-click unsubscribe), got {url!r}")
    return url if url.endswith("/") else url + "/"


def _followups(value: Any) -> FollowupTargets:
    if value is None:
        return FollowupTargets()
    if not isinstance(value, dict):
        raise ConfigError(f"{WHERE}.followups: must be a mapping")
    for key, item in value.items():
        if key not in ("webhook_url", "secret_env", "email"):
            raise ConfigError(f"{WHERE}.followups: unknown setting '{key}' (known: webhook_url, secret_env, email)")
        if item is not None and not isinstance(item, str):
            raise ConfigError(f"{WHERE}.followups.{key}: must be text")
    url = value.get("webhook_url")
    if url and not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ConfigError(f"{WHERE}.followups.webhook_url: must be an https:// URL, got {url!r}")
    return FollowupTargets(url, value.get("secret_env") or "SVC_FOLLOWUPS_SECRET", value.get("email"))


def load_settings() -> NoticeSettings:
    from servicecoin.config import load_config

    try:
        config = load_config() or {}
    except ConfigError:
        config = {}
    return NoticeSettings.from_config(config.get("notices"))
