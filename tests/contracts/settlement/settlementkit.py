"""Settlement test helpers: the deploy as servicecoin/deploy.py wires it, terms, and signed acknowledgements."""

from brownie import Settlement, chain

from servicecoin.eip712 import sign_typed
from servicecoin.settlement.onchain import ack_typed_data
from tests.tokenkit import DAY, key_of

NOTICE = 7 * DAY
EUR = (b"EUR", 10_000, 0)  # 0.01 EUR per point, breakage returned to issuers
PERIOD = b"2026-12".ljust(32, b"\0")
DIGEST = b"\x11" * 32


def deploy_settlement(admin, house, terms=EUR, notice=NOTICE):
    return Settlement.deploy(admin, house, terms, notice, 0, {"from": admin})


def signed_ack(settlement, party, net, period=PERIOD, digest=DIGEST, signer=None):
    """`signer`'s (default: the party's) EIP-712 signature of an acknowledgement."""
    data = ack_typed_data(chain.id, settlement.address, period, digest, party.address, net)
    return bytes(sign_typed(key_of(signer or party), data).signature)
