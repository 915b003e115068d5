"""Customer feedback on a resolved ticket: an EIP-712 signature by the customer, relayed (gasless)
by the relayer key or sent by the customer directly. `svc serve` relays the same message for the
web page (servicecoin.relay).
"""

from __future__ import annotations

from eth_account.signers.local import LocalAccount

from servicecoin.chain import Chain
from servicecoin.contentstore import ContentStore
from servicecoin.eip712 import sign_typed, typed_data
from servicecoin.errors import ConfigError
from servicecoin.servicelog.agent import Appended, appended_records, commit_text, discarded_if_refused
from servicecoin.servicelog.records import log_contract

DOMAIN_NAME = "ServiceCoin Log"
DOMAIN_VERSION = "1"
FEEDBACK_FIELDS = [("ticket", "uint256"), ("rating", "uint8"), ("commitment", "bytes32"), ("deadline", "uint256")]


def feedback_typed_data(chain_id: int, log_address: str, ticket: int, rating: int, commitment: bytes,
                        deadline: int) -> dict:
    """The EIP-712 message a customer signs (what MetaMask's eth_signTypedData_v4 shows)."""
    return typed_data("Feedback", FEEDBACK_FIELDS, DOMAIN_NAME, DOMAIN_VERSION, chain_id, log_address,
                      {"ticket": ticket, "rating": rating, "commitment": commitment, "deadline": deadline})


def sign_feedback(account: LocalAccount, chain_id: int, log_address: str, ticket: int, rating: int,
                  commitment: bytes, deadline: int) -> bytes:
    """The customer's 65-byte EIP-712 signature of a feedback."""
    data = feedback_typed_data(chain_id, log_address, ticket, rating, commitment, deadline)
    return bytes(sign_typed(account.key, data).signature)


def check_rating(rating: int) -> int:
    if not 1 <= int(rating) <= 5:
        raise ConfigError(f"rating {rating} is not between 1 and 5")
    return int(rating)


def give_feedback(chain: Chain, customer: LocalAccount, ticket: int, rating: int, text: str | None = None,
                  store: ContentStore | None = None, relayer: LocalAccount | str | None = "relayer",
                  deadline_seconds: int = 3600, log=None) -> Appended:
    """Customer feedback: signed by the customer and relayed (gasless), or sent directly if relayer is None."""
    log = log or log_contract(chain)
    rating = check_rating(rating)
    commitment = commit_text(store, log.address, text, customer.address)
    with discarded_if_refused(store, log.address, [commitment]):
        if relayer is None:
            receipt = chain.transact(log.functions.giveFeedback(ticket, rating, commitment), customer)
        else:
            deadline = chain.w3.eth.get_block("latest")["timestamp"] + deadline_seconds
            signature = sign_feedback(customer, chain.chain_id, log.address, ticket, rating, commitment, deadline)
            receipt = chain.transact(log.functions.giveFeedbackBySig(ticket, rating, commitment, deadline,
                                                                     signature), relayer)
    return appended_records(log, receipt, store)[0]
