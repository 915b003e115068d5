"""RedemptionVault gas: a catalog redemption, a relayed signed redemption, a checkout discount."""

from __future__ import annotations

from servicecoin.chain import dev_account
from servicecoin.config import load_config
from servicecoin.deploy import deploy_token, grant_issuer
from servicecoin.token import UNIT, Reason
from servicecoin.vault import Kind, add_item, deploy_vault, discount, redeem, redeem_gasless, vault_contract

TARGETS = {
    "vault.redeem.gas": ("<=", 70_000, "one catalog redemption (limited stock, points from one epoch)"),
    "vault.redeem_gasless.gas": ("<=", 90_000, "a relayed EIP-712 signed redemption"),
    "vault.discount.gas": ("<=", 60_000, "one checkout discount"),
}
NOREF = b"\0" * 32


def run(ctx) -> dict:
    chain = ctx.chain
    config = load_config()
    token = deploy_token(chain, config)
    operator = chain.account("operator")
    grant_issuer(chain, token, operator.address, 10**9)
    vault = vault_contract(chain, deploy_vault(chain, config, token))
    gift = add_item(chain, Kind.GIFT, 40 * UNIT, 1_000, vault=vault)
    voucher = add_item(chain, Kind.DISCOUNT_VOUCHER, 25 * UNIT, None, vault=vault)
    customers = [dev_account(i) for i in (5, 6, 7)]
    for c in customers:
        chain.transact(token.functions.issue(c.address, 2_000 * UNIT, Reason.PURCHASE, NOREF), operator)
    out = {}
    # Steady state for the item (it has been redeemed before); the customer's points are from one epoch.
    redeem(chain, gift, 1, customers[0], vault)
    rec = redeem(chain, gift, 1, customers[1], vault)
    out["vault.redeem.gas"] = chain.w3.eth.get_transaction_receipt(rec.tx)["gasUsed"]
    redeem_gasless(chain, voucher, 1, customers[0], vault=vault)
    rec = redeem_gasless(chain, voucher, 1, customers[2], vault=vault)
    out["vault.redeem_gasless.gas"] = chain.w3.eth.get_transaction_receipt(rec.tx)["gasUsed"]
    discount(chain, 10 * UNIT, "bench-order-1", customers[0], vault)
    res = discount(chain, 10 * UNIT, "bench-order-2", customers[1], vault)
    out["vault.discount.gas"] = chain.w3.eth.get_transaction_receipt(res.tx)["gasUsed"]
    return out
