"""Program settings as plans of admin calls: issuer budgets, the tier table, the transfer policy, pause,
the vault's discount rate, caps, notice period and windows, the log's rewards, and role grants by name;
and the settings in force, read from the chain."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from servicecoin.admin.actions import Plan
from servicecoin.admin.program import contract_names, program_contracts, short_name
from servicecoin.chain import Chain
from servicecoin.errors import ConfigError
from servicecoin.roles import contract_roles, role_key
from servicecoin.config import load_config
from servicecoin.token import Reason, fmt, reason_mask, tier_names, to_raw

BPS = 10_000
MAX_TIERS = 4
MAX_MULTIPLIER_BPS = 65_535
MAX_THRESHOLD = 2**48 - 1
MAX_NOTICE_S = 365 * 86_400


# ------------------------------------------------------------------------------------------ reading
def program_settings(chain: Chain) -> dict:
    """The settings in force: tiers, tier-eligible reasons, transfer policy, pause, discount terms, windows."""
    contracts = program_contracts(chain)
    token, vault = contracts["RewardToken"], contracts["RedemptionVault"]
    thresholds, multipliers = token.functions.tiers().call()
    names = tier_names(load_config())
    rate, pending_rate, pending_at, order_cap, day_cap = vault.functions.discountTerms().call()
    feedback, followup = contracts["ServiceLog"].functions.rewards().call() if "ServiceLog" in contracts else (0, 0)
    return {
        "log_rewards": {"feedback": feedback, "followup": followup},
        "tiers": [{"name": names[i] if i < len(names) else str(i), "threshold": t, "multiplier_bps": m}
                  for i, (t, m) in enumerate(zip(thresholds, multipliers))],
        "tier_eligible_mask": token.functions.tierEligibleReasons().call(),
        "transfers_open": token.functions.transfersOpen().call(),
        "paused": {short_name(n): c.functions.paused().call() for n, c in contracts.items() if _pausable(c)},
        "discount": {"rate": rate, "pending_rate": pending_rate, "pending_at": pending_at or None,
                     "per_order_cap": order_cap, "per_day_cap": day_cap},
        "notice_period_s": vault.functions.noticePeriod().call(),
        "refund_window_s": vault.functions.refundWindow().call(),
        "fulfilment_window_s": vault.functions.fulfilmentWindow().call(),
    }


def _pausable(contract) -> bool:
    return any(i.get("type") == "function" and i["name"] == "pause" for i in contract.abi)


# ------------------------------------------------------------------------------------------ budgets
def budget_plan(chain: Chain, who: str, address: str, allowance: int) -> Plan:
    """Set the total points `address` may issue (what it used so far still counts against it)."""
    if allowance < 0:
        raise ConfigError("POINTS: must not be negative")
    token = program_contracts(chain)["RewardToken"]
    _, used, _ = token.functions.issuerBudget(address).call()
    plan = Plan(f"set the issuer budget of {who}")
    plan.add(token, "RewardToken", "setIssuerBudget", address, allowance,
             description=f"set the issuer budget of {who} to {fmt(allowance)} points in total "
                         f"({fmt(used)} used so far, {fmt(max(allowance - used, 0))} left after)")
    if not token.functions.hasRole(token.functions.ISSUER_ROLE().call(), address).call():
        plan.notes.append(f"{who} does not hold ISSUER_ROLE: the budget applies once it does")
    return plan


# ------------------------------------------------------------------------------------------ tiers
def parse_multiplier(text: str, where: str) -> int:
    """`1.25x` or `12500` (basis points) → basis points."""
    t = text.strip().lower()
    try:
        bps = Decimal(t[:-1]) * BPS if t.endswith("x") else Decimal(t)
    except InvalidOperation:
        raise ConfigError(f"{where}: multiplier {text!r} is not a number (write 1.25x or 12500 basis points)") from None
    if bps != bps.to_integral_value():
        raise ConfigError(f"{where}: multiplier {text!r} is finer than a basis point")
    return int(bps)


def parse_tier(text: str) -> dict:
    """`NAME:THRESHOLD:MULTIPLIER`, e.g. `Silver:1000:1.1x` (threshold in whole points)."""
    parts = text.split(":")
    if len(parts) != 3 or not parts[0].strip():
        raise ConfigError(f"--tier {text!r}: write NAME:THRESHOLD:MULTIPLIER, e.g. Silver:1000:1.1x")
    name, threshold, multiplier = (p.strip() for p in parts)
    if not threshold.isascii() or not threshold.replace(".", "", 1).isdigit():
        raise ConfigError(f"--tier {text!r}: threshold {threshold!r} is not a number of points")
    return {"name": name, "threshold": to_raw(threshold), "multiplier_bps": parse_multiplier(multiplier, f"--tier {text!r}")}


def tiers_from_config(config: dict) -> list[dict]:
    """The `token.tiers` of servicecoin.yaml (thresholds in whole points there) → raw thresholds."""
    try:
        return [{"name": str(t["name"]), "threshold": to_raw(t["threshold"]), "multiplier_bps": int(t["multiplier_bps"])}
                for t in config["token"]["tiers"]]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"servicecoin.yaml token.tiers: {exc}") from None


def check_tiers(tiers: list[dict]) -> None:
    """The rules the token enforces (TierTable.encode), said before anything is sent."""
    if not 1 <= len(tiers) <= MAX_TIERS:
        raise ConfigError(f"tiers: give 1 to {MAX_TIERS} tiers, not {len(tiers)}")
    if tiers[0]["threshold"] != 0:
        raise ConfigError(f"tiers: the first tier ({tiers[0]['name']}) must start at 0 points")
    for prev, t in zip(tiers, tiers[1:]):
        if t["threshold"] <= prev["threshold"]:
            raise ConfigError(f"tiers: {t['name']} must start above {prev['name']} ({fmt(prev['threshold'])} points)")
    for t in tiers:
        if t["threshold"] > MAX_THRESHOLD:
            raise ConfigError(f"tiers: {t['name']}'s threshold {fmt(t['threshold'])} is too large")
        if not BPS <= t["multiplier_bps"] <= MAX_MULTIPLIER_BPS:
            raise ConfigError(f"tiers: {t['name']}'s multiplier {t['multiplier_bps']} bps is outside "
                              f"{BPS}..{MAX_MULTIPLIER_BPS} (1x..6.5535x)")


def eligible_mask(names, where: str) -> int:
    """The tier-eligible reasons' mask; refund never earns a multiplier (the token refuses it)."""
    mask = reason_mask(names, f"{where}: ")
    if mask & (1 << Reason.REFUND):
        raise ConfigError(f"{where}: refund credits never get the tier multiplier")
    return mask


def tiers_plan(chain: Chain, tiers: list[dict] | None, eligible: int | None = None) -> Plan:
    """Replace the tier table (when `tiers`) and the tier-eligible reasons (when `eligible` differs)."""
    token = program_contracts(chain)["RewardToken"]
    plan = Plan("set the tiers")
    if tiers is not None:
        check_tiers(tiers)
        shown = ", ".join(f"{t['name']} from {fmt(t['threshold'])} at {Decimal(t['multiplier_bps']) / BPS}x"
                          for t in tiers)
        plan.add(token, "RewardToken", "setTiers", [t["threshold"] for t in tiers],
                 [t["multiplier_bps"] for t in tiers], description=f"set the tiers: {shown}")
    if eligible is not None and eligible != token.functions.tierEligibleReasons().call():
        names = [r.name.lower() for r in Reason if eligible >> r & 1]
        plan.add(token, "RewardToken", "setTierEligibleReasons", eligible,
                 description=f"apply the tier multiplier to credits for: {', '.join(names) or 'no reason'}")
    if not plan.calls:
        plan.notes.append("the tier-eligible reasons are already these: nothing to send")
    return plan


def tier_names_note(tiers: list[dict], config_names: list[str]) -> str | None:
    """A note when the tiers' names differ from the settings file's, which is where `svc` reads them."""
    names = [t["name"] for t in tiers]
    if names == config_names:
        return None
    return (f"svc names tiers from servicecoin.yaml (token.tiers: {', '.join(config_names)}), not from the chain: "
            f"write {', '.join(names)} there too")


# ------------------------------------------------------------------------------------------ policy and pause
def transfers_plan(chain: Chain, open_: bool) -> Plan:
    token = program_contracts(chain)["RewardToken"]
    plan = Plan(f"{'open' if open_ else 'close'} customer-to-customer transfers")
    if token.functions.transfersOpen().call() == open_:
        plan.notes.append(f"transfers are already {'open' if open_ else 'closed'}: nothing to send")
        return plan
    plan.add(token, "RewardToken", "setTransfersOpen", open_,
             description="open customer-to-customer transfers" if open_ else
             "close customer-to-customer transfers (payments to acceptors still work)")
    return plan


def pause_plan(chain: Chain, which: str, pause: bool) -> Plan:
    """Pause (or unpause) the named contracts (`token`, `vault` or `all`); those already so are left out."""
    contracts = program_contracts(chain)
    verb = "pause" if pause else "unpause"
    plan = Plan(f"{verb} {which}")
    for name in contract_names(which, "CONTRACT"):
        c = contracts.get(name)
        if c is None:
            continue
        if not _pausable(c):
            if which.lower() != "all":
                raise ConfigError(f"{name} has no pause (it only appends records; revoke AGENT_ROLE to stop writers)")
            continue
        if c.functions.paused().call() == pause:
            plan.notes.append(f"{name} is already {'paused' if pause else 'running'}")
            continue
        what = ("stop issuance, transfers and spending" if name == "RewardToken" else
                "stop redemptions, discounts, fulfilment and refunds") if pause else "resume"
        plan.add(c, name, verb, description=f"{verb} {name}: {what}")
    return plan


# ------------------------------------------------------------------------------------------ vault terms
def discount_rate_plan(chain: Chain, rate: int) -> Plan:
    """Announce `rate` raw points per currency unit for checkout discounts."""
    if rate <= 0:
        raise ConfigError("POINTS_PER_UNIT: must be more than 0 points per currency unit")
    if rate >= 2**48:
        raise ConfigError(f"POINTS_PER_UNIT: {fmt(rate)} is too large")
    notice = program_contracts(chain)["RedemptionVault"].functions.noticePeriod().call()
    return one_call_plan(chain, "announce a checkout discount rate", "RedemptionVault", "announceDiscountRate", rate,
                         description=f"announce a discount rate of {fmt(rate)} points per currency unit, in force "
                                     f"{duration_text(notice)} after it is mined")


def parse_duration(text: str, where: str) -> int:
    """`7d`, `36h`, `90m`, `3600s` or plain seconds → seconds."""
    t = text.strip().lower()
    units = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
    factor = units.get(t[-1:], None)
    digits = t[:-1] if factor else t
    if not digits.isascii() or not digits.isdigit():
        raise ConfigError(f"{where}: {text!r} is not a duration (write 7d, 36h, 90m or seconds)")
    return int(digits) * (factor or 1)


def duration_text(seconds: int) -> str:
    """`7 days`, `36 hours` or `90 seconds`."""
    if seconds % 86_400 == 0:
        return f"{seconds // 86_400} days"
    if seconds % 3_600 == 0:
        return f"{seconds // 3_600} hours"
    return f"{seconds} seconds"


def notice_period_plan(chain: Chain, seconds: int) -> Plan:
    vault = program_contracts(chain)["RedemptionVault"]
    current = vault.functions.noticePeriod().call()
    if seconds < current:
        raise ConfigError(f"PERIOD: the notice period can only grow (now {duration_text(current)}); a shorter one would "
                          f"let terms change faster than customers were promised")
    if seconds > MAX_NOTICE_S:
        raise ConfigError(f"PERIOD: at most 365 days, not {duration_text(seconds)}")
    plan = Plan("lengthen the notice period")
    if seconds == current:
        plan.notes.append(f"the notice period is already {duration_text(current)}: nothing to send")
        return plan
    plan.add(vault, "RedemptionVault", "setNoticePeriod", seconds,
             description=f"set the notice period for price and rate changes to {duration_text(seconds)} "
                         f"(was {duration_text(current)})")
    return plan


def one_call_plan(chain: Chain, title: str, contract_name: str, function: str, *args, description: str) -> Plan:
    """A plan of one call of a program contract."""
    plan = Plan(title)
    plan.add(program_contracts(chain)[contract_name], contract_name, function, *args, description=description)
    return plan


def discount_caps_plan(chain: Chain, per_order: int, per_day: int) -> Plan:
    """Set the most points one checkout discount, and one customer's discounts per UTC day, may use (at once)."""
    if per_order >= 2**48 or per_day >= 2**64:
        raise ConfigError("caps: too large (per order below 2,814,749,767,106.56 points)")
    return one_call_plan(chain, "set the checkout discount caps", "RedemptionVault", "setDiscountCaps", per_order,
                         per_day, description=f"cap checkout discounts at {fmt(per_order)} points per order and "
                                              f"{fmt(per_day)} points per customer per day (in force at once)")


WINDOWS = {"refund": ("setRefundWindow", "merchants may refund a redemption"),
           "fulfilment": ("setFulfilmentWindow", "a customer may cancel an unfulfilled redemption")}


def window_plan(chain: Chain, which: str, seconds: int) -> Plan:
    """Set the vault's refund or fulfilment window (applies to open redemptions too)."""
    function, what = WINDOWS[which]
    if seconds >= 2**40:
        raise ConfigError(f"DURATION: {seconds} seconds is too long")
    return one_call_plan(chain, f"set the {which} window", "RedemptionVault", function, seconds,
                         description=f"set the {which} window to {duration_text(seconds)}: {what} that long after "
                                     f"it (open redemptions too)")


def log_rewards_plan(chain: Chain, feedback: int, followup: int) -> Plan:
    """Set the log's reward for accepted feedback and its bonus for a satisfied follow-up call (raw points)."""
    return one_call_plan(chain, "set the service log's rewards", "ServiceLog", "setRewards", feedback, followup,
                         description=f"reward accepted feedback with {fmt(feedback)} points and a satisfied follow-up "
                                     f"call with {fmt(followup)} points (paid from the log's issuer budget)")


# ------------------------------------------------------------------------------------------ roles
def role_target(chain: Chain, role_text: str, contract_text: str | None) -> list[tuple[str, object, str, bytes]]:
    """(contract name, contract, role name, role id) for a role written as `issuer`, `MERCHANT_ROLE`, …; without
    `--contract`, every program contract that has the role."""
    contracts = program_contracts(chain)
    role = role_key(role_text)
    chosen = contract_names(contract_text) if contract_text else list(contracts)
    found = [(n, contracts[n], role, contract_roles(contracts[n])[role]) for n in chosen
             if n in contracts and role in contract_roles(contracts[n])]
    if not found:
        known = sorted({r for n in chosen if n in contracts for r in contract_roles(contracts[n])})
        where = f" on {', '.join(chosen)}" if contract_text else ""
        raise ConfigError(f"unknown role {role_text!r}{where} (known: {', '.join(known)})")
    if role == "DEFAULT_ADMIN_ROLE":
        raise ConfigError("DEFAULT_ADMIN_ROLE is handed over in two steps (beginDefaultAdminTransfer, then the new "
                          "admin's acceptDefaultAdminTransfer after the delay), not granted or revoked")
    return found


def role_plan(chain: Chain, role_text: str, who: str, address: str, grant: bool, contract_text: str | None = None) -> Plan:
    verb = "grant" if grant else "revoke"
    plan = Plan(f"{verb} {role_key(role_text)} {'to' if grant else 'of'} {who}")
    for name, c, role, rid in role_target(chain, role_text, contract_text):
        if c.functions.hasRole(rid, address).call() == grant:
            plan.notes.append(f"{who} {'already holds' if grant else 'does not hold'} {role} on {name}")
            continue
        plan.add(c, name, "grantRole" if grant else "revokeRole", rid, address,
                 description=f"{verb} {role} {'to' if grant else 'of'} {who} on {name}")
    return plan

