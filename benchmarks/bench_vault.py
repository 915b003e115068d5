"""RedemptionVault gas: a catalog redemption, a relayed signed redemption, a checkout discount."""

from __future__ import annotations

from benchmarks.program import token_with_operator
from servicecoin.chain import dev_account
from servicecoin.deploy import deploy_vault
from servicecoin.token import UNIT, Reason
from servicecoin.vault import (Kind, add_item, discount, fulfil, redeem, redeem_gasless, redemption_slot,
                               vault_contract)

TARGETS = {
    "vault.runtime_bytes": ("<=", 24_576, "deployed runtime size in bytes (eth_getCode); EIP-170 cap 24,576"),
    "vault.redeem.gas": ("<=", 70_000, "one catalog redemption in the steady state: earlier redemptions of the item "
                         "were fulfilled, so the record reuses a finished one's storage word (limited stock, "
                         "points from one epoch)"),
    "vault.redeem_fresh_slot.gas": ("<=", 80_000, "one catalog redemption of an item with no finished redemption: "
                                    "the record takes a fresh storage word, 22,100 gas of it (guard: no dearer "
                                    "than before recycling)"),
    "vault.redeem_gasless.gas": ("<=", 90_000, "a relayed EIP-712 signed redemption"),
    "vault.discount.gas": ("<=", 85_000, "a customer's first checkout discount of the day, on a new order: the "
                           "customer's day word (points used, orders discounted) is a fresh storage word, 22,100 "
                           "gas of it"),
    "vault.discount_repeat.gas": ("<=", 60_000, "a later discount of the same customer the same day, on another "
                                  "order: the day word is updated in place"),
}
NOREF = b"\0" * 32


def run(ctx) -> dict:
    chain = ctx.chain
    config, token, operator = token_with_operator(chain)
    vault = vault_contract(chain, deploy_vault(chain, config, token))
    gift = add_item(chain, Kind.GIFT, 40 * UNIT, 1_000, vault=vault)
    voucher = add_item(chain, Kind.DISCOUNT_VOUCHER, 25 * UNIT, None, vault=vault)
    customers = [dev_account(i) for i in (5, 6, 7)]
    for c in customers:
        chain.transact(token.functions.issue(c.address, 2_000 * UNIT, Reason.PURCHASE, NOREF), operator)
    out = {"vault.runtime_bytes": len(chain.w3.eth.get_code(vault.address))}
    # The item has been redeemed before but none of its redemptions is finished: a fresh record word.
    # The customers' points are from one epoch.
    first = redeem(chain, gift, 1, customers[0], vault)
    rec = redeem(chain, gift, 1, customers[1], vault)
    out["vault.redeem_fresh_slot.gas"] = _gas(chain, rec.tx)
    # Steady state: the merchant fulfilled them, so the next redemption reuses a finished record's word.
    for done in (first, rec):
        fulfil(chain, done.redemption_id, f"BENCH-{done.redemption_id & 0xFFFF}", vault=vault)
    # A freed word is reused only by a redemption created in a later second than the finished one (the
    # created time is the id's generation), as it is in practice: advance the node's clock by one second.
    chain.w3.provider.make_request("evm_increaseTime", [1])
    rec = redeem(chain, gift, 1, customers[2], vault)
    if redemption_slot(rec.redemption_id) not in (redemption_slot(first.redemption_id),
                                                  redemption_slot(done.redemption_id)):
        raise RuntimeError(f"bench_vault: redemption {rec.id_hex} did not reuse a finished record's word")
    out["vault.redeem.gas"] = _gas(chain, rec.tx)
    redeem_gasless(chain, voucher, 1, customers[0], vault=vault)
    rec = redeem_gasless(chain, voucher, 1, customers[2], vault=vault)
    out["vault.redeem_gasless.gas"] = _gas(chain, rec.tx)
    discount(chain, 10 * UNIT, "bench-order-1", customers[0], vault)
    res = discount(chain, 10 * UNIT, "bench-order-2", customers[1], vault)
    out["vault.discount.gas"] = _gas(chain, res.tx)
    res = discount(chain, 10 * UNIT, "bench-order-3", customers[1], vault)
    out["vault.discount_repeat.gas"] = _gas(chain, res.tx)
    return out


def _gas(chain, tx: str) -> int:
    return chain.w3.eth.get_transaction_receipt(tx)["gasUsed"]
