"""What `svc migrate token` refuses before it sends anything, each in one line: a new token that takes no
migrations, the same token twice, epoch clocks that would change a lot's expiry; and the epoch shift
when two clocks are a whole number of epochs apart."""

import pytest

from servicecoin.errors import ConfigError
from servicecoin.migration.prepare import check_tokens, epoch_shift

from tests.offchain.migration.migrationkit import DAY, deploy_legacy, genesis_now


def test_a_new_token_without_migrateAccounts_is_refused(chain):
    old, other = deploy_legacy(chain), deploy_legacy(chain)
    with pytest.raises(ConfigError, match="not a RewardToken that takes migrations"):
        check_tokens(chain, old.address, other.address, chain.account("deployer").address)


def test_the_same_token_twice_is_refused(chain):
    old = deploy_legacy(chain)
    with pytest.raises(ConfigError, match="the same token"):
        check_tokens(chain, old.address, old.address, chain.account("deployer").address)


def test_an_address_without_code_is_refused(chain):
    old = deploy_legacy(chain)
    with pytest.raises(ConfigError, match="no contract at this address"):
        check_tokens(chain, old.address, "0x" + "12" * 20, chain.account("deployer").address)


def test_epoch_clocks_that_do_not_line_up_are_refused(chain):
    g = genesis_now(chain)
    with pytest.raises(ConfigError, match="do not line up"):
        epoch_shift(chain, deploy_legacy(chain, g).address, deploy_legacy(chain, g, epoch=2 * DAY).address)
    with pytest.raises(ConfigError, match="do not line up"):
        epoch_shift(chain, deploy_legacy(chain, g).address, deploy_legacy(chain, g - DAY // 2).address)


def test_clocks_a_whole_number_of_epochs_apart_renumber_the_epochs(chain):
    g = genesis_now(chain)
    assert epoch_shift(chain, deploy_legacy(chain, g).address, deploy_legacy(chain, g - 3 * DAY).address) == 3
    assert epoch_shift(chain, deploy_legacy(chain, g).address, deploy_legacy(chain, g).address) == 0
