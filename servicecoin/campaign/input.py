"""The campaign input CSV: one row per customer event, validated before anything is sent.

Columns (header required, any order): `address`, `action`, `amount` (currency units, for actions
paid per unit), `ref` (the external reference: order id, survey id… unique in the file).
Every bad row is reported with file, line, column and reason; none is dropped silently.
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from eth_utils import to_checksum_address

from servicecoin.campaign.definition import Campaign
from servicecoin.errors import ConfigError
from servicecoin.token import fmt

COLUMNS = ("address", "action", "amount", "ref")
ZERO = "0x" + "0" * 40
_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


@dataclass(frozen=True)
class InputRow:
    line: int
    address: str  # checksummed
    action: str
    amount: Decimal | None
    ref: str
    points: int  # raw units earned (base, before tier multipliers)


@dataclass(frozen=True)
class BadRow:
    file: str
    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: column '{self.column}' ({self.value!r}): {self.reason}"

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class InputCheck:
    """The outcome of validating one file: good rows in file order, bad rows with their reasons."""

    path: Path
    rows: list[InputRow]
    bad: list[BadRow]


def _check_address(value: str) -> tuple[str | None, str | None]:
    if not _HEX_ADDRESS.match(value):
        return None, "not an address (0x followed by 40 hex digits)"
    address = to_checksum_address(value)
    digits = value[2:]
    if digits != digits.lower() and digits != digits.upper() and address != value:
        return None, "wrong checksum (mixed-case address whose case does not match EIP-55)"
    if address == ZERO:
        return None, "the zero address cannot receive points"
    return address, None


def _check_amount(value: str, campaign: Campaign, needs: bool) -> tuple[Decimal | None, str | None]:
    if not needs:
        if value:
            return None, "this action pays a fixed bonus: leave amount empty"
        return None, None
    if not value:
        return None, "missing amount (this action pays per currency unit)"
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None, "not a number"
    if not amount.is_finite():
        return None, "not a number"
    if amount < 0:
        return None, "negative amount"
    if amount != amount.quantize(Decimal(1).scaleb(-campaign.amount_decimals), rounding="ROUND_DOWN"):
        return None, f"more than {campaign.amount_decimals} decimals"
    return amount, None


def read_rows(path: str | Path, campaign: Campaign) -> InputCheck:
    """Validate every row of `path` against `campaign`'s rules; never raises for a bad row."""
    path = Path(path)
    try:
        fp = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: input file not found") from None
    rows: list[InputRow] = []
    bad: list[BadRow] = []
    seen_refs: dict[str, int] = {}
    totals: dict[str, int] = {}
    name = str(path)
    with fp:
        reader = csv.reader(fp)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise ConfigError(f"{path}:1: empty file (expected a header: {', '.join(COLUMNS)})") from None
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise ConfigError(f"{path}:1: header lacks column(s) {', '.join(missing)} (expected {', '.join(COLUMNS)})")
        index = {c: header.index(c) for c in COLUMNS}
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) < len(header):
                record = record + [""] * (len(header) - len(record))
            cell = {c: record[i].strip() for c, i in index.items()}

            def fail(column: str, reason: str) -> None:
                bad.append(BadRow(name, line, column, cell[column], reason))

            ref = cell["ref"]
            first = seen_refs.setdefault(ref, line) if ref else line

            address, why = _check_address(cell["address"])
            if why:
                fail("address", why)
                continue
            action = cell["action"].lower()
            rule = campaign.rules.get(action)
            if rule is None:
                fail("action", f"unknown action (known: {', '.join(sorted(campaign.rules))})")
                continue
            amount, why = _check_amount(cell["amount"], campaign, rule.needs_amount)
            if why:
                fail("amount", why)
                continue
            if not ref:
                fail("ref", "missing external reference")
                continue
            if first != line:
                fail("ref", f"duplicate external reference (first on line {first})")
                continue
            points = rule.raw_points(amount)
            if points <= 0:
                fail("amount", "earns 0 points after rounding")
                continue
            so_far = totals.get(address, 0)
            if campaign.cap_per_customer is not None and so_far + points > campaign.cap_per_customer:
                fail("amount" if rule.needs_amount else "action",
                     f"past the per-customer cap: {fmt(so_far)} + {fmt(points)} > {fmt(campaign.cap_per_customer)} points")
                continue
            totals[address] = so_far + points
            rows.append(InputRow(line, address, action, amount, ref, points))
    return InputCheck(path, rows, bad)
