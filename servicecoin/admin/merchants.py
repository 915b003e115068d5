"""Merchants: onboarding and offboarding as one plan of calls each, their names in the deployment file, and
what each may do, read from the chain.

A merchant's powers across the program:
    RewardToken      ISSUER_ROLE and its issuer budget (credit points), acceptor status (customers may send it
                     points; its points never expire), any other role (PAUSER_ROLE, SPENDER_ROLE, …)
    RedemptionVault  MERCHANT_ROLE (list and manage its catalog items, fulfil and refund their redemptions)
    ServiceLog       AGENT_ROLE (append service records), when the merchant runs its own help desk
    any contract     DEFAULT_ADMIN_ROLE, or a scheduled default-admin handover to it
Offboarding removes every one of them (see `offboard_plan`).
"""

from __future__ import annotations

import re

from web3 import Web3

from servicecoin.account import checksum
from servicecoin.admin.actions import Plan
from servicecoin.admin.program import program_contracts, short_name, update_deployment
from servicecoin.admin.roles_report import role_holders, roles_of
from servicecoin.chain import Chain
from servicecoin.errors import ConfigError
from servicecoin.roles import role_id
from servicecoin.token import fmt
from servicecoin.vault import get_item, item_metadata

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
ZERO = "0x" + "00" * 20


# ------------------------------------------------------------------------------------------ the names
def merchant_names(chain: Chain) -> dict[str, dict]:
    """Name → record ({"address": …}) of every merchant the deployment file lists."""
    return dict(chain.deployment().get("merchants", {}))


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise ConfigError(f"merchant name {name!r}: use 1-40 lower-case letters, digits, '.', '_' or '-', "
                          f"starting with a letter or digit")
    return name


def resolve_merchant(chain: Chain, text: str) -> tuple[str | None, str]:
    """(name, address) of a merchant given by its name in the deployment file or by its address."""
    names = merchant_names(chain)
    if text in names:
        return text, Web3.to_checksum_address(names[text]["address"])
    if text.startswith("0x"):
        address = checksum(text)
        return next((n for n, r in names.items() if r["address"].lower() == address.lower()), None), address
    raise ConfigError(f"unknown merchant {text!r} (known: {', '.join(sorted(names)) or 'none yet'}; or give an address)")


def save_merchant(chain: Chain, name: str, address: str, **fields) -> None:
    """Record `name` → `address` (and `fields`) under "merchants" in deployments/<network>.json."""
    def change(record):
        merchants = record.setdefault("merchants", {})
        merchants[name] = {**merchants.get(name, {}), "address": address, **fields}

    update_deployment(chain, change)


# ------------------------------------------------------------------------------------------ reading powers
def items_of(chain: Chain, vault, address: str) -> list[int]:
    """Ids of the catalog items whose merchant is `address` now (listed for it, or reassigned to it)."""
    ids = {ev["args"]["itemId"] for ev in chain.events(vault, "ItemListed", argument_filters={"merchant": address})}
    ids |= {ev["args"]["itemId"] for ev in chain.events(vault, "ItemReassigned", argument_filters={"newMerchant": address})}
    return sorted(i for i in ids if vault.functions.item(i).call()[1].lower() == address.lower())


def powers_of(chain: Chain, address: str, contracts: dict | None = None) -> dict:
    """What `address` may do in the program now, read from the chain."""
    contracts = program_contracts(chain) if contracts is None else contracts
    token, vault = contracts["RewardToken"], contracts["RedemptionVault"]
    allowance, used, remaining = token.functions.issuerBudget(address).call()
    items = items_of(chain, vault, address)
    active = [i for i in items if vault.functions.item(i).call()[8]]
    pending = [short_name(n) for n, c in contracts.items() if c.functions.pendingDefaultAdmin().call()[0] == address]
    return {
        "address": address,
        "roles": {short_name(n): r for n, r in roles_of(chain, address, contracts).items()},
        "budget": {"allowance": allowance, "used": used, "remaining": remaining},
        "acceptor": token.functions.isAcceptor(address).call(),
        "balance": token.functions.balanceOf(address).call(),
        "items": items, "active_items": active, "pending_admin_on": pending,
    }


def has_powers(p: dict) -> bool:
    return any(p["roles"].values()) or p["acceptor"] or p["budget"]["remaining"] > 0 or bool(p["active_items"]) \
        or bool(p["pending_admin_on"])


def list_merchants(chain: Chain) -> list[dict]:
    """Every merchant named in the deployment file, and every other holder of the vault's MERCHANT_ROLE (read
    from its events), with what each may do now."""
    contracts = program_contracts(chain)
    names = merchant_names(chain)
    found = [(n, Web3.to_checksum_address(r["address"])) for n, r in sorted(names.items())]
    known = {a.lower() for _, a in found}
    for holder in role_holders(chain, contracts["RedemptionVault"]).get("MERCHANT_ROLE", []):
        if holder.lower() not in known:
            found.append((None, holder))
            known.add(holder.lower())
    out = []
    for name, address in found:
        p = powers_of(chain, address, contracts)
        out.append({"name": name, **p, "status": "active" if has_powers(p) else "offboarded"})
    return out


# ------------------------------------------------------------------------------------------ plans
def onboard_plan(chain: Chain, name: str, address: str, budget: int, acceptor: bool = True,
                 agent: bool = False) -> Plan:
    """Issuer role and budget (`budget` raw points in total) on the token, acceptor status, merchant role on
    the vault (and the log's agent role with `agent`). Calls already in effect are left out."""
    check_name(name)
    address = checksum(address, "ADDRESS: ")
    if address == ZERO:
        raise ConfigError("ADDRESS: the zero address cannot be a merchant")
    for other, rec in merchant_names(chain).items():
        if other == name and rec["address"].lower() != address.lower():
            raise ConfigError(f"merchant {name!r} is already {rec['address']}; choose another name")
        if other != name and rec["address"].lower() == address.lower():
            raise ConfigError(f"{address} is already merchant '{other}'")
    if budget < 0:
        raise ConfigError("--budget: must not be negative")
    contracts = program_contracts(chain)
    token, vault = contracts["RewardToken"], contracts["RedemptionVault"]
    if any(c.functions.hasRole(role_id("DEFAULT_ADMIN_ROLE"), address).call() for c in contracts.values()):
        raise ConfigError(f"{address} is the program admin; a merchant needs an address of its own")
    plan = Plan(f"onboard merchant {name}")
    who = f"{name} ({address})"
    if not token.functions.hasRole(role_id("ISSUER_ROLE"), address).call():
        plan.add(token, "RewardToken", "grantRole", role_id("ISSUER_ROLE"), address,
                 description=f"let {who} credit points (ISSUER_ROLE on the token)")
    allowance = token.functions.issuerBudget(address).call()[0]
    if allowance != budget:
        plan.add(token, "RewardToken", "setIssuerBudget", address, budget,
                 description=f"set the issuer budget of {who} to {fmt(budget)} points in total")
    if acceptor and not token.functions.isAcceptor(address).call():
        held = token.functions.balanceOf(address).call()
        if held:
            raise ConfigError(f"{address} holds {fmt(held)} points as a customer, and an acceptor must start empty: "
                              f"spend or move them first, or onboard with --no-acceptor")
        plan.add(token, "RewardToken", "setAcceptor", address, True,
                 description=f"make {who} an acceptor (customers may pay it points; its points never expire)")
    if not vault.functions.hasRole(role_id("MERCHANT_ROLE"), address).call():
        plan.add(vault, "RedemptionVault", "grantRole", role_id("MERCHANT_ROLE"), address,
                 description=f"let {who} list catalog items and fulfil and refund their redemptions (MERCHANT_ROLE)")
    log = contracts.get("ServiceLog")
    if agent and log is not None and not log.functions.hasRole(role_id("AGENT_ROLE"), address).call():
        plan.add(log, "ServiceLog", "grantRole", role_id("AGENT_ROLE"), address,
                 description=f"let {who} append service records to the log (AGENT_ROLE)")
    if not plan.calls:
        plan.notes.append(f"{who} already has every power asked for: nothing to send")
    return plan


def offboard_plan(chain: Chain, name: str | None, address: str, items_to: str | None = None,
                  burn_points: bool = False) -> Plan:
    """Remove every power of `address`: each role it holds on each contract, a scheduled admin handover to it,
    its issuer budget (set to 0), its catalog items (deactivated by the admin, or moved with their open
    redemptions to merchant `items_to`) and its acceptor status (which burns the points it holds as an acceptor:
    refused unless `burn_points`). The program admin itself cannot be offboarded."""
    contracts = program_contracts(chain)
    token, vault = contracts["RewardToken"], contracts["RedemptionVault"]
    who = f"{name} ({address})" if name else address
    p = powers_of(chain, address, contracts)
    plan = Plan(f"offboard merchant {name or address}")
    for cname, c in contracts.items():
        held = p["roles"][short_name(cname)]
        if "DEFAULT_ADMIN_ROLE" in held:
            raise ConfigError(f"{who} is the default admin of {cname}: hand the admin role over first "
                              f"(beginDefaultAdminTransfer), then offboard it")
        for role in held:
            plan.add(c, cname, "revokeRole", role_id(role), address, description=f"revoke {role} of {who} on {cname}")
        if short_name(cname) in p["pending_admin_on"]:
            plan.add(c, cname, "cancelDefaultAdminTransfer",
                     description=f"cancel the scheduled handover of {cname}'s admin role to {who}")
    if p["budget"]["allowance"]:
        plan.add(token, "RewardToken", "setIssuerBudget", address, 0,
                 description=f"set the issuer budget of {who} to 0 (it had {fmt(p['budget']['remaining'])} points left)")
    if p["items"]:
        if items_to:
            target = checksum(items_to, "--items-to: ")
            if target.lower() == address.lower():
                raise ConfigError("--items-to: give another merchant than the one leaving")
            if not vault.functions.hasRole(role_id("MERCHANT_ROLE"), target).call():
                raise ConfigError(f"--items-to: {target} does not hold MERCHANT_ROLE on the vault; onboard it first")
            for i in p["items"]:
                plan.add(vault, "RedemptionVault", "reassignItem", i, target,
                         description=f"move catalog item #{i} and its open redemptions from {who} to {target}")
        else:
            meta = item_metadata(chain, vault)
            for i in p["items"]:
                it = get_item(chain, i, vault, meta)
                stock = 2**32 - 1 if it.stock is None else it.stock
                uri = it.metadata_uri
                mhash = bytes.fromhex(it.metadata_hash[2:]) if it.metadata_hash else b"\0" * 32
                plan.add(vault, "RedemptionVault", "updateItem", i, stock, it.min_tier, False, uri, mhash,
                         description=f"deactivate catalog item #{i} of {who} (only the admin can reactivate it)")
            plan.notes.append(f"open redemptions of {who}'s items can no longer be fulfilled or refunded by it: "
                              f"customers may cancel them after the fulfilment window and get their points back "
                              f"(or use --items-to to move the items and their open redemptions)")
    if p["acceptor"]:
        if p["balance"] and not burn_points:
            raise ConfigError(f"{who} holds {fmt(p['balance'])} points as an acceptor, and removing it burns them: "
                              f"let it spend or move them first, or pass --burn-points")
        burn = f"; its {fmt(p['balance'])} points are burned" if p["balance"] else ""
        plan.add(token, "RewardToken", "setAcceptor", address, False,
                 description=f"remove {who} as an acceptor{burn}")
    elif p["balance"]:
        plan.notes.append(f"{who} keeps {fmt(p['balance'])} points it holds as a customer (they expire as a "
                          f"customer's do)")
    if not plan.calls:
        plan.notes.append(f"{who} holds no power in the program: nothing to send")
    return plan
