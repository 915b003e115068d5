"""The redemption vault: catalog, redemptions (direct and signed), fulfilment, refunds, discounts.

    items        the catalog: item kinds, listing, updating and reassigning items, reading them with their metadata
    redemptions  redeeming (direct or gasless, within the points the customer saw), redemption ids, fulfil, refund,
                 the customer's cancel of an unfulfilled one, the list from the events
    discounts    points for money off an order (at least the discount the customer saw), the terms in force
    metadata     catalog metadata for the page: each item's name, description and picture, the merchant contact
    vouchers     voucher codes sealed for their customer in the content store (fulfil_with_code), and their eraser
    signatures   the EIP-712 `Redeem` message and its signature; which key a command signs with

These are what `svc catalog`, `svc redeem`, `svc redemptions` and `svc discount` call, and what the
tests call directly. Amounts are raw token units (2 decimals) unless a name says points. Deploying
the vault (and its roles) is servicecoin.deploy's; the web relay is servicecoin.relay's.
"""

from servicecoin.vault.discounts import DiscountResult, discount, discount_cents, discount_terms, order_ref
from servicecoin.vault.items import (
    CONTRACT, UNLIMITED, CatalogItem, Kind, add_item, get_item, item_metadata, list_items, reassign_item, update_item,
    vault_contract,
)
from servicecoin.vault.redemptions import (
    ID_CREATED_SHIFT, ITEM_SHIFT, SIGNED_FLAG, RedemptionRecord, Status, cancel, fulfil, is_signed, list_redemptions,
    max_points_now, parse_redemption_id, read_redemption, redeem, redeem_gasless, redeemed_record, redemption_slot, refund, tx_hex,
    voucher_hash,
)
from servicecoin.vault.signatures import REDEEM_FIELDS, redeem_typed_data, resolve_signer, sign_redeem

__all__ = [
    "DiscountResult", "discount", "discount_cents", "discount_terms", "order_ref", "CONTRACT", "UNLIMITED",
    "CatalogItem", "Kind", "add_item", "get_item", "item_metadata", "list_items", "reassign_item", "update_item",
    "vault_contract", "ID_CREATED_SHIFT", "ITEM_SHIFT", "SIGNED_FLAG", "RedemptionRecord", "Status", "cancel", "fulfil",
    "is_signed", "list_redemptions", "max_points_now", "parse_redemption_id", "read_redemption", "redeem", "redeem_gasless", "redeemed_record", "redemption_slot",
    "refund", "tx_hex", "voucher_hash", "REDEEM_FIELDS", "redeem_typed_data", "resolve_signer", "sign_redeem",
]
