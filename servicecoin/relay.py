"""What `svc serve` relays for customers who hold no ETH: each request is checked here (fields,
signature, ticket or item state) before the relayer key pays for the transaction, so a bad
request costs nothing. Registered with servicecoin.serve; a relay whose contract is not in the
deployment answers 404.

Feedback, in two steps so the customer's words never reach the chain:
  POST /api/feedback/prepare {ticket, customer, rating, text}
      → the text goes to the content store with a fresh salt; answers the commitment and the
        EIP-712 message to sign (eth_signTypedData_v4).
  POST /api/feedback {ticket, customer, rating, commitment, deadline, signature}
      → verified and relayed with giveFeedbackBySig; answers the record and the reward.
  POST /api/feedback/confirm {tx}
      → a customer who sent giveFeedback themselves (with ETH) links the mined record to its text.
"""

from __future__ import annotations

from http import HTTPStatus

from eth_account import Account
from eth_account.messages import encode_typed_data
from web3 import Web3

from servicecoin.serve import RequestError, Site, register_relay, require, require_address, require_hex, require_uint

MAX_TEXT = 2_000  # characters of feedback text
MAX_DEADLINE = 86_400  # a signature may be valid for at most a day
RESOLVED = 2
ZERO32 = b"\0" * 32


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _log(site: Site):
    from servicecoin.servicelog import log_contract

    return log_contract(site.chain, site.contracts()["ServiceLog"])


def _store(site: Site):
    from servicecoin.contentstore import ContentStore

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
    from servicecoin.servicelog import feedback_typed_data

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
            commitment = store.put(log.address, text)
    else:
        commitment = ZERO32
    deadline = site.chain.w3.eth.get_block("latest")["timestamp"] + 3_600
    typed = feedback_typed_data(site.chain.chain_id, log.address, ticket, rating, commitment, deadline)
    return {"commitment": _hex(commitment), "deadline": deadline, "typed_data": typed_data_json(typed)}


def _assign(site: Site, log, receipt) -> list[dict]:
    """Link the records mined in `receipt` to their texts; the records with their rewards."""
    from servicecoin.servicelog import _results  # the log's own receipt reader

    with _store(site) as store:
        return [vars(a) for a in _results(site.chain, log, receipt, store)]


def feedback(site: Site, body: dict) -> dict:
    from servicecoin.servicelog import feedback_typed_data

    ticket = require_uint(body, "ticket")
    customer = require_address(body, "customer")
    rating = _rating(body)
    commitment = require_hex(body, "commitment", 32)
    deadline = require_uint(body, "deadline", 64)
    signature = require_hex(body, "signature", 65)
    log = _log(site)
    now = site.chain.w3.eth.get_block("latest")["timestamp"]
    if deadline <= now:
        raise RequestError("the signature has expired; sign again", "deadline", HTTPStatus.CONFLICT)
    if deadline > now + MAX_DEADLINE:
        raise RequestError("field 'deadline' is more than a day ahead", "deadline")
    typed = feedback_typed_data(site.chain.chain_id, log.address, ticket, rating, commitment, deadline)
    try:
        signer = Account.recover_message(encode_typed_data(full_message=typed), signature=signature)
    except Exception:  # malformed signature (bad v, s out of range)
        raise RequestError("field 'signature' is not a valid signature", "signature") from None
    if signer != customer:
        raise RequestError("the signature is not the customer's", "signature", HTTPStatus.FORBIDDEN)
    _open_for_feedback(log, ticket, customer)
    receipt = site.chain.transact(
        log.functions.giveFeedbackBySig(ticket, rating, commitment, deadline, signature), "relayer"
    )
    records = _assign(site, log, receipt)
    return {"tx": _hex(receipt["transactionHash"]), **(records[0] if records else {})}


def feedback_confirm(site: Site, body: dict) -> dict:
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


register_relay("feedback/prepare", "ServiceLog", feedback_prepare)
register_relay("feedback", "ServiceLog", feedback)
register_relay("feedback/confirm", "ServiceLog", feedback_confirm)
