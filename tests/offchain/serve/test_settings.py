"""The `serve:` section of servicecoin.yaml (servicecoin.serve.settings): defaults, overrides, and a
clear error naming a wrong setting."""

from __future__ import annotations

import ipaddress

import pytest

from servicecoin.config import load_config
from servicecoin.errors import ConfigError
from servicecoin.serve import ServeSettings, Window


@pytest.fixture(autouse=True)
def isolation():
    """No chain state involved."""


def test_the_shipped_section_is_the_defaults():
    assert ServeSettings.from_config(load_config()["serve"]) == ServeSettings() == ServeSettings.from_config(None)


def test_settings_override_the_defaults():
    settings = ServeSettings.from_config({"client_rate_limit": False, "customer_rate_limit": {"count": 5, "seconds": 30},
                                          "trusted_proxies": ["127.0.0.1", "10.0.0.0/8"], "deadline_margin_s": 300,
                                          "gas_caps": {"redeem": 200_000}})
    assert settings.client_limit is None and settings.customer_limit == Window(5, 30.0)
    assert ipaddress.ip_address("10.9.8.7") in settings.trusted_proxies[1]
    assert settings.deadline_margin == 300 and settings.gas_cap("redeem") == 200_000 and settings.gas_cap("feedback") == 250_000


@pytest.mark.parametrize("section, named", [
    ({"deadline_margin_s": 0}, "deadline_margin_s"),
    ({"trusted_proxies": ["proxy.example"]}, "trusted_proxies"),
    ({"client_rate_limit": {"count": 3}}, "client_rate_limit"),
    ({"failed_relays_total": False}, "failed_relays_total"),
    ({"gas_caps": {"transfer": 1}}, "gas_caps"),
    ({"gas_caps": {"redeem": -1}}, "gas_caps.redeem"),
    ({"rate": 1}, "unknown setting 'rate'"),
])
def test_a_wrong_setting_is_named(section, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        ServeSettings.from_config(section)
