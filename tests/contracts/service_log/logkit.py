"""ServiceLog test helpers: entries, tickets, signatures, chain recomputation (fixtures are in conftest.py)."""

from brownie import ServiceLog, web3
from eth_account import Account

from servicecoin.chain import from_web3
from servicecoin.servicelog import Kind, Outcome, fetch_records, record_from_args, sign_feedback, verify

from tests.tokenkit import key_of

UNIT = 100
FEEDBACK_REWARD = 25 * UNIT
FOLLOWUP_BONUS = 5 * UNIT
LOG_BUDGET = 1_000 * UNIT
ZERO32 = "0x" + "00" * 32
NO_PREVIOUS_LOG = ("0x" + "00" * 20, "0x" + "00" * 24, 0)  # the last three constructor arguments of a first log
OPENED, REPLY, RESOLVED, FOLLOWUP, COMPLAINT, FEEDBACK, AMENDMENT = (int(k) for k in Kind)
REACHED, NOT_REACHED, SATISFIED, UNSATISFIED = (int(o) for o in Outcome)


def deploy_log(admin, token, agent, reward=FEEDBACK_REWARD, bonus=FOLLOWUP_BONUS, budget=LOG_BUDGET):
    log = ServiceLog.deploy(admin, token, reward, bonus, 0, *NO_PREVIOUS_LOG, {"from": admin})
    token.grantRole(token.ISSUER_ROLE(), log, {"from": admin})
    token.setIssuerBudget(log, budget, {"from": admin})
    log.grantRole(log.AGENT_ROLE(), agent, {"from": admin})
    return log


def entry(kind, ticket, customer, commitment=None, detail=0, ref=0):
    c = commitment or web3.keccak(text=f"{kind}-{ticket}-{customer}-{detail}-{ref}")
    return (kind, detail, ref, ticket, str(customer), c)


def open_ticket(log, agent, ticket, customer):
    return log.append(entry(OPENED, ticket, customer), {"from": agent})


def resolved_ticket(log, agent, ticket, customer):
    open_ticket(log, agent, ticket, customer)
    return log.append(entry(RESOLVED, ticket, customer), {"from": agent})


def signed(log, account, ticket, rating, commitment=ZERO32, deadline=None, chain_id=None, address=None):
    deadline = deadline if deadline is not None else web3.eth.get_block("latest")["timestamp"] + 3600
    commitment = bytes.fromhex(commitment[2:]) if isinstance(commitment, str) else commitment
    sig = sign_feedback(Account.from_key(key_of(account)), chain_id or web3.eth.chain_id, address or log.address,
                        ticket, rating, commitment, deadline)
    return deadline, sig


def recorded(tx):
    """The `Recorded` events of a brownie transaction as Records (with `info` unpacked)."""
    return [record_from_args(ev) for ev in tx.events["Recorded"]]


def chain_records(log):
    chain = from_web3(web3, "development")
    return fetch_records(chain, chain.contract("ServiceLog", log.address))


def assert_chain_verifies(log):
    head, count = log.state()
    result = verify(chain_records(log), bytes(head), count)
    assert result.ok, result.summary()
    return result
