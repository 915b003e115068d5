"""ServiceLog gas beside the Ethereum Attestation Service (EAS from npm) with an equivalent schema."""

from __future__ import annotations

from eth_abi import encode
from web3 import Web3

from benchmarks.program import token_with_operator
from servicecoin.roles import grant_issuer, role_id
from servicecoin.servicelog import Entry, Kind, log_contract
from servicecoin.token import Reason

TARGETS = {
    "log.runtime_bytes": ("<=", 24_576, "deployed runtime size in bytes (eth_getCode); EIP-170 cap 24,576"),
    "log.record_single.gas": ("<=", 40_000, "one agent record (reply on an existing ticket) in its own tx"),
    "log.record_batch100.gas_per_record": ("<=", 8_000, "`appendBatch` of 100 replies on 100 existing tickets, / 100"),
    "log.feedback_with_reward.gas": ("<=", 110_000, "customer feedback paying points to a new holder"),
}
SCHEMA = "uint256 ticket,uint8 kind,uint8 rating,bytes32 commitment"  # EAS: recipient = customer
NOREF = b"\0" * 32


def _entry(kind, ticket, customer, i=0):
    return Entry(kind, ticket, customer).call_args(Web3.keccak(text=f"content-{kind}-{ticket}-{i}"))


def run(ctx) -> dict:
    chain = ctx.chain
    _, token, operator = token_with_operator(chain)
    agent = chain.account("agent")
    address, _ = chain.deploy("ServiceLog", chain.account("deployer").address, token.address, 2_500, 500, 0)
    log = log_contract(chain, address)
    grant_issuer(chain, token, address, 10**7)
    chain.transact(log.functions.grantRole(role_id("AGENT_ROLE"), agent.address), "deployer")
    # steady state: the program has already issued this epoch
    chain.transact(token.functions.issue(operator.address, 100, Reason.PURCHASE, NOREF), operator)
    out = {"log.runtime_bytes": len(chain.w3.eth.get_code(address))}

    customer = chain.account("customer")
    receipt = chain.transact(log.functions.append(_entry(Kind.OPENED, 1, customer.address)), agent)
    out["log.open_ticket.gas"] = receipt["gasUsed"]
    receipt = chain.transact(log.functions.append(_entry(Kind.REPLY, 1, customer.address)), agent)
    out["log.record_single.gas"] = receipt["gasUsed"]

    customers = [Web3.to_checksum_address(Web3.keccak(text=f"c{i}")[:20]) for i in range(100)]
    chain.transact(log.functions.appendBatch([_entry(Kind.OPENED, 100 + i, c) for i, c in enumerate(customers)]), agent)
    receipt = chain.transact(
        log.functions.appendBatch([_entry(Kind.REPLY, 100 + i, c, 1) for i, c in enumerate(customers)]), agent)
    out["log.record_batch100.gas_per_record"] = receipt["gasUsed"] / 100

    chain.transact(log.functions.append(_entry(Kind.RESOLVED, 1, customer.address)), agent)
    assert token.functions.balanceOf(customer.address).call() == 0
    receipt = chain.transact(log.functions.giveFeedback(1, 5, Web3.keccak(text="thanks")), customer)
    assert token.functions.balanceOf(customer.address).call() == 2_500
    out["log.feedback_with_reward.gas"] = receipt["gasUsed"]

    # the same feedback relayed by signature
    from servicecoin.servicelog import sign_feedback

    chain.transact(log.functions.append(_entry(Kind.OPENED, 2, customer.address)), agent)
    chain.transact(log.functions.append(_entry(Kind.RESOLVED, 2, customer.address)), agent)
    deadline = chain.w3.eth.get_block("latest")["timestamp"] + 3600
    c = Web3.keccak(text="relayed")
    sig = sign_feedback(customer, chain.chain_id, address, 2, 4, c, deadline)
    receipt = chain.transact(log.functions.giveFeedbackBySig(2, 4, c, deadline, sig), "relayer")
    out["log.feedback_relayed_with_reward.gas"] = receipt["gasUsed"]

    # EAS with an equivalent four-field schema, same chain, same run
    reg_address, _ = chain.deploy("SchemaRegistryPeer")
    registry = chain.contract("SchemaRegistryPeer", reg_address)
    eas_address, _ = chain.deploy("EASPeer", reg_address)
    eas = chain.contract("EASPeer", eas_address)
    zero = "0x0000000000000000000000000000000000000000"
    chain.transact(registry.functions.register(SCHEMA, zero, False), agent)
    uid = Web3.solidity_keccak(["string", "address", "bool"], [SCHEMA, zero, False])

    def data(i):
        return (customer.address, 0, False, NOREF,
                encode(["uint256", "uint8", "uint8", "bytes32"], [1000 + i, 1, 0, Web3.keccak(text=f"eas-{i}")]), 0)

    chain.transact(eas.functions.attest((uid, data(0))), agent)  # warm the schema like the log's first record
    receipt = chain.transact(eas.functions.attest((uid, data(1))), agent)
    out["peer.eas.attest.gas"] = receipt["gasUsed"]
    receipt = chain.transact(eas.functions.multiAttest([(uid, [data(10 + i) for i in range(100)])]), agent)
    out["peer.eas.multi_attest.gas_per_record"] = receipt["gasUsed"] / 100
    return out
