"""The program settings file (servicecoin.yaml)."""

from __future__ import annotations

import yaml

from servicecoin.errors import ConfigError
from servicecoin.paths import CONFIG_FILE


def load_config(path=CONFIG_FILE) -> dict:
    try:
        with open(path) as fp:
            config = yaml.safe_load(fp)
    except FileNotFoundError:
        raise ConfigError(f"{path}: program settings file not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None
    for key in ("token", "budgets"):
        if key not in (config or {}):
            raise ConfigError(f"{path}: missing section '{key}'")
    return config


def token_info(config: dict | None = None) -> dict:
    """What people see of the token besides its address: symbol, decimals and tier names, from the program
    settings (a deployment file holds only the chain id, addresses and blocks: docs/cli.md)."""
    from servicecoin.token import DECIMALS, tier_names

    config = config or load_config()
    return {"symbol": config["token"].get("symbol", "SVC"), "decimals": DECIMALS, "tier_names": tier_names(config)}
