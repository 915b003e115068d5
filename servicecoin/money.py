"""Money: what a point is worth under the alliance's clearing terms, in exact integers.

A whole point is worth `value_per_point` millionths of the currency, so a raw point (1/100 point) is
worth `value_per_point` units of 1e-8 currency: every money amount is an integer of those units
("atoms"), and sums of them are exact. Text forms: `plain` (JSON and CSV: a plain decimal, never a
float, never rounded) and `human` (people: rounded to cents, thousands separators).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import IntEnum

from servicecoin.errors import ConfigError

MICRO = 10**6
ATOMS = 10**8  # money atoms per currency unit


class Breakage(IntEnum):
    """What happens to the money value of points that expired unspent (ISettlement.Breakage)."""

    RETURN_TO_ISSUERS = 0
    KEPT_BY_OPERATOR = 1

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Breakage":
        try:
            return cls[str(text).strip().upper()]
        except KeyError:
            raise ConfigError(f"breakage '{text}' is not return_to_issuers or kept_by_operator") from None


@dataclass(frozen=True)
class Terms:
    """Currency (ISO 4217), millionths of it per whole point, and the breakage policy."""

    currency: str
    value_per_point: int
    breakage: Breakage

    @classmethod
    def from_config(cls, section: dict) -> "Terms":
        """From servicecoin.yaml's `settlement:` (currency, value_per_point as a decimal, breakage)."""
        currency = str(section.get("currency", "EUR")).strip()
        if len(currency) != 3 or not currency.isascii() or not currency.isalpha() or not currency.isupper():
            raise ConfigError(f"currency '{currency}' is not a three-letter upper-case ISO 4217 code")
        try:
            micro = Decimal(str(section.get("value_per_point", "0.01"))) * MICRO
        except InvalidOperation:
            raise ConfigError(f"value_per_point '{section.get('value_per_point')}' is not a number") from None
        if micro != micro.to_integral_value() or micro <= 0 or micro >= 2**64:
            raise ConfigError(f"value_per_point {section.get('value_per_point')}: must be above 0, at most 6 decimals")
        return cls(currency, int(micro), Breakage.parse(section.get("breakage", "return_to_issuers")))

    def to_chain(self) -> tuple[bytes, int, int]:
        """The ISettlement.Terms tuple."""
        return self.currency.encode("ascii"), self.value_per_point, int(self.breakage)

    @classmethod
    def from_event(cls, currency: bytes | str, value: int, breakage: int) -> "Terms":
        if isinstance(currency, str):
            currency = bytes.fromhex(currency[2:]) if currency.startswith("0x") else currency.encode()
        return cls(currency[:3].decode("ascii"), int(value), Breakage(int(breakage)))

    def value(self, raw_points: int) -> int:
        """Money atoms (1e-8 currency) of `raw_points`."""
        return raw_points * self.value_per_point

    def as_json(self) -> dict:
        return {"currency": self.currency, "value_per_point": plain(self.value_per_point * 100),
                "breakage": self.breakage.label}


def plain(atoms: int) -> str:
    """Money atoms as an exact plain decimal with at least 2 decimals: 1250000000 → '12.50'."""
    sign = "-" if atoms < 0 else ""
    whole, frac = divmod(abs(atoms), ATOMS)
    digits = f"{frac:08d}".rstrip("0")
    return f"{sign}{whole}.{digits.ljust(2, '0')}"


def from_plain(text: str) -> int:
    """A plain decimal ('-12.50') back to money atoms."""
    whole, _, frac = text.lstrip("-").partition(".")
    atoms = int(whole) * ATOMS + int(frac.ljust(8, "0")[:8] or 0)
    return -atoms if text.startswith("-") else atoms


def human(atoms: int, currency: str = "") -> str:
    """Money atoms for people: rounded half-even to cents, thousands separators ('1,234.50 EUR')."""
    cents = Decimal(atoms).scaleb(-8).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    text = f"{cents:,.2f}"
    return f"{text} {currency}".rstrip()
