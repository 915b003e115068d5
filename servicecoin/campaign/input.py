"""The campaign input CSV: one row per customer event, validated before anything is sent.

Columns (header required, any order, names case-insensitive; the aliases of ALIASES are accepted):
`address`, `action`, `amount` (currency units, for actions paid per unit, under the plain decimal
grammar of servicecoin.token.parse_decimal), `ref` (the external reference: order id, survey id…
unique in the file) and, optionally, `reason` (the on-chain reason of the row's credit; empty: the
campaign's). A header column that is none of these is an error naming the columns expected.
Every bad row is reported with file, line, column and reason; none is dropped silently: a cell past
the header's columns, an amount whose points pass the per-row maximum, a bad reason are bad rows too.
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

from eth_utils import to_checksum_address

from servicecoin.campaign.definition import Campaign
from servicecoin.errors import ConfigError, quoted
from servicecoin.token import Reason, fmt, parse_decimal

COLUMNS = ("address", "action", "amount", "ref")  # required
OPTIONAL = ("reason",)
# Header names accepted for each column (docs/campaigns.md). `amount` is a currency amount, so `points`
# is deliberately not one of its names: a file whose column says points would be paid per currency unit.
ALIASES = {
    "address": ("address", "wallet", "customer", "account"),
    "action": ("action", "event"),
    "amount": ("amount", "value", "total"),
    "ref": ("ref", "reference", "external_ref", "external_reference"),
    "reason": ("reason",),
}
EXTRA = "extra"  # the column name a bad row gets for cells past the header
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
    reason: Reason = Reason.CAMPAIGN  # the on-chain reason of this row's credit


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
    if value.startswith("-"):
        return None, "negative amount"
    try:
        return parse_decimal(value, campaign.amount_decimals, "currency amount"), None
    except ConfigError as exc:
        why = str(exc).removeprefix(quoted(value) + " ")
        if why.startswith(("has more than", "must be a whole")):
            return None, why.removeprefix("has ")
        if why.startswith("is too large"):
            return None, "too large for a currency amount"
        return None, (f"not a number (a currency amount is plain digits, optionally '.' and at most "
                      f"{campaign.amount_decimals} decimals)")


def _header(path: Path, cells: list[str]) -> dict[str, int]:
    """Column name → index, from the header's names and their aliases; an unknown, doubled or missing
    column is a ConfigError at line 1 naming the columns expected."""
    names = {alias: column for column, aliases in ALIASES.items() for alias in aliases}
    expected = "; ".join(f"{c} (or {', '.join(ALIASES[c][1:])})" if len(ALIASES[c]) > 1 else c for c in COLUMNS)
    expected += f"; optional: {', '.join(OPTIONAL)}"
    index: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = cell.strip().lower()
        column = names.get(name)
        if column is None:
            raise ConfigError(f"{path}:1: unknown column {quoted(cell)} in the header (expected: {expected})")
        if column in index:
            raise ConfigError(f"{path}:1: column '{column}' appears twice in the header ({quoted(cells[index[column]])} "
                              f"and {quoted(cell)})")
        index[column] = i
    missing = [c for c in COLUMNS if c not in index]
    if missing:
        raise ConfigError(f"{path}:1: header lacks column(s) {', '.join(missing)} (expected: {expected})")
    return index


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
            header = next(reader)
        except StopIteration:
            raise ConfigError(f"{path}:1: empty file (expected a header: {', '.join(COLUMNS)}[, reason])") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}:1: not a CSV header: {exc}") from None
        index = _header(path, header)
        for record in _records(reader, path):
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            extra = record[len(header):]
            if len(record) < len(header):
                record = record + [""] * (len(header) - len(record))
            cell = {c: record[i].strip() for c, i in index.items()}
            cell[EXTRA] = ",".join(extra)

            def fail(column: str, reason: str) -> None:
                bad.append(BadRow(name, line, column, cell.get(column, ""), reason))

            if any(x.strip() for x in extra):
                fail(EXTRA, f"{len(extra)} cell(s) past the header's {len(header)} columns")
                continue

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
            reason = campaign.reason
            if cell.get("reason"):
                try:
                    reason = Reason.parse(cell["reason"])
                except ConfigError:
                    fail("reason", f"unknown reason (known: {', '.join(r.name.lower() for r in Reason)})")
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
            if points > campaign.max_per_row:
                fail("amount" if rule.needs_amount else "action",
                     f"earns {fmt(points)} points, above the per-row maximum of {fmt(campaign.max_per_row)}")
                continue
            so_far = totals.get(address, 0)
            if campaign.cap_per_customer is not None and so_far + points > campaign.cap_per_customer:
                fail("amount" if rule.needs_amount else "action",
                     f"past the per-customer cap: {fmt(so_far)} + {fmt(points)} > {fmt(campaign.cap_per_customer)} points")
                continue
            totals[address] = so_far + points
            rows.append(InputRow(line, address, action, amount, ref, points, reason))
    return InputCheck(path, rows, bad)


def _records(reader, path: Path):
    """The CSV's rows; a line the csv module cannot read, or bytes that are not UTF-8, stop with the line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}:{reader.line_num}: not a CSV row: {exc}") from None
