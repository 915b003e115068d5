"""The `status:` section of servicecoin.yaml: when a key or a budget counts as running low, and whom to tell.

    status:
      min_eth: 0.05             # a key with less ETH than this is low
      min_budget_share: 0.1     # a budget with less than this share of its allowance left is low
      alert_email: null         # the operator's address: one e-mail per low key or budget per UTC day
      keys: {}                  # more addresses to watch, {name: 0x…} (the relayer, agent and operator keys are)

Every setting is optional; a wrong one is a ConfigError naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from servicecoin.errors import ConfigError

WHERE = "servicecoin.yaml: status"
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class StatusSettings:
    min_eth: float = 0.05
    min_budget_share: float = 0.1
    alert_email: str | None = None
    keys: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, section: Any) -> "StatusSettings":
        if section is None:
            return cls()
        if not isinstance(section, dict):
            raise ConfigError(f"{WHERE}: must be a mapping")
        known = ("min_eth", "min_budget_share", "alert_email", "keys")
        for key in section:
            if key not in known:
                raise ConfigError(f"{WHERE}: unknown setting '{key}' (known: {', '.join(known)})")
        values: dict[str, Any] = {}
        for key in ("min_eth", "min_budget_share"):
            if key in section:
                value = section[key]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or \
                        (key == "min_budget_share" and value > 1):
                    raise ConfigError(f"{WHERE}.{key}: must be a number of 0 or more"
                                      + (" and at most 1" if key == "min_budget_share" else ""))
                values[key] = float(value)
        email = section.get("alert_email")
        if email is not None and (not isinstance(email, str) or not EMAIL.fullmatch(email.strip())):
            raise ConfigError(f"{WHERE}.alert_email: must be an e-mail address")
        values["alert_email"] = email.strip() if email else None
        keys = section.get("keys") or {}
        if not isinstance(keys, dict) or not all(isinstance(n, str) and isinstance(a, str) and ADDRESS.fullmatch(a)
                                                 for n, a in keys.items()):
            raise ConfigError(f"{WHERE}.keys: must be a mapping of names to addresses (0x + 40 hex digits)")
        values["keys"] = dict(keys)
        return cls(**values)


def load_status_settings() -> StatusSettings:
    from servicecoin.config import load_config

    return StatusSettings.from_config((load_config() or {}).get("status"))
