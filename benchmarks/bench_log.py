"""ServiceLog gas beside the Ethereum Attestation Service (EAS from npm), and the speed of an audit over RPC.

The three ways to write: single records (`append`, `appendBatch`), packed batches (`appendPacked`) and
anchored batches (`anchor`). The packed figures are measured on the project's hardfork (shanghai) and again
on a Prague anvil (`….prague`), where the EIP-7623 calldata floor binds.
"""

from __future__ import annotations

import time

from eth_abi import encode
from web3 import Web3

from benchmarks.program import on_prague, token_with_operator
from servicecoin.chain import Chain
from servicecoin.localchain import spawn_anvil
from servicecoin.networks import Network
from servicecoin.roles import grant_issuer, role_id
from servicecoin.servicelog import Entry, Kind, fetch_records, log_contract, verify
from servicecoin.servicelog.packed import Channel, pack
from servicecoin.token import Reason

TARGETS = {
    "log.runtime_bytes": ("<=", 24_576, "deployed runtime size in bytes (eth_getCode); EIP-170 cap 24,576"),
    "log.record_single.gas": ("<=", 40_000, "one agent record (reply on an existing ticket) in its own tx"),
    "log.record_batch100.gas_per_record": ("<=", 8_000, "`appendBatch` of 100 replies on 100 existing tickets, / 100"),
    "log.reply_batch100.gas_per_record": ("<=", 2_000, "`appendPacked` of 100 replies on 100 existing tickets, / 100"),
    "log.lifecycle_batch.gas_per_record": ("<=", 8_000,
                                           "`appendPacked` of 25 tickets × (open, reply, reply, resolve), / 100"),
    "log.anchor_batch1000.gas_per_record": ("<=", 100, "`anchor` of a Merkle root over 1,000 records, / 1,000"),
    "log.feedback_with_reward.gas": ("<=", 110_000, "customer feedback paying points to a new holder"),
    "peer.eas.multi_timestamp.gas_per_record": ("info", None, "EAS `multiTimestamp` of 100 commitments, / 100"),
    "log.lifecycle_appendbatch.gas_per_record": ("info", None, "the lifecycle mix with single-record `appendBatch`, / 100"),
    "log.reply_batch100.gas_per_record.prague": ("info", None, "the same packed replies on a Prague anvil"),
    "log.lifecycle_batch.gas_per_record.prague": ("info", None, "the same packed lifecycle on a Prague anvil"),
    "peer.eas.multi_timestamp.gas_per_record.prague": ("info", None, "EAS `multiTimestamp` on a Prague anvil"),
    "verify.records_per_second": (">=", 20_000, "`verify-log` over 100,000 lifecycle records, fetched over RPC"),
}
SCHEMA = "uint256 ticket,uint8 kind,uint8 rating,bytes32 commitment"  # EAS: recipient = customer
NOREF = b"\0" * 32
NOW = 1_780_000_000  # a help-desk event time (unix seconds)
VERIFY_RECORDS = 100_000
VERIFY_BATCH = 1_000  # records per packed transaction while the audit's log is written (~7.6M gas)


def _entry(kind, ticket, customer, i=0):
    return Entry(kind, ticket, customer).call_args(Web3.keccak(text=f"content-{kind}-{ticket}-{i}"))


def _customer(i: int) -> str:
    return Web3.to_checksum_address(Web3.keccak(text=f"c{i}")[:20])


def _packed(kind, ticket, customer, i=0, detail=0) -> bytes:
    return pack(int(kind), ticket, customer, Web3.keccak(text=f"packed-{kind}-{ticket}-{i}"), detail,
                channel=Channel.CHAT, time=NOW + i)


def lifecycle(first_ticket: int, tickets: int) -> bytes:
    """`tickets` tickets, each opened, replied to twice and resolved, as one packed blob (ticket by ticket)."""
    out = []
    for t in range(first_ticket, first_ticket + tickets):
        c = _customer(t)
        out += [_packed(Kind.OPENED, t, c), _packed(Kind.REPLY, t, c, 1), _packed(Kind.REPLY, t, c, 2),
                _packed(Kind.RESOLVED, t, c, 3)]
    return b"".join(out)


def _deploy_log(chain: Chain):
    _, token, operator = token_with_operator(chain)
    agent = chain.account("agent")
    zero = "0x" + "00" * 20
    address, _ = chain.deploy("ServiceLog", chain.account("deployer").address, token.address, 2_500, 500, 0,
                              zero, b"\0" * 24, 0)
    log = log_contract(chain, address)
    grant_issuer(chain, token, address, 10**7)
    chain.transact(log.functions.grantRole(role_id("AGENT_ROLE"), agent.address), "deployer")
    # steady state: the program has already issued this epoch
    chain.transact(token.functions.issue(operator.address, 100, Reason.PURCHASE, NOREF), operator)
    return token, log, agent


def packed_figures(chain: Chain) -> dict:
    """The packed-batch and EAS multiTimestamp figures (run on shanghai and on Prague)."""
    _, log, agent = _deploy_log(chain)
    out = {}
    chain.transact(log.functions.appendPacked(lifecycle(1, 25)), agent)  # warm the head slot
    opens = b"".join(_packed(Kind.OPENED, 1000 + i, _customer(1000 + i)) for i in range(100))
    chain.transact(log.functions.appendPacked(opens), agent)
    replies = b"".join(_packed(Kind.REPLY, 1000 + i, _customer(1000 + i), 1) for i in range(100))
    out["log.reply_batch100.gas_per_record"] = chain.transact(log.functions.appendPacked(replies), agent)["gasUsed"] / 100
    receipt = chain.transact(log.functions.appendPacked(lifecycle(2000, 25)), agent)
    out["log.lifecycle_batch.gas_per_record"] = receipt["gasUsed"] / 100

    eas_address, _ = chain.deploy("EASPeer", chain.deploy("SchemaRegistryPeer")[0])
    eas = chain.contract("EASPeer", eas_address)
    chain.transact(eas.functions.multiTimestamp([Web3.keccak(text=f"warm-{i}") for i in range(2)]), agent)
    receipt = chain.transact(eas.functions.multiTimestamp([Web3.keccak(text=f"ts-{i}") for i in range(100)]), agent)
    out["peer.eas.multi_timestamp.gas_per_record"] = receipt["gasUsed"] / 100
    return out


def prague_figures(port: int) -> dict:
    """`packed_figures` on a throw-away anvil at hardfork Prague (the contracts are the shanghai build)."""
    return on_prague(port, packed_figures)


def verify_speed(port: int) -> dict:
    """Write VERIFY_RECORDS lifecycle records on a fresh anvil, then time fetching them over RPC and verifying."""
    proc = spawn_anvil(port)
    try:
        url = f"http://127.0.0.1:{port}"
        chain = Chain(Network("bench-verify", url, True), Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 120})))
        _, log, agent = _deploy_log(chain)
        per_tx = VERIFY_BATCH // 4
        for start in range(0, VERIFY_RECORDS // 4, per_tx):
            chain.transact(log.functions.appendPacked(lifecycle(10 + start, per_tx)), agent, gas=15_000_000)
        started = time.perf_counter()
        records = fetch_records(chain, log)
        head, count = log.functions.state().call()
        result = verify(records, bytes(head), count)
        elapsed = time.perf_counter() - started
        assert result.valid and count == VERIFY_RECORDS, result.summary()
        return {"verify.records_per_second": count / elapsed}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run(ctx) -> dict:
    chain = ctx.chain
    token, log, agent = _deploy_log(chain)
    address = log.address
    out = {"log.runtime_bytes": len(chain.w3.eth.get_code(address))}

    customer = chain.account("customer")
    receipt = chain.transact(log.functions.append(_entry(Kind.OPENED, 1, customer.address)), agent)
    out["log.open_ticket.gas"] = receipt["gasUsed"]
    receipt = chain.transact(log.functions.append(_entry(Kind.REPLY, 1, customer.address)), agent)
    out["log.record_single.gas"] = receipt["gasUsed"]

    customers = [_customer(i) for i in range(100)]
    chain.transact(log.functions.appendBatch([_entry(Kind.OPENED, 100 + i, c) for i, c in enumerate(customers)]), agent)
    receipt = chain.transact(
        log.functions.appendBatch([_entry(Kind.REPLY, 100 + i, c, 1) for i, c in enumerate(customers)]), agent)
    out["log.record_batch100.gas_per_record"] = receipt["gasUsed"] / 100
    mix = [_entry(kind, t, _customer(t), i) for t in range(5000, 5025)
           for i, kind in enumerate((Kind.OPENED, Kind.REPLY, Kind.REPLY, Kind.RESOLVED))]
    out["log.lifecycle_appendbatch.gas_per_record"] = chain.transact(log.functions.appendBatch(mix), agent)["gasUsed"] / 100

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

    chain.transact(log.functions.anchor(Web3.keccak(text="warm"), 10), agent)
    receipt = chain.transact(log.functions.anchor(Web3.keccak(text="root"), 1000), agent)
    out["log.anchor_batch1000.gas_per_record"] = receipt["gasUsed"] / 1000

    out.update(packed_figures(chain))

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

    out.update(prague_figures(ctx.port + 1))
    out.update(verify_speed(ctx.port + 2))
    return out
