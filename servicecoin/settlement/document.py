"""The statement as a document: canonical JSON (what is hashed and published), its hash, its CSV.

Canonical JSON is sorted keys, no spaces, ASCII, UTF-8, no trailing newline: two machines that index
the same chain write the same bytes. A file is checked by parsing it and writing it canonically again,
so a pretty-printed copy of a statement still matches its published hash."""

from __future__ import annotations

import csv
import io
import json

from eth_utils import keccak

from servicecoin.errors import ConfigError

CSV_COLUMNS = ["period", "currency", "role", "address", "issued_points", "issued_value", "redeemed_points",
               "redeemed_value", "breakage_points", "breakage_value", "net"]


def canonical(statement: dict) -> bytes:
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def statement_hash(statement: dict) -> bytes:
    return keccak(canonical(statement))


def load(path) -> dict:
    try:
        data = json.loads(open(path, "rb").read())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a statement file ({exc})") from None
    if not isinstance(data, dict) or data.get("kind") != "servicecoin.settlement.statement":
        raise ConfigError(f"{path}: not a settlement statement (svc settlement statement --json)")
    return data


def parties(statement: dict) -> list[str]:
    """Who must acknowledge: every merchant of the statement, by address."""
    return [m["address"] for m in statement["merchants"]]


def to_csv(statement: dict) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    rows = [("clearing house", statement["clearing_house"])] + [("merchant", m) for m in statement["merchants"]]
    for role, r in rows:
        w.writerow([statement["period"]["label"], statement["currency"], role] + [r[c] for c in CSV_COLUMNS[3:]])
    w.writerow([])
    w.writerow(["transfer_from", "transfer_to", "amount", "currency"])
    for t in statement["transfers"]:
        w.writerow([t["from"], t["to"], t["amount"], statement["currency"]])
    return out.getvalue()
