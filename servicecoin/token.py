"""Reward token conventions shared by every module: reasons, units, tiers."""

from __future__ import annotations

from enum import IntEnum

from servicecoin.errors import ConfigError, enum_member

DECIMALS = 2
UNIT = 10**DECIMALS  # raw units per whole point


class Reason(IntEnum):
    PURCHASE = 0
    FEEDBACK = 1
    SURVEY = 2
    REFERRAL = 3
    SOCIAL = 4
    CAMPAIGN = 5
    COMPENSATION = 6
    REFUND = 7

    @classmethod
    def parse(cls, text: str, where: str = "") -> "Reason":
        return enum_member(cls, text.strip().upper(), text, "reason", where)


def to_raw(points) -> int:
    """Whole points (int, Decimal or str with up to 2 decimals) → raw token units."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(str(points))
    except InvalidOperation:
        raise ConfigError(f"'{points}' is not a number of points") from None
    raw = value * UNIT
    if raw != raw.to_integral_value():
        raise ConfigError(f"'{points}' has more than {DECIMALS} decimals")
    return int(raw)


def fmt(raw: int) -> str:
    """Raw units → '1,234.50' points."""
    sign = "-" if raw < 0 else ""
    raw = abs(raw)
    return f"{sign}{raw // UNIT:,}.{raw % UNIT:02d}"


def tier_names(config: dict) -> list[str]:
    return [t["name"] for t in config["token"]["tiers"]]


def reason_mask(names, where: str = "") -> int:
    """Bit mask of reasons (bit i = Reason(i)) from their names, as `setTierEligibleReasons` takes it."""
    mask = 0
    for name in names:
        mask |= 1 << Reason.parse(str(name), where)
    return mask
