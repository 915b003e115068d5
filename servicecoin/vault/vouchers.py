"""Voucher codes for their customer: the chain keeps only `keccak256(abi.encodePacked(uint256 id, string code))`
(the `Fulfilled` event); the code itself is kept in the content store, sealed with the customer's content key
(servicecoin.contentkeys), exactly as the service log's texts are. `svc serve` hands a customer their codes after
wallet sign-in (GET /api/vouchers), and the page checks each against the on-chain commitment.

`fulfil_with_code` keeps the code before the transaction is sent (a crash in between loses nothing) and drops
it when the chain refuses. Erasing a customer (`svc log erase --customer`) destroys their content key, which
makes every sealed code unreadable, and the eraser registered here deletes the rows.
"""

from __future__ import annotations

import time

from eth_account.signers.local import LocalAccount

from servicecoin.chain import Chain
from servicecoin.contentkeys import seal, unseal
from servicecoin.contentstore import ContentStore
from servicecoin.errors import Refused, ServiceCoinError
from servicecoin.reports.ids import redemption_ref
from servicecoin.servicelog.erasure import register_eraser
from servicecoin.vault.items import vault_contract
from servicecoin.vault.redemptions import RedemptionRecord, fulfil, read_redemption

SCHEMA = """
CREATE TABLE IF NOT EXISTS voucher (
    vault         TEXT NOT NULL,       -- RedemptionVault address (checksummed)
    redemption_id TEXT NOT NULL,       -- 0x… 64 hex digits
    customer      TEXT NOT NULL,       -- lower-case address
    key_id        TEXT NOT NULL,       -- the customer's content key (servicecoin.contentkeys)
    sealed        BLOB NOT NULL,       -- nonce ‖ AES-GCM(code) under that key
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (vault, redemption_id)
);
CREATE INDEX IF NOT EXISTS voucher_customer ON voucher (customer);
"""


def _aad(vault: str, redemption_id: int) -> bytes:
    return b"voucher:" + vault.lower().encode() + redemption_id.to_bytes(32, "big")


class VoucherBook:
    """The voucher codes in one network's content store (its `voucher` table)."""

    def __init__(self, store: ContentStore):
        if store.keys is None:
            raise ServiceCoinError(f"{store.path}: voucher codes need the content key store beside it")
        self.store = store
        store.db.executescript(SCHEMA)

    def keep(self, vault: str, redemption_id: int, customer: str, code: str) -> None:
        key_id, key = self.store.keys.key_for(customer)
        sealed = seal(key, code.encode("utf-8"), _aad(vault, redemption_id))
        with self.store.db:
            self.store.db.execute(
                "INSERT OR REPLACE INTO voucher (vault, redemption_id, customer, key_id, sealed, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (vault, redemption_ref(redemption_id), customer.lower(), key_id, sealed, int(time.time())))

    def drop(self, vault: str, redemption_id: int) -> None:
        with self.store.db:
            self.store.db.execute("DELETE FROM voucher WHERE vault = ? AND redemption_id = ?",
                                  (vault, redemption_ref(redemption_id)))

    def codes_of(self, vault: str, customer: str) -> dict[str, str]:
        """Redemption id (0x…) → code, of `customer`'s redemptions in `vault` whose code is still readable."""
        out = {}
        for rid, key_id, sealed in self.store.db.execute(
                "SELECT redemption_id, key_id, sealed FROM voucher WHERE vault = ? AND customer = ? "
                "ORDER BY created_at", (vault, customer.lower())):
            plain = unseal(self.store.keys.key(key_id), sealed, _aad(vault, int(rid, 16)))
            if plain is not None:
                out[rid] = plain.decode("utf-8")
        return out

    def erase_customer(self, customer: str) -> int:
        with self.store.db:
            return self.store.db.execute("DELETE FROM voucher WHERE customer = ?", (customer.lower(),)).rowcount


def fulfil_with_code(chain: Chain, redemption_id: int, code: str, merchant: LocalAccount | str = "merchant",
                     store: ContentStore | None = None, vault=None) -> RedemptionRecord:
    """Fulfil `redemption_id` on chain (only the code's hash goes there) and keep the code for its customer."""
    vault = vault or vault_contract(chain)
    customer = read_redemption(vault, redemption_id).customer
    own = store is None
    store = store or ContentStore.for_network(chain.network.id)
    try:
        book = VoucherBook(store)
        book.keep(vault.address, redemption_id, customer, code)
        try:
            return fulfil(chain, redemption_id, code, merchant, vault)
        except Refused:
            book.drop(vault.address, redemption_id)  # the chain refused: no code for a redemption not fulfilled
            raise
    finally:
        if own:
            store.close()


def _erase(network: str, address: str) -> int:
    with ContentStore.for_network(network) as store:
        return VoucherBook(store).erase_customer(address)


register_eraser("voucher codes", _erase)
