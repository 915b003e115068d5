"""Handing the program over to a new admin (a multisig, say) in the two steps OpenZeppelin's
AccessControlDefaultAdminRules enforces on every program contract: the admin schedules the handover,
then, once `defaultAdminDelay()` has passed, the new admin accepts it. Until it accepts, the admin may
cancel."""

from __future__ import annotations

from servicecoin.account import checksum
from servicecoin.admin.actions import Plan
from servicecoin.admin.program import contract_names, program_contracts
from servicecoin.admin.roles_report import roles_of
from servicecoin.admin.settings import duration_text
from servicecoin.chain import Chain
from servicecoin.errors import ConfigError

ZERO = "0x" + "00" * 20


def _chosen(chain: Chain, which: str) -> dict:
    contracts = program_contracts(chain)
    return {n: contracts[n] for n in contract_names(which) if n in contracts}


def begin_plan(chain: Chain, new_admin: str, which: str = "all") -> Plan:
    """Schedule the handover of each chosen contract's admin role to `new_admin`."""
    new_admin = checksum(new_admin, "NEW_ADMIN: ")
    if new_admin == ZERO:
        raise ConfigError("NEW_ADMIN: the zero address would renounce the admin role for good; not done here")
    plan = Plan(f"hand the admin role over to {new_admin}")
    for name, c in _chosen(chain, which).items():
        if c.functions.defaultAdmin().call() == new_admin:
            plan.notes.append(f"{new_admin} is already the admin of {name}")
            continue
        delay = c.functions.defaultAdminDelay().call()
        plan.add(c, name, "beginDefaultAdminTransfer", new_admin,
                 description=f"schedule the handover of {name}'s admin role to {new_admin}; it may accept "
                             f"{duration_text(delay)} after this is mined")
    return plan


def _scheduled(chain: Chain, which: str, plan: Plan):
    """(name, contract, pending admin, time it may accept) of each chosen contract with a handover scheduled; a
    note in `plan` for each without."""
    for name, c in _chosen(chain, which).items():
        pending, schedule = c.functions.pendingDefaultAdmin().call()
        if schedule:
            yield name, c, pending, schedule
        else:
            plan.notes.append(f"{name} has no handover scheduled")


def accept_plan(chain: Chain, which: str = "all") -> Plan:
    """The new admin accepts each chosen contract's scheduled handover (sent by the new admin)."""
    plan = Plan("accept the admin role")
    for name, c, pending, schedule in _scheduled(chain, which, plan):
        plan.add(c, name, "acceptDefaultAdminTransfer",
                 description=f"become the admin of {name} (scheduled for {pending}, acceptable from {schedule})")
        old = c.functions.defaultAdmin().call()
        kept = [r for r in roles_of(chain, old, {name: c})[name] if r != "DEFAULT_ADMIN_ROLE"]
        if kept:
            plan.notes.append(f"the old admin {old} keeps {', '.join(kept)} on {name}: revoke with "
                              f"'svc admin revoke ROLE {old}' once the handover is done")
    if not plan.calls:
        raise ConfigError("no handover is scheduled on " + ", ".join(_chosen(chain, which)))
    return plan


def cancel_plan(chain: Chain, which: str = "all") -> Plan:
    """The admin cancels each chosen contract's scheduled handover."""
    plan = Plan("cancel the admin handover")
    for name, c, pending, _ in _scheduled(chain, which, plan):
        plan.add(c, name, "cancelDefaultAdminTransfer",
                 description=f"cancel the handover of {name}'s admin role to {pending}")
    return plan
