"""Wallet recovery: moving a customer's points from a lost wallet to a new address.

The token's rules (RewardToken `startRecovery` / `cancelRecovery` / `completeRecovery`):
RECOVERY_ROLE starts a recovery of the old address to the new one; from then on the old address
cannot spend, pay or transfer. After `recoveryDelay()` anyone completes it, and every live lot
(with its epoch), the lifetime earned and so the tier move to the new address in one
`WalletRecovered` event. Until then the old key (which proves the wallet was not lost) or
RECOVERY_ROLE can cancel it. See docs/operator-recovery.md.

    status(chain, old)            what is pending for `old`, when it is ready, and what would move
    start(chain, old, new)        RECOVERY_ROLE starts it (checked first: a refusal is one clear line)
    cancel(chain, old)            the old key or RECOVERY_ROLE cancels it
    complete(chain, old)          anyone completes it once it is ready
    recoveries(chain)             every recovery from the token's events: pending, cancelled, completed
    start_plan / cancel_plan / complete_plan   the same, checked, as an `actions.Plan` (show, confirm,
                                  send, or write unsigned for a multisig, like every admin command)
    start_call / cancel_call / complete_call   the bare contract calls

Functions return plain data (addresses checksummed, amounts in raw units, times in unix seconds)
and never print. `sender` is a role name of `Chain.account` or a signing account.
"""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from web3.logs import DISCARD

from servicecoin.account import checksum
from servicecoin.admin.actions import Plan
from servicecoin.admin.settings import duration_text
from servicecoin.chain import Chain
from servicecoin.errors import ChainError, ConfigError
from servicecoin.reports.dates import when
from servicecoin.roles import role_id
from servicecoin.token import fmt

ZERO = "0x" + "00" * 20
RECOVERY_ROLE = "RECOVERY_ROLE"


def _token(chain: Chain, token=None):
    return token if token is not None else chain.contract("RewardToken")


def _tx(receipt) -> dict:
    return {"tx": "0x" + receipt["transactionHash"].hex().removeprefix("0x"), "block": receipt["blockNumber"],
            "gas_used": receipt["gasUsed"]}


def _now(chain: Chain) -> int:
    return int(chain.w3.eth.get_block("latest")["timestamp"])


def _signer(chain: Chain, sender: LocalAccount | str) -> LocalAccount:
    return chain.account(sender) if isinstance(sender, str) else sender


# =====================================================================================
# Reading
# =====================================================================================

def status(chain: Chain, old: str, token=None) -> dict:
    """The recovery state of `old`: pending (to, ready_at, ready, seconds_left) or not, and what
    would move now (balance, lots, lifetime earned, tier)."""
    token = _token(chain, token)
    old = checksum(old, "old address: ")
    to, ready_at = token.functions.recoveryOf(old).call()
    now = _now(chain)
    pending = to != ZERO
    return {
        "address": old,
        "pending": pending,
        "to": to if pending else None,
        "ready_at": ready_at if pending else None,
        "ready": pending and now >= ready_at,
        "seconds_left": max(0, ready_at - now) if pending else None,
        "delay": token.functions.recoveryDelay().call(),
        "acceptor": token.functions.isAcceptor(old).call(),
        "balance": token.functions.balanceOf(old).call(),
        "lifetime": token.functions.lifetimeEarned(old).call(),
        "tier": token.functions.tierOf(old).call(),
        "lots": [{"epoch": e, "amount": a, "expires_at": x} for e, a, x in token.functions.lotsOf(old).call()],
    }


def recoveries(chain: Chain, token=None, from_block: int | None = None) -> list[dict]:
    """Every recovery the token's events show, oldest first: started, then cancelled or completed
    (`state` pending / cancelled / completed), with the points and lifetime a completion moved."""
    token = _token(chain, token)
    found: list[dict] = []
    open_: dict[str, dict] = {}
    kinds = ("RecoveryStarted", "RecoveryCancelled", "WalletRecovered")
    logs = [(ev["blockNumber"], ev["logIndex"], name, ev) for name in kinds
            for ev in chain.events(token, name, from_block=from_block)]
    for block, _, name, ev in sorted(logs, key=lambda x: (x[0], x[1])):
        a = ev["args"]
        tx = "0x" + ev["transactionHash"].hex().removeprefix("0x")
        if name == "RecoveryStarted":
            entry = {"from": a["from"], "to": a["to"], "operator": a["operator"], "ready_at": a["readyAt"],
                     "started_block": block, "started_tx": tx, "state": "pending"}
            open_[a["from"]] = entry
            found.append(entry)
            continue
        entry = open_.pop(a["from"], None)
        if entry is None:  # started before `from_block`
            entry = {"from": a["from"], "to": a["to"]}
            found.append(entry)
        entry.update({"ended_block": block, "ended_tx": tx})
        if name == "RecoveryCancelled":
            entry.update({"state": "cancelled", "cancelled_by": a["by"]})
        else:
            entry.update({"state": "completed", "amount": a["amount"], "lifetime": a["lifetime"],
                          "lots": [{"epoch": e, "amount": n} for e, n in zip(a["epochs"], a["amounts"])]})
    return found


# =====================================================================================
# The calls (for unsigned plans) and their checks
# =====================================================================================

def start_call(chain: Chain, old: str, new: str, token=None):
    token = _token(chain, token)
    return token.functions.startRecovery(checksum(old, "old address: "), checksum(new, "new address: "))


def cancel_call(chain: Chain, old: str, token=None):
    return _token(chain, token).functions.cancelRecovery(checksum(old, "old address: "))


def complete_call(chain: Chain, old: str, token=None):
    return _token(chain, token).functions.completeRecovery(checksum(old, "old address: "))


def check_start(chain: Chain, old: str, new: str, operator: str, token=None) -> dict:
    """The refusals of `startRecovery` in words, checked before anything is sent; returns `status(old)`."""
    token = _token(chain, token)
    old, new = checksum(old, "old address: "), checksum(new, "new address: ")
    if not token.functions.hasRole(role_id(RECOVERY_ROLE), operator).call():
        raise ChainError(f"{operator} does not hold {RECOVERY_ROLE} on the token: it cannot start a recovery")
    if old == new:
        raise ConfigError(f"the old and the new address are the same ({old})")
    st = status(chain, old, token)
    if st["pending"]:
        raise ChainError(f"{old} already has a recovery pending to {st['to']} (ready {when(st['ready_at'])}); "
                         f"cancel it first")
    if not st["acceptor"] and not st["balance"] and not st["lifetime"]:
        raise ChainError(f"{old} holds no live points and has earned none: there is nothing to recover")
    if st["acceptor"] or token.functions.isAcceptor(new).call():
        raise ChainError(f"{old if st['acceptor'] else new} is an acceptor (merchant or vault): "
                         f"acceptors are neither recovered nor recovered into")
    target, ready_at = token.functions.recoveryOf(new).call()
    if target != ZERO:
        raise ChainError(f"the new address {new} has its own recovery pending to {target} "
                         f"(ready {when(ready_at)}): it looks lost too")
    if token.functions.paused().call():
        raise ChainError("the token is paused: recoveries start and complete only while it runs")
    return st


def check_complete(chain: Chain, old: str, token=None) -> dict:
    """The refusals of `completeRecovery` in words; returns `status(old)`."""
    token = _token(chain, token)
    st = status(chain, old, token)
    if not st["pending"]:
        raise ChainError(f"{st['address']} has no recovery pending")
    if not st["ready"]:
        raise ChainError(f"the recovery of {st['address']} is ready at {when(st['ready_at'])}, "
                         f"in {st['seconds_left']} s")
    if token.functions.paused().call():
        raise ChainError("the token is paused: recoveries start and complete only while it runs")
    return st


# =====================================================================================
# Plans (what `svc admin` shows, confirms, sends or writes unsigned)
# =====================================================================================

def start_plan(chain: Chain, old: str, new: str, operator: str, token=None) -> Plan:
    """Start recovering `old` to `new`, sent by `operator` (who must hold RECOVERY_ROLE), checked first."""
    token = _token(chain, token)
    st = check_start(chain, old, new, operator, token)
    new = checksum(new, "new address: ")
    delay = token.functions.recoveryDelay().call()
    plan = Plan(f"recover the points of {st['address']} to {new}")
    plan.add_call(start_call(chain, st["address"], new, token), "RewardToken",
                  description=f"start moving {st['address']}'s points ({fmt(st['balance'])} points in {len(st['lots'])} "
                              f"lots, lifetime {fmt(st['lifetime'])}) to {new}; from now on the old address cannot spend; "
                              f"anyone may complete it {duration_text(delay)} after this is mined, and the old key "
                              f"may cancel it until then")
    plan.notes.append("check the customer's identity out of band and tell them through the contact data on file "
                      "(docs/operator-recovery.md)")
    return plan


def cancel_plan(chain: Chain, old: str, sender: str, token=None) -> Plan:
    """Cancel the pending recovery of `old`, sent by `sender` (the old address or a RECOVERY_ROLE holder)."""
    token = _token(chain, token)
    st = _check_cancel(chain, old, sender, token)
    plan = Plan(f"cancel the recovery of {st['address']}")
    plan.add_call(cancel_call(chain, st["address"], token), "RewardToken",
                  description=f"cancel moving {st['address']}'s points to {st['to']}; the address can spend again")
    return plan


def complete_plan(chain: Chain, old: str, token=None) -> Plan:
    """Complete the recovery of `old` (any sender), checked first."""
    token = _token(chain, token)
    st = check_complete(chain, old, token)
    plan = Plan(f"complete the recovery of {st['address']}")
    plan.add_call(complete_call(chain, st["address"], token), "RewardToken",
                  description=f"move {st['address']}'s live points ({fmt(st['balance'])} points in {len(st['lots'])} "
                              f"lots) and lifetime {fmt(st['lifetime'])} to {st['to']}")
    return plan


def _check_cancel(chain: Chain, old: str, sender: str, token) -> dict:
    st = status(chain, old, token)
    if not st["pending"]:
        raise ChainError(f"{st['address']} has no recovery pending")
    if sender != st["address"] and not token.functions.hasRole(role_id(RECOVERY_ROLE), sender).call():
        raise ChainError(f"{sender} can cancel no recovery of {st['address']}: only that address itself "
                         f"or a holder of {RECOVERY_ROLE} can")
    return st


# =====================================================================================
# Sending
# =====================================================================================

def start(chain: Chain, old: str, new: str, sender: LocalAccount | str = "deployer", token=None) -> dict:
    """Start recovering `old`'s points to `new` (the sender needs RECOVERY_ROLE; the admin holds it
    after `svc deploy`). Returns the recovery (from, to, operator, ready_at) and the transaction."""
    token = _token(chain, token)
    account = _signer(chain, sender)
    check_start(chain, old, new, account.address, token)
    receipt = chain.transact(start_call(chain, old, new, token), account)
    a = token.events.RecoveryStarted().process_receipt(receipt, errors=DISCARD)[0]["args"]
    return {"from": a["from"], "to": a["to"], "operator": a["operator"], "ready_at": a["readyAt"], **_tx(receipt)}


def cancel(chain: Chain, old: str, sender: LocalAccount | str = "deployer", token=None) -> dict:
    """Cancel the pending recovery of `old`; the sender is the old key itself or holds RECOVERY_ROLE."""
    token = _token(chain, token)
    account = _signer(chain, sender)
    _check_cancel(chain, old, account.address, token)
    receipt = chain.transact(cancel_call(chain, old, token), account)
    a = token.events.RecoveryCancelled().process_receipt(receipt, errors=DISCARD)[0]["args"]
    return {"from": a["from"], "to": a["to"], "by": a["by"], **_tx(receipt)}


def complete(chain: Chain, old: str, sender: LocalAccount | str = "operator", token=None) -> dict:
    """Complete the recovery of `old` once it is ready (any account may send it). Returns what moved:
    amount, lifetime and the lots (epoch, amount), oldest first."""
    token = _token(chain, token)
    check_complete(chain, old, token)
    receipt = chain.transact(complete_call(chain, old, token), _signer(chain, sender))
    a = token.events.WalletRecovered().process_receipt(receipt, errors=DISCARD)[0]["args"]
    return {"from": a["from"], "to": a["to"], "amount": a["amount"], "lifetime": a["lifetime"],
            "lots": [{"epoch": e, "amount": n} for e, n in zip(a["epochs"], a["amounts"])], **_tx(receipt)}
