"""Reward token conventions shared by every module: reasons, units, tiers."""

from __future__ import annotations

import re
from enum import IntEnum

from servicecoin.errors import ConfigError, enum_member, quoted

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


# The one grammar of an amount read from a person or a file (campaign rows, --points, --price…): ASCII
# digits, then optionally a point and at most `decimals` digits. No sign, exponent, underscore, spaces,
# separators or non-ASCII digits: `1e3`, `-5`, `1_000`, `1,000`, `٣` and `１` are all refused.
MAX_AMOUNT_DIGITS = 60  # whole-number digits; more is never a real amount (and 10**60 is far past any budget)


def parse_decimal(text, decimals: int = DECIMALS, what: str = "number of points"):
    """`text` as a Decimal under the plain decimal grammar, or a ConfigError naming what is wrong. An int
    or a float (a YAML number) is read as Python writes it (`1e+20` is refused like the text `1e20`)."""
    from decimal import Decimal

    if isinstance(text, bool) or not isinstance(text, (str, int, float, Decimal)):
        raise ConfigError(f"{quoted(text)} is not a {what}")
    raw_text = str(text)
    shown = quoted(raw_text)
    pattern = rf"[0-9]{{1,{MAX_AMOUNT_DIGITS}}}(\.[0-9]{{1,{decimals}}})?" if decimals else rf"[0-9]{{1,{MAX_AMOUNT_DIGITS}}}"
    if re.fullmatch(pattern, raw_text, flags=re.ASCII):
        return Decimal(raw_text)
    if re.fullmatch(r"[0-9]+\.[0-9]+", raw_text, flags=re.ASCII) and len(raw_text.split(".")[0]) <= MAX_AMOUNT_DIGITS:
        if decimals == 0:
            raise ConfigError(f"{shown} must be a whole {what} (no decimals)")
        raise ConfigError(f"{shown} has more than {decimals} decimals")
    if re.fullmatch(r"[0-9]+(\.[0-9]*)?", raw_text, flags=re.ASCII) and len(raw_text.split(".")[0]) > MAX_AMOUNT_DIGITS:
        raise ConfigError(f"{shown} is too large for a {what}")
    raise ConfigError(f"{shown} is not a {what} (plain digits, optionally '.' and at most {decimals} decimals)")


def to_raw(points) -> int:
    """Whole points under the plain decimal grammar (str or int; at most DECIMALS decimals) → raw token units."""
    return int(parse_decimal(points, DECIMALS) * UNIT)


def fmt(raw: int) -> str:
    """Raw units → '1,234.50' points: the one format of points in output for people (2 decimals, thousands
    separators). JSON and CSV write `plain_points` instead."""
    sign = "-" if raw < 0 else ""
    raw = abs(raw)
    return f"{sign}{raw // UNIT:,}.{raw % UNIT:02d}"


def plain_points(raw: int) -> str:
    """Raw units → '1234.50': points as a plain decimal, for JSON and CSV (no separators)."""
    sign = "-" if raw < 0 else ""
    return f"{sign}{abs(raw) // UNIT}.{abs(raw) % UNIT:02d}"


def fmt_plain(text: str) -> str:
    """A plain decimal of points ('-1234.5') → '-1,234.50', as `fmt` writes points for people."""
    raw = to_raw(text.lstrip("-"))
    return fmt(-raw if text.startswith("-") else raw)


def tier_names(config: dict) -> list[str]:
    return [t["name"] for t in config["token"]["tiers"]]


def reason_mask(names, where: str = "") -> int:
    """Bit mask of reasons (bit i = Reason(i)) from their names, as `setTierEligibleReasons` takes it."""
    mask = 0
    for name in names:
        mask |= 1 << Reason.parse(str(name), where)
    return mask
