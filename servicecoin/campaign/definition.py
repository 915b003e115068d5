"""The campaign definition file (YAML): who gets how many points for what, and how to send them.

    id: spring-2026-thanks          # part of every batch id: never reuse it for another campaign
    name: Spring thank-you
    network: svc-local
    reason: campaign                # the on-chain Reason of every credit (a row's `reason` column overrides it)
    input: spring-2026.csv          # relative to this file (svc campaign … --input overrides)
    budget: 50000                   # whole points: the planned (base) total may not exceed it
    batch_size: 500                 # recipients per transaction (also capped by gas)
    confirmations: 1                # blocks, the inclusion block included
    tier_multipliers: true          # must match the chain: is `reason` tier-eligible there?
    cap_per_customer: 2000          # whole base points per customer (optional)
    max_per_row: 1000               # whole base points one CSV row may earn (optional; default: the budget)
    amount_decimals: 2              # precision of the currency amounts in the CSV
    rules:
      purchase: {points_per_unit: 1.5, rounding: down}   # per currency unit
      survey:   {points: 50}                             # fixed bonus per action
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml

from servicecoin.errors import ConfigError
from servicecoin.token import UNIT, Reason, parse_decimal, to_raw

ROUNDING = {"down": ROUND_FLOOR, "up": ROUND_CEILING, "half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}
RATE_DECIMALS = 6  # decimals a points_per_unit rate may have
# EIP-7825: no transaction may use more than 2**24 gas.
TX_GAS_CAP = 16_777_216


@dataclass(frozen=True)
class Rule:
    """Points for one action: a fixed bonus, or points per currency unit with a rounding rule."""

    action: str
    points: int | None = None  # raw units, fixed bonus
    per_unit: Decimal | None = None  # whole points per currency unit
    rounding: str = "down"

    @property
    def needs_amount(self) -> bool:
        return self.per_unit is not None

    def raw_points(self, amount: Decimal | None) -> int:
        """Raw token units this action earns (before any tier multiplier)."""
        if self.per_unit is None:
            return int(self.points or 0)
        points = (amount or Decimal(0)) * self.per_unit
        return int((points * UNIT).to_integral_value(rounding=ROUNDING[self.rounding]))


@dataclass
class Campaign:
    id: str
    name: str
    network: str
    reason: Reason
    rules: dict[str, Rule]
    budget: int  # raw units
    batch_size: int = 500
    confirmations: int = 1
    tier_multipliers: bool = True
    cap_per_customer: int | None = None  # raw units
    max_per_row: int = 0  # raw units one row may earn; load_campaign sets it (default: the budget)
    amount_decimals: int = 2
    input: Path | None = None
    token: str | None = None  # token address; default: deployments/<network>.json
    path: Path | None = None
    lines: dict[str, int] = field(default_factory=dict, repr=False)

    def where(self, key: str) -> str:
        """'file:line: field' for error messages."""
        line = self.lines.get(key) or self.lines.get(key.split(".")[0])
        return f"{self.path}:{line}: {key}" if line else f"{self.path}: {key}"


def _key_lines(node, prefix: str = "") -> dict[str, int]:
    """Dotted key path → 1-based line, from a composed YAML node tree."""
    found: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}{key.value}"
            found[path] = key.start_mark.line + 1
            found.update(_key_lines(value, path + "."))
    return found


def _points(value, where: str) -> int:
    """Whole points from the file (a YAML number or text) under the plain decimal grammar → raw units."""
    try:
        return to_raw(value)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def load_campaign(path: str | Path) -> Campaign:
    """Read and check a campaign file; every error names the file, line and field."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"{path}: campaign file not found") from None
    try:
        raw = yaml.safe_load(text)
        lines = _key_lines(yaml.compose(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"{path}:{mark.line + 1 if mark else '?'}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}:1: a campaign file is a mapping of fields (id, name, reason, rules, …)")
    c = Campaign(id="", name="", network="", reason=Reason.CAMPAIGN, rules={}, budget=0, path=path, lines=lines)

    def need(key):
        if raw.get(key) in (None, ""):
            raise ConfigError(f"{path}: missing field '{key}'")
        return raw[key]

    known = {"id", "name", "network", "reason", "rules", "budget", "batch_size", "confirmations", "tier_multipliers",
             "cap_per_customer", "max_per_row", "amount_decimals", "input", "token"}
    for key in raw:
        if key not in known:
            raise ConfigError(f"{c.where(key)}: unknown field (known: {', '.join(sorted(known))})")
    c.id = str(need("id")).strip()
    if not c.id or len(c.id) > 64 or any(ch.isspace() for ch in c.id):
        raise ConfigError(f"{c.where('id')}: '{c.id}' must be 1–64 characters without spaces")
    c.name = str(raw.get("name") or c.id)
    c.network = str(raw.get("network") or "svc-local")
    c.reason = Reason.parse(str(need("reason")), f"{c.where('reason')}: ")
    c.budget = _points(need("budget"), c.where("budget"))
    for key, low, high in (("batch_size", 1, 2000), ("confirmations", 0, 1000), ("amount_decimals", 0, 18)):
        if key in raw:
            value = raw[key]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ConfigError(f"{c.where(key)}: '{value}' must be a whole number from {low} to {high}")
            setattr(c, key, value)
    if "tier_multipliers" in raw:
        if not isinstance(raw["tier_multipliers"], bool):
            raise ConfigError(f"{c.where('tier_multipliers')}: must be true or false")
        c.tier_multipliers = raw["tier_multipliers"]
    if raw.get("cap_per_customer") is not None:
        c.cap_per_customer = _points(raw["cap_per_customer"], c.where("cap_per_customer"))
    c.max_per_row = c.budget
    if raw.get("max_per_row") is not None:
        c.max_per_row = _points(raw["max_per_row"], c.where("max_per_row"))
    if raw.get("input"):
        c.input = (path.parent / str(raw["input"])).resolve()
    if raw.get("token"):
        c.token = str(raw["token"])
    rules = need("rules")
    if not isinstance(rules, dict) or not rules:
        raise ConfigError(f"{c.where('rules')}: a mapping of action → {{points: N}} or {{points_per_unit: X, rounding: down}}")
    for action, spec in rules.items():
        key = f"rules.{action}"
        name = str(action).strip().lower()
        if not isinstance(spec, dict):
            spec = {"points": spec}
        extra = set(spec) - {"points", "points_per_unit", "rounding"}
        if extra:
            raise ConfigError(f"{c.where(key)}: unknown field(s) {', '.join(sorted(extra))}")
        if ("points" in spec) == ("points_per_unit" in spec):
            raise ConfigError(f"{c.where(key)}: give either 'points' (fixed bonus) or 'points_per_unit'")
        if "points" in spec:
            c.rules[name] = Rule(name, points=_points(spec["points"], c.where(key + ".points")))
        else:
            try:
                per_unit = parse_decimal(spec["points_per_unit"], RATE_DECIMALS, "number of points per unit")
            except ConfigError:
                per_unit = Decimal(-1)
            if per_unit <= 0:
                raise ConfigError(f"{c.where(key + '.points_per_unit')}: '{spec['points_per_unit']}' must be a positive "
                                  f"number (plain digits, at most {RATE_DECIMALS} decimals)")
            rounding = str(spec.get("rounding", "down"))
            if rounding not in ROUNDING:
                raise ConfigError(f"{c.where(key + '.rounding')}: '{rounding}' (known: {', '.join(ROUNDING)})")
            c.rules[name] = Rule(name, per_unit=per_unit, rounding=rounding)
    return c
