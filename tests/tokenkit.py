"""RewardToken test helpers shared by every suite: chain constants, the production-wired deploy,
revert matching, value normalisation and test accounts' keys (the fixtures are in tests/conftest.py)."""

import brownie
from brownie import RewardToken, accounts, web3

from servicecoin.chain import dev_account

DAY = 86_400
EPOCH = DAY  # tests use one-day epochs
VALIDITY = 3  # and three epochs of validity
UNIT = 100  # raw units per point (2 decimals)
BUDGET = 10**12

REASON = {"purchase": 0, "feedback": 1, "survey": 2, "referral": 3, "social": 4,
          "campaign": 5, "compensation": 6, "refund": 7}


NOREF = "0x" + "00" * 32


def plain(value):
    """Brownie return values as plain lists and ints, for comparisons."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (int, str, bytes)):
        return int(value) if isinstance(value, int) else value
    return value


def reverts_with(error_name: str):
    """Expect a revert with custom error `error_name` (brownie shows it as `Name: arg, …`)."""
    return brownie.reverts(revert_pattern=f"{error_name}(: .*)?")


def deploy_token(admin, issuer, pauser, merchant, spender, validity=VALIDITY, epoch=EPOCH):
    token = RewardToken.deploy("ServiceCoin Points", "SVC", admin, 0, epoch, validity, 0, {"from": admin})
    token.grantRole(token.ISSUER_ROLE(), issuer, {"from": admin})
    token.setIssuerBudget(issuer, BUDGET, {"from": admin})
    token.grantRole(token.PAUSER_ROLE(), pauser, {"from": admin})
    token.grantRole(token.SPENDER_ROLE(), spender, {"from": admin})
    token.grantRole(token.RECOVERY_ROLE(), admin, {"from": admin})  # as `svc deploy` does
    token.setAcceptor(merchant, True, {"from": admin})
    return token


def batch_id(label: str) -> bytes:
    return web3.keccak(text=label)


def key_of(account) -> bytes:
    """The private key of a brownie test account (anvil's accounts come from the public test mnemonic)."""
    signer = dev_account(list(accounts).index(account))
    assert signer.address == account.address
    return bytes(signer.key)
