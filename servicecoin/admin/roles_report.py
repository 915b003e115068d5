"""Who holds which role on each program contract, read from the RoleGranted and RoleRevoked events, and
where each contract's two-step default-admin handover stands (OpenZeppelin AccessControlDefaultAdminRules)."""

from __future__ import annotations

from web3 import Web3

from servicecoin.admin.program import address_names, events_start, program_contracts
from servicecoin.chain import Chain
from servicecoin.roles import contract_roles


def role_holders(chain: Chain, contract, start: int | None = None) -> dict[str, list[str]]:
    """Role name → holders of `contract`, replaying its role events in chain order; each holder is confirmed
    with `hasRole` at the latest block. Roles the ABI does not name appear as their 0x id."""
    start = events_start(chain) if start is None else start
    names = {rid: name for name, rid in contract_roles(contract).items()}
    changes = chain.events(contract, "RoleGranted", from_block=start) + \
        chain.events(contract, "RoleRevoked", from_block=start)
    changes.sort(key=lambda ev: (ev["blockNumber"], ev["logIndex"]))
    holders: dict[bytes, dict[str, None]] = {}
    for ev in changes:
        rid, account = bytes(ev["args"]["role"]), Web3.to_checksum_address(ev["args"]["account"])
        members = holders.setdefault(rid, {})
        if ev["event"] == "RoleGranted":
            members[account] = None
        else:
            members.pop(account, None)
    out: dict[str, list[str]] = {name: [] for name in names.values()}
    for rid, members in holders.items():
        name = names.get(rid, "0x" + rid.hex())
        out[name] = [a for a in members if contract.functions.hasRole(rid, a).call()]
    return out


def admin_state(chain: Chain, contract) -> dict:
    """The default admin, a scheduled handover (new admin, when it may accept) and the handover delay."""
    pending, schedule = contract.functions.pendingDefaultAdmin().call()
    delay = contract.functions.defaultAdminDelay().call()
    new_delay, delay_at = contract.functions.pendingDefaultAdminDelay().call()
    now = chain.w3.eth.get_block("latest")["timestamp"]
    state = "none"
    if schedule:
        state = "acceptable" if now >= schedule else "waiting"
    return {"admin": contract.functions.defaultAdmin().call(), "delay_s": delay,
            "pending_admin": None if not schedule else pending, "accept_after": schedule or None,
            "handover": state, "pending_delay_s": new_delay if delay_at else None,
            "delay_change_at": delay_at or None}


def roles_report(chain: Chain) -> dict:
    """Per program contract: its roles with their holders, its admin handover state, and the deployment file's
    names for the addresses shown."""
    start = events_start(chain)
    known = address_names(chain)
    report = {}
    for name, c in program_contracts(chain).items():
        roles, admin = role_holders(chain, c, start), admin_state(chain, c)
        seen = {a for holders in roles.values() for a in holders} | {admin["admin"], admin["pending_admin"]}
        report[name] = {"address": c.address, "roles": roles, "admin": admin,
                        "names": {a: known[a.lower()] for a in seen if a and a.lower() in known}}
    return report


def roles_of(chain: Chain, address: str, contracts: dict | None = None) -> dict[str, list[str]]:
    """Contract name → the roles `address` holds there now (asked with `hasRole` for every role the ABI names)."""
    contracts = program_contracts(chain) if contracts is None else contracts
    return {name: [role for role, rid in contract_roles(c).items() if c.functions.hasRole(rid, address).call()]
            for name, c in contracts.items()}
