"""`svc deploy` puts the Settlement contract on chain with servicecoin.yaml's `settlement:` terms."""

import pytest
from brownie import web3

from servicecoin.chain import from_web3
from servicecoin.config import load_config
from servicecoin.deploy import deploy_settlement
from servicecoin.errors import ConfigError
from servicecoin.money import Terms


def test_deploy_sets_terms_notice_and_clearing_house():
    chain, config = from_web3(web3, "development"), load_config()
    config["settlement"] = {"currency": "USD", "value_per_point": "0.005", "breakage": "kept_by_operator"}
    contract = chain.contract("Settlement", deploy_settlement(chain, config))
    current, _, pending_at = contract.functions.terms().call()
    assert (current[0], current[1], current[2], pending_at) == (b"USD", 5_000, 1, 0)
    assert contract.functions.noticePeriod().call() == int(config["vault"]["notice_days"] * 86_400)
    assert contract.functions.clearingHouse().call() == chain.account("operator").address


@pytest.mark.parametrize("section, message", [
    ({"currency": "eur"}, "ISO 4217"), ({"value_per_point": "0.0000001"}, "6 decimals"),
    ({"value_per_point": "0"}, "above 0"), ({"breakage": "split"}, "return_to_issuers or kept_by_operator")])
def test_bad_settlement_settings_are_one_line_errors(section, message):
    with pytest.raises(ConfigError, match=message):
        Terms.from_config(section)
