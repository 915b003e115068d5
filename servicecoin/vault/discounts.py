"""Checkout discounts: a customer burns points for money off an order, at the vault's announced rate,
for at least the discount the customer saw, within the per-order cap and the customer's own per-day cap
(each order once)."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.logs import DISCARD

from servicecoin.chain import Chain
from servicecoin.vault.items import vault_contract
from servicecoin.vault.redemptions import tx_hex

CENTS = 100  # currency cents per currency unit (the vault's CENTS)


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


def discount_cents(points: int, rate: int) -> int:
    """The discount (currency cents) `points` (raw) buy at `rate` (raw points per currency unit), as the vault rounds."""
    return points * CENTS // rate if rate else 0


def discount(chain: Chain, points: int, order: str, customer: LocalAccount, vault=None,
             min_discount: int | None = None) -> DiscountResult:
    """Spend `points` (raw) for a checkout discount on `order`; only what the discount is worth is burned. The
    discount must be at least `min_discount` cents, the terms the customer saw (None: at the rate in force now)."""
    vault = vault or vault_contract(chain)
    ref = order_ref(order)
    if min_discount is None:
        min_discount = discount_cents(points, discount_terms(chain, vault)["rate"])
    receipt = chain.transact(vault.functions.redeemForDiscount(points, ref, min_discount), customer)
    ev = vault.events.DiscountRedeemed().process_receipt(receipt, errors=DISCARD)[0]["args"]
    return DiscountResult(customer.address, "0x" + ref.hex(), ev["points"], ev["discount"], ev["rate"],
                          tx_hex(receipt))


def discount_terms(chain: Chain, vault=None, customer: str | None = None) -> dict:
    """The terms in force; with `customer`, also what that customer's discounts used today (the day cap is theirs)."""
    vault = vault or vault_contract(chain)
    rate, pending, pending_at, order_cap, day_cap = vault.functions.discountTerms().call()
    terms = {"rate": rate, "pending_rate": pending, "pending_at": pending_at, "per_order_cap": order_cap,
             "per_customer_day_cap": day_cap, "notice_period": vault.functions.noticePeriod().call()}
    if customer:
        terms["used_today"] = vault.functions.discountUsedToday(Web3.to_checksum_address(customer)).call()
    return terms
