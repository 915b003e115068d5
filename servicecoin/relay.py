"""What `svc serve` relays for customers who hold no ETH: each request is checked here (fields,
signature, ticket or item state) and by the site's guard (servicecoin.serve.guard: a deadline with
a margin, per-customer rate and failure budgets, a simulation within the relay's gas cap) before
the relayer key pays for the transaction, so a bad request costs nothing. Importing this module registers the relays with servicecoin.serve (`svc
serve` does); a relay whose contract is not in the deployment answers 404.

Feedback, in two steps so the customer's words never reach the chain:
  POST /api/feedback/prepare {ticket, customer, rating, text}
      → the text goes to the content store with a fresh salt; answers the commitment and the
        EIP-712 message to sign (eth_signTypedData_v4).
  POST /api/feedback {ticket, customer, rating, commitment, deadline, signature}
      → verified and relayed with giveFeedbackBySig; answers the record and the reward.
  POST /api/feedback/confirm {tx}
      → a customer who sent giveFeedback themselves (with ETH) links the mined record to its text.

Redemptions, in one step (the page builds the EIP-712 `Redeem` message itself from the chain):
  POST /api/redeem {customer, itemId, quantity, maxPoints, nonce, deadline, signature}
      → verified and relayed with redeemBySig; answers the redemption (id, points, status) and tx.
"""

from __future__ import annotations

import time
from http import HTTPStatus

from eth_account import Account
from eth_account.messages import encode_typed_data
from web3 import Web3

from servicecoin.contentstore import ContentStore
from servicecoin.serve import RequestError, Site, register_relay, require, require_address, require_hex, require_uint
from servicecoin.serve.erc1271 import signed_by_contract
from servicecoin.serve.openapi import ADDRESS, HEX, TEXT, UINT, body_schema
from servicecoin.servicelog.agent import appended_records
from servicecoin.servicelog.feedback import feedback_typed_data
from servicecoin.servicelog.records import log_contract
from servicecoin.token import fmt
from servicecoin.vault.items import get_item, vault_contract
from servicecoin.vault.redemptions import redeemed_record
from servicecoin.vault.signatures import redeem_typed_data

MAX_TEXT = 2_000  # characters of feedback text
SIGNATURE_VALID = 3_600  # seconds a prepared feedback message stays valid
RESOLVED = 2
ZERO32 = b"\0" * 32


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _log(site: Site):
    return log_contract(site.chain, site.contracts()["ServiceLog"])


def _store(site: Site):
    return ContentStore.for_network(site.network.id)


def _rating(body: dict) -> int:
    rating = require_uint(body, "rating", 8)
    if not 1 <= rating <= 5:
        raise RequestError("field 'rating' must be between 1 and 5", "rating")
    return rating


def _open_for_feedback(log, ticket: int, customer: str) -> None:
    """Refuse (409) unless `ticket` is `customer`'s, resolved, and has no feedback yet."""
    owner, status, given, _ = log.functions.ticketOf(ticket).call()
    if int(owner, 16) == 0:
        raise RequestError(f"ticket {ticket} does not exist", "ticket", HTTPStatus.NOT_FOUND)
    if Web3.to_checksum_address(owner) != customer:
        raise RequestError(f"ticket {ticket} belongs to another customer", "customer", HTTPStatus.FORBIDDEN)
    if status != RESOLVED:
        raise RequestError(f"ticket {ticket} is not resolved yet", "ticket", HTTPStatus.CONFLICT)
    if given:
        raise RequestError(f"ticket {ticket} already has feedback", "ticket", HTTPStatus.CONFLICT)


def typed_data_json(data: dict) -> dict:
    """An EIP-712 message with bytes as 0x-hex, as eth_signTypedData_v4 takes it."""
    message = {k: _hex(v) if isinstance(v, (bytes, bytearray)) else v for k, v in data["message"].items()}
    return {**data, "message": message}


def feedback_prepare(site: Site, body: dict) -> dict:
    """Feedback, step 1: store the text with a fresh salt; answers the EIP-712 message to sign."""
    ticket = require_uint(body, "ticket")
    customer = require_address(body, "customer")
    rating = _rating(body)
    text = require(body, "text", str).strip()
    if len(text) > MAX_TEXT:
        raise RequestError(f"field 'text' is {len(text)} characters; the limit is {MAX_TEXT}", "text")
    log = _log(site)
    _open_for_feedback(log, ticket, customer)
    if text:
        with _store(site) as store:
            commitment = store.put(log.address, text, customer=customer)
    else:
        commitment = ZERO32
    deadline = max(int(time.time()), site.chain.w3.eth.get_block("latest")["timestamp"]) + SIGNATURE_VALID
    typed = feedback_typed_data(site.chain.chain_id, log.address, ticket, rating, commitment, deadline)
    return {"commitment": _hex(commitment), "deadline": deadline, "typed_data": typed_data_json(typed)}


def _assign(site: Site, log, receipt) -> list[dict]:
    """Link the records mined in `receipt` to their texts; the records with their rewards."""
    with _store(site) as store:
        return [vars(a) for a in appended_records(log, receipt, store)]


SECP256K1_HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


def recover_typed(typed: dict, signature: bytes) -> str | None:
    """The signer of an EIP-712 message, accepting only what OpenZeppelin's ECDSA accepts on chain
    (65 bytes, v 27 or 28, low s); None for anything else."""
    if len(signature) != 65 or signature[64] not in (27, 28) or int.from_bytes(signature[32:64], "big") > SECP256K1_HALF_N:
        return None
    try:
        return Account.recover_message(encode_typed_data(full_message=typed), signature=signature)
    except Exception:  # r or s out of range
        return None


def feedback(site: Site, body: dict) -> dict:
    """Feedback, step 2: relay the signed feedback (giveFeedbackBySig); answers the record and reward."""
    ticket = require_uint(body, "ticket")
    customer = require_address(body, "customer")
    rating = _rating(body)
    commitment = require_hex(body, "commitment", 32)
    deadline = require_uint(body, "deadline", 64)
    signature = require_hex(body, "signature", 65)
    log = _log(site)
    site.guard.check_deadline(site.chain, deadline)
    typed = feedback_typed_data(site.chain.chain_id, log.address, ticket, rating, commitment, deadline)
    signer = recover_typed(typed, signature)
    if signer is None:
        raise RequestError("field 'signature' is not a valid signature", "signature")
    if signer != customer:
        raise RequestError("the signature is not the customer's", "signature", HTTPStatus.FORBIDDEN)
    site.guard.admit(customer)
    _open_for_feedback(log, ticket, customer)
    call = log.functions.giveFeedbackBySig(ticket, rating, commitment, deadline, signature)
    receipt = site.guard.send(site.chain, call, "feedback", customer)
    records = _assign(site, log, receipt)
    return {"tx": _hex(receipt["transactionHash"]), **(records[0] if records else {})}


def feedback_confirm(site: Site, body: dict) -> dict:
    """Link feedback the customer sent themselves (with ETH) to its text; answers the record."""
    tx = require_hex(body, "tx", 32)
    log = _log(site)
    try:
        receipt = site.chain.w3.eth.get_transaction_receipt(tx)
    except Exception:
        raise RequestError("transaction not found (not mined yet?)", "tx", HTTPStatus.NOT_FOUND) from None
    records = _assign(site, log, receipt)
    if not records:
        raise RequestError("the transaction recorded nothing in the service log", "tx")
    return {"tx": _hex(tx), **records[0]}


register_relay("feedback/prepare", "ServiceLog", feedback_prepare,
               body_schema({"ticket": UINT, "customer": ADDRESS, "rating": UINT, "text": TEXT}))
register_relay("feedback", "ServiceLog", feedback,
               body_schema({"ticket": UINT, "customer": ADDRESS, "rating": UINT, "commitment": HEX, "deadline": UINT,
                            "signature": HEX}))
register_relay("feedback/confirm", "ServiceLog", feedback_confirm, body_schema({"tx": HEX}))


# ------------------------------------------------------------------------------------- redemptions
NONCE_BITS = 63  # signed-request nonces are below 2**63
MAX_SIGNATURE = 1_024  # bytes: 65 for an ordinary key, more for a contract wallet (ERC-1271)
def _vault(site: Site):
    return vault_contract(site.chain, site.contracts()["RedemptionVault"])


def _signed_by(site: Site, vault, request: dict, signature: bytes) -> bool:
    """Whether `signature` is the customer's over `request`: ECDSA recovered off chain, or ERC-1271
    asked of the customer's contract wallet (a view call within the "erc1271" gas cap)."""
    typed = redeem_typed_data(site.chain.chain_id, vault.address, request)
    if recover_typed(typed, signature) == request["customer"]:
        return True
    if not site.chain.w3.eth.get_code(request["customer"]):
        return False
    digest = vault.functions.redeemDigest(tuple(request.values())).call()
    return signed_by_contract(site.chain, request["customer"], digest, signature, site.settings.gas_cap("erc1271"))


def redeem(site: Site, body: dict) -> dict:
    """Relay a customer's signed `Redeem` request: fields, deadline, signature and the item are checked
    before the relayer pays; the transaction is simulated first, so one that would revert costs nothing."""
    customer = require_address(body, "customer")
    item_id = require_uint(body, "itemId", 32)
    quantity = require_uint(body, "quantity", 16)
    if quantity == 0:
        raise RequestError("field 'quantity' must be at least 1", "quantity")
    max_points = require_uint(body, "maxPoints")
    nonce = require_uint(body, "nonce", NONCE_BITS)
    deadline = require_uint(body, "deadline", 64)
    signature = require_hex(body, "signature")
    if not 0 < len(signature) <= MAX_SIGNATURE:
        raise RequestError(f"field 'signature' must be 1 to {MAX_SIGNATURE} bytes (65 for a usual wallet)", "signature")
    vault = _vault(site)
    site.guard.check_deadline(site.chain, deadline)
    count = vault.functions.itemCount().call()
    if not 1 <= item_id <= count:
        raise RequestError(f"item {item_id} does not exist", "itemId", HTTPStatus.NOT_FOUND)
    request = {"customer": customer, "itemId": item_id, "quantity": quantity, "maxPoints": max_points,
               "nonce": nonce, "deadline": deadline}
    if not _signed_by(site, vault, request, signature):
        raise RequestError("the signature is not the customer's", "signature", HTTPStatus.FORBIDDEN)
    site.guard.admit(customer)
    item = get_item(site.chain, item_id, vault, metadata={})
    if not item.active:
        raise RequestError(f"item {item_id} is no longer offered", "itemId", HTTPStatus.CONFLICT)
    if item.stock is not None and item.stock < quantity:
        raise RequestError(f"item {item_id} has {item.stock} left; you asked for {quantity}", "quantity",
                           HTTPStatus.CONFLICT)
    if item.price * quantity > max_points:
        raise RequestError(f"the price is now {fmt(item.price * quantity)} points for {quantity}, more than the "
                           f"{fmt(max_points)} you signed for; sign again", "maxPoints", HTTPStatus.CONFLICT)
    call = vault.functions.redeemBySig(tuple(request.values()), signature)
    receipt = site.guard.send(site.chain, call, "redeem", customer)
    return {"tx": _hex(receipt["transactionHash"]), **redeemed_record(vault, receipt).to_json()}


register_relay("redeem", "RedemptionVault", redeem,
               body_schema({"customer": ADDRESS, "itemId": UINT, "quantity": UINT, "maxPoints": UINT, "nonce": UINT,
                            "deadline": UINT, "signature": HEX}))
