"""The redemption catalog: items (gifts, discount vouchers, exclusive services), listing and updating them.

Prices are raw token units (2 decimals) per unit. A price change is announced and applies after the
vault's notice period; stock, tier, state and metadata change at once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import IntEnum

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.logs import DISCARD

from servicecoin.chain import Chain
from servicecoin.errors import ConfigError, ServiceCoinError, enum_member

CONTRACT = "RedemptionVault"
UNLIMITED = 2**32 - 1


class Kind(IntEnum):
    GIFT = 0
    DISCOUNT_VOUCHER = 1
    EXCLUSIVE_SERVICE = 2

    @classmethod
    def parse(cls, text: str, where: str = "") -> "Kind":
        key = text.strip().upper().replace("-", "_")
        aliases = {"VOUCHER": "DISCOUNT_VOUCHER", "DISCOUNT": "DISCOUNT_VOUCHER", "SERVICE": "EXCLUSIVE_SERVICE",
                   "EXCLUSIVE": "EXCLUSIVE_SERVICE"}
        return enum_member(cls, aliases.get(key, key), text, "item kind", where, [k.label for k in cls])

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


@dataclass
class CatalogItem:
    item_id: int
    kind: str
    merchant: str
    price: int  # raw points per unit now in force
    pending_price: int
    pending_at: int
    stock: int | None  # None: unlimited
    redeemed: int
    min_tier: int
    active: bool
    metadata_uri: str = ""
    metadata_hash: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def vault_contract(chain: Chain, address: str | None = None):
    return chain.contract(CONTRACT, address)


def item_metadata(chain: Chain, vault) -> dict[int, tuple[str, str]]:
    """Item id → (metadata URI, metadata hash), from the latest `ItemListed` or `ItemUpdated` event of each."""
    out: dict[int, tuple[str, str]] = {}
    for ev in chain.events(vault, "ItemListed") + chain.events(vault, "ItemUpdated"):
        out[ev["args"]["itemId"]] = (ev["args"]["metadataURI"], "0x" + ev["args"]["metadataHash"].hex().removeprefix("0x"))
    return out


def get_item(chain: Chain, item_id: int, vault=None, metadata: dict | None = None) -> CatalogItem:
    vault = vault or vault_contract(chain)
    if not 0 < item_id <= vault.functions.itemCount().call():
        raise ServiceCoinError(f"item {item_id}: no such item (the catalog has {vault.functions.itemCount().call()})")
    kind, merchant, price, pending, pending_at, stock, redeemed, min_tier, active = vault.functions.item(item_id).call()
    uri, mhash = (metadata if metadata is not None else item_metadata(chain, vault)).get(item_id, ("", ""))
    return CatalogItem(item_id, Kind(kind).label, merchant, price, pending, pending_at,
                       None if stock == UNLIMITED else stock, redeemed, min_tier, active, uri, mhash)


def list_items(chain: Chain, vault=None) -> list[CatalogItem]:
    vault = vault or vault_contract(chain)
    meta = item_metadata(chain, vault)
    return [get_item(chain, i, vault, meta) for i in range(1, vault.functions.itemCount().call() + 1)]


def _stock_arg(stock: int | None) -> int:
    if stock is None:
        return UNLIMITED
    if not 0 <= stock < UNLIMITED:
        raise ConfigError(f"--stock: {stock} is out of range (0..{UNLIMITED - 1}, or unlimited)")
    return stock


def add_item(chain: Chain, kind: Kind, price: int, stock: int | None, min_tier: int = 0, merchant: str | None = None,
             metadata_uri: str = "", metadata_hash: bytes | None = None, sender: LocalAccount | str = "merchant",
             vault=None) -> int:
    """List an item; `price` is raw points per unit. Returns the new item id."""
    vault = vault or vault_contract(chain)
    account = chain.account(sender) if isinstance(sender, str) else sender
    merchant = Web3.to_checksum_address(merchant or account.address)
    mhash = metadata_hash or (Web3.keccak(text=metadata_uri) if metadata_uri else b"\0" * 32)
    receipt = chain.transact(
        vault.functions.listItem(int(kind), merchant, price, _stock_arg(stock), min_tier, metadata_uri, mhash), account
    )
    return vault.events.ItemListed().process_receipt(receipt, errors=DISCARD)[0]["args"]["itemId"]


def update_item(chain: Chain, item_id: int, *, stock: int | None | str = "keep", min_tier: int | None = None,
                active: bool | None = None, metadata_uri: str | None = None, price: int | None = None,
                sender: LocalAccount | str = "merchant", vault=None) -> CatalogItem:
    """Change what is given; a price change is announced and applies after the notice period."""
    vault = vault or vault_contract(chain)
    account = chain.account(sender) if isinstance(sender, str) else sender
    current = get_item(chain, item_id, vault)
    if stock != "keep" or min_tier is not None or active is not None or metadata_uri is not None:
        new_stock = _stock_arg(current.stock if stock == "keep" else stock)
        uri = current.metadata_uri if metadata_uri is None else metadata_uri
        mhash = Web3.keccak(text=uri) if uri else b"\0" * 32
        chain.transact(vault.functions.updateItem(
            item_id, new_stock, current.min_tier if min_tier is None else min_tier,
            current.active if active is None else active, uri, mhash), account)
    if price is not None:
        chain.transact(vault.functions.announcePrice(item_id, price), account)
    return get_item(chain, item_id, vault)


def reassign_item(chain: Chain, item_id: int, merchant: str, sender: LocalAccount | str = "deployer",
                  vault=None) -> CatalogItem:
    """The admin moves an item, with its open redemptions, to another merchant (who must hold MERCHANT_ROLE)."""
    vault = vault or vault_contract(chain)
    account = chain.account(sender) if isinstance(sender, str) else sender
    chain.transact(vault.functions.reassignItem(item_id, Web3.to_checksum_address(merchant)), account)
    return get_item(chain, item_id, vault)
