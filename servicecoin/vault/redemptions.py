"""Redemptions: direct and signed (gasless), their ids, fulfilment with a voucher, refunds, the customer's
cancellation of a redemption left unfulfilled, and the list of every redemption read from the vault's events.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import IntEnum

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.logs import DISCARD

from servicecoin.chain import Chain
from servicecoin.errors import ConfigError, enum_member
from servicecoin.reports.ids import redemption_ref
from servicecoin.vault.items import get_item, vault_contract
from servicecoin.vault.signatures import sign_redeem

ITEM_SHIFT = 224
SIGNED_FLAG = 1 << 223  # a signed (gasless) redemption's id: item << 224 | 1 << 223 | customer << 63 | nonce
ID_CREATED_SHIFT = 64  # a direct redemption's id: item << 224 | created at << 64 | storage slot


class Status(IntEnum):
    NONE = 0
    OPEN = 1
    FULFILLED = 2
    REFUNDED = 3
    CANCELLED = 4

    @classmethod
    def parse(cls, text: str, where: str = "") -> "Status":
        return enum_member(cls, text.strip().upper(), text, "status", where, [s.name.lower() for s in cls if s])


@dataclass
class RedemptionRecord:
    redemption_id: int
    item_id: int
    customer: str
    quantity: int
    points: int
    created_at: int
    status: str
    tx: str = ""
    voucher_hash: str = ""

    @property
    def id_hex(self) -> str:
        return redemption_ref(self.redemption_id)

    def to_json(self) -> dict:
        d = asdict(self)
        d["redemption_id"] = self.id_hex
        return d


def is_signed(redemption_id: int) -> bool:
    """Whether the id is a signed (gasless) redemption's (its record is never reused)."""
    return bool(redemption_id & SIGNED_FLAG)


def redemption_slot(redemption_id: int) -> int | None:
    """The item storage slot a direct redemption's record lives in (reused once it is finished); None if signed."""
    return None if is_signed(redemption_id) else redemption_id & (2**ID_CREATED_SHIFT - 1)


def tx_hex(receipt) -> str:
    """A receipt's (or a log's) transaction hash as 0x-hex."""
    return "0x" + receipt["transactionHash"].hex().removeprefix("0x")


def read_redemption(vault, redemption_id: int, quantity: int = 0, tx: str = "",
                    block: int | str = "latest") -> RedemptionRecord:
    """The record as the chain holds it at `block` (a finished direct redemption reads as `none` once a later
    redemption reused its slot: read at the block of the transaction that touched it)."""
    customer, item_id, points, created, status = vault.functions.redemption(redemption_id).call(block_identifier=block)
    return RedemptionRecord(redemption_id, item_id, customer, quantity, points, created, Status(status).name.lower(), tx)


def redeemed_record(vault, receipt) -> RedemptionRecord:
    """The redemption a mined `redeem` or `redeemBySig` transaction made, as the chain held it then."""
    ev = vault.events.Redeemed().process_receipt(receipt, errors=DISCARD)[0]["args"]
    return read_redemption(vault, ev["id"], ev["quantity"], tx_hex(receipt), receipt["blockNumber"])


def max_points_now(chain: Chain, item_id: int, quantity: int, vault) -> int:
    """What `quantity` units of the item cost at the price in force now (the terms a customer sees)."""
    return get_item(chain, item_id, vault, metadata={}).price * quantity


def redeem(chain: Chain, item_id: int, quantity: int, customer: LocalAccount, vault=None,
           max_points: int | None = None) -> RedemptionRecord:
    """The customer redeems directly (pays its own gas), paying at most `max_points` (raw) in total: the terms
    the customer saw. None: the price in force when this reads it (a change mined before the redemption reverts)."""
    vault = vault or vault_contract(chain)
    if max_points is None:
        max_points = max_points_now(chain, item_id, quantity, vault)
    receipt = chain.transact(vault.functions.redeem(item_id, quantity, max_points), customer)
    return redeemed_record(vault, receipt)


def redeem_gasless(chain: Chain, item_id: int, quantity: int, customer: LocalAccount,
                   relayer: LocalAccount | str = "relayer", vault=None,
                   max_points: int | None = None) -> RedemptionRecord:
    """The customer signs (no ETH needed) for at most `max_points` (default: today's price); the relayer submits
    and pays gas."""
    vault = vault or vault_contract(chain)
    if max_points is None:
        max_points = max_points_now(chain, item_id, quantity, vault)
    deadline = chain.w3.eth.get_block("latest")["timestamp"] + 3_600
    request, signature = sign_redeem(customer, chain.chain_id, vault.address, item_id, quantity, max_points,
                                     deadline=deadline)
    receipt = chain.transact(vault.functions.redeemBySig(request, signature), relayer)
    return redeemed_record(vault, receipt)


def list_redemptions(chain: Chain, customer: str | None = None, item_id: int | None = None,
                     status: Status | None = None, vault=None) -> list[RedemptionRecord]:
    """Every redemption, from the events alone: `Redeemed` (open), then `Fulfilled`, `Refunded` or
    `RedemptionCancelled`.

    The events are the lasting record: the vault reuses the storage of finished direct redemptions, so
    `redemption(id)` forgets a finished one once a later redemption of its item takes its slot.
    """
    vault = vault or vault_contract(chain)
    filters = {"customer": Web3.to_checksum_address(customer)} if customer else None
    logs = chain.events(vault, "Redeemed", argument_filters=filters)
    vouchers = {ev["args"]["id"]: "0x" + ev["args"]["voucherHash"].hex().removeprefix("0x")
                for ev in chain.events(vault, "Fulfilled")}
    refunded = {ev["args"]["id"] for ev in chain.events(vault, "Refunded")}
    cancelled = {ev["args"]["id"] for ev in chain.events(vault, "RedemptionCancelled")}
    times: dict[int, int] = {}
    out = []
    for ev in logs:
        args = ev["args"]
        if item_id is not None and args["itemId"] != item_id:
            continue
        rid = args["id"]
        state = (Status.FULFILLED if rid in vouchers else Status.REFUNDED if rid in refunded
                 else Status.CANCELLED if rid in cancelled else Status.OPEN)
        if status is not None and state != status:
            continue
        if not is_signed(rid):
            created = (rid >> ID_CREATED_SHIFT) & (2**32 - 1)
        else:
            block = ev["blockNumber"]
            created = times.setdefault(block, chain.w3.eth.get_block(block)["timestamp"])
        out.append(RedemptionRecord(rid, args["itemId"], args["customer"], args["quantity"], args["points"], created,
                                    state.name.lower(), tx_hex(ev), vouchers.get(rid, "")))
    return out


def parse_redemption_id(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise ConfigError(f"redemption id '{text}' is not a number (decimal or 0x…)") from None


def voucher_hash(redemption_id: int, code: str) -> bytes:
    """The commitment to a voucher code: keccak256(abi.encodePacked(uint256 id, bytes code))."""
    return Web3.solidity_keccak(["uint256", "string"], [redemption_id, code])


def fulfil(chain: Chain, redemption_id: int, voucher_code: str, merchant: LocalAccount | str = "merchant",
           vault=None) -> RedemptionRecord:
    vault = vault or vault_contract(chain)
    commitment = voucher_hash(redemption_id, voucher_code)
    receipt = chain.transact(vault.functions.fulfil(redemption_id, commitment), merchant)
    rec = read_redemption(vault, redemption_id, tx=tx_hex(receipt), block=receipt["blockNumber"])
    rec.voucher_hash = "0x" + commitment.hex().removeprefix("0x")
    return rec


def refund(chain: Chain, redemption_id: int, merchant: LocalAccount | str = "merchant", vault=None) -> RedemptionRecord:
    vault = vault or vault_contract(chain)
    receipt = chain.transact(vault.functions.refund(redemption_id), merchant)
    return read_redemption(vault, redemption_id, tx=tx_hex(receipt), block=receipt["blockNumber"])


def cancel(chain: Chain, redemption_id: int, customer: LocalAccount, vault=None) -> RedemptionRecord:
    """The customer takes back the points of a redemption its merchant left unfulfilled past the fulfilment window."""
    vault = vault or vault_contract(chain)
    receipt = chain.transact(vault.functions.cancelRedemption(redemption_id), customer)
    return read_redemption(vault, redemption_id, tx=tx_hex(receipt), block=receipt["blockNumber"])
