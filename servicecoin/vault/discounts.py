"""Checkout discounts: a customer burns points for money off an order, at the vault's announced rate
and within its per-order and per-day caps."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.logs import DISCARD

from servicecoin.chain import Chain
from servicecoin.vault.items import vault_contract
from servicecoin.vault.redemptions import tx_hex


@dataclass
class DiscountResult:
    customer: str
    order_ref: str
    points: int
    discount_cents: int
    rate: int
    tx: str


def order_ref(text: str) -> bytes:
    """An order reference: 0x + 64 hex digits as is, anything else hashed (keccak of the text)."""
    if text.startswith("0x") and len(text) == 66:
        return bytes.fromhex(text[2:])
    return Web3.keccak(text=text)


def discount(chain: Chain, points: int, order: str, customer: LocalAccount, vault=None) -> DiscountResult:
    """Spend `points` (raw) for a checkout discount on `order`; only what the discount is worth is burned."""
    vault = vault or vault_contract(chain)
    ref = order_ref(order)
    receipt = chain.transact(vault.functions.redeemForDiscount(points, ref), customer)
    ev = vault.events.DiscountRedeemed().process_receipt(receipt, errors=DISCARD)[0]["args"]
    return DiscountResult(customer.address, "0x" + ref.hex(), ev["points"], ev["discount"], ev["rate"],
                          tx_hex(receipt))


def discount_terms(chain: Chain, vault=None) -> dict:
    vault = vault or vault_contract(chain)
    rate, pending, pending_at, order_cap, day_cap, used = vault.functions.discountTerms().call()
    return {"rate": rate, "pending_rate": pending, "pending_at": pending_at, "per_order_cap": order_cap,
            "per_day_cap": day_cap, "used_today": used, "notice_period": vault.functions.noticePeriod().call()}
