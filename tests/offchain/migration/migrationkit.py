"""Migration test helpers: an old-layout RewardToken (the compiled token of before issue 14, kept in
legacy_token.json) deployed on a Chain, and credits made on it."""

from __future__ import annotations

import json
from pathlib import Path

from servicecoin.migration.snapshot import reader
from servicecoin.roles import grant_issuer

LEGACY = json.loads(Path(__file__).with_name("legacy_token.json").read_text())
DAY = 86_400
EPOCH = DAY
VALIDITY = 3
PURCHASE = 0


def deploy_legacy(chain, genesis: int = 0, epoch: int = EPOCH, validity: int = VALIDITY, admin=None):
    """An old-layout RewardToken (admin: `admin`, default the deployer, who also holds the pauser role; the
    operator an issuer), read through the legacy ABI."""
    admin = admin or chain.account("deployer")
    factory = chain.w3.eth.contract(abi=LEGACY["abi"], bytecode=LEGACY["bytecode"])
    tx = chain.build(factory.constructor("Old Points", "OLD", admin.address, genesis, epoch, validity, 0), admin)
    receipt = chain.wait(chain.send_raw(tx, admin))
    token = reader(chain, receipt["contractAddress"])
    grant_issuer(chain, token, chain.account("operator").address, 10**9)
    chain.transact(token.functions.grantRole(token.functions.PAUSER_ROLE().call(), admin.address), admin)
    return token


def genesis_now(chain) -> int:
    """A genesis two tokens can share: the latest block's time (a constructor refuses one in the future)."""
    return chain.w3.eth.get_block("latest")["timestamp"]


def credit(chain, token, to: str, raw: int, reason: int = PURCHASE, ref: bytes = b"\x01" * 32) -> None:
    chain.transact(token.functions.issue(to, raw, reason, ref), chain.account("operator"))


def pause(chain, token, admin=None) -> None:
    chain.transact(token.functions.pause(), admin or chain.account("deployer"))
