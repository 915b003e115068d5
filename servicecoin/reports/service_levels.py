"""Service levels from the service log: time to first reply and to resolution (median, p90, share within the
operator's target), complaints per 1,000 tickets, follow-up call coverage and satisfaction after the call,
and the average rating per month — overall, per channel and per agent (sending key) or per team.

Times are the help desk's event times committed in the records (`time` of a packed or anchored record), not
block times: a batch sent hours later measures the queue, not the service. A record without an event time
(single records, or time 0) falls back to its block time, and the report counts those.

The same figures come from two sources: the index (`from_index`, what the report normally reads) and the
chain alone (`from_chain`, every log version read over RPC like `svc verify-log`; `--verify`). Anchored
records count only where the operator holds their batch files and each record leads to its root on chain.

Percentiles interpolate linearly between the two nearest values (numpy's default, Excel's PERCENTILE.INC);
the median is the 50th percentile. A ticket belongs to the agent who sent its first reply, else the one who
resolved it, else the one who opened it; its channel is the opening record's (else the first record's that
names one).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from servicecoin.errors import ConfigError
from servicecoin.reports.dates import month, months_between
from servicecoin.reports.export import utc
from servicecoin.servicelog import merkle
from servicecoin.servicelog.packed import Channel, unpack
from servicecoin.statement import parse_window

OPENED, REPLY, RESOLVED, FOLLOWUP, COMPLAINT, FEEDBACK = range(6)
SATISFIED, UNSATISFIED = 2, 3
CHANNELS = [c.name.lower().replace("_", " ").replace("email", "e-mail") for c in Channel]  # by Channel value
NO_TEAM = "no team"


@dataclass
class Rec:
    """What a service-level figure needs of one record."""

    seq: int
    kind: int
    ticket: str
    agent: str  # lower case
    detail: int
    block_time: int
    channel: int = 0
    time: int = 0  # the help desk's event time (0: unknown)

    @property
    def when(self) -> int:
        return self.time or self.block_time


@dataclass
class Settings:
    first_reply_target: int = 4 * 3600
    resolution_target: int = 3 * 86_400
    low_rating: int = 2  # followups.low_rating: feedback at or below makes a ticket important
    by: str = "agent"  # or "team"
    teams: dict[str, str] = field(default_factory=dict)  # lower-case key → team
    public: bool = False

    @classmethod
    def from_config(cls, config: dict | None, first_reply: str | None = None, resolution: str | None = None,
                    by: str | None = None, teams_file: str | None = None, public: bool = False) -> "Settings":
        section = (config or {}).get("service_levels") or {}
        s = cls(public=public, low_rating=int(((config or {}).get("followups") or {}).get("low_rating", 2)))
        where = "servicecoin.yaml service_levels."
        if first_reply or "first_reply_target" in section:
            s.first_reply_target = parse_window(first_reply or section["first_reply_target"],
                                                "--first-reply-target" if first_reply else where + "first_reply_target")
        if resolution or "resolution_target" in section:
            s.resolution_target = parse_window(resolution or section["resolution_target"],
                                               "--resolution-target" if resolution else where + "resolution_target")
        s.by = by or section.get("by", "agent")
        if s.by not in ("agent", "team"):
            raise ConfigError(f"{where}by: '{s.by}' is not agent or team")
        teams = section.get("teams") or {}
        if teams_file:
            import yaml

            try:
                teams = (yaml.safe_load(Path(teams_file).read_text()) or {}).get("teams", {})
            except (OSError, yaml.YAMLError, AttributeError) as exc:
                raise ConfigError(f"{teams_file}: not a teams file ({exc})") from None
        s.teams = team_map(teams, teams_file or where + "teams")
        if s.by == "team" and not s.teams:
            raise ConfigError(f"--by team needs teams: set {where}teams or give --teams FILE")
        return s


def team_map(teams, where: str) -> dict[str, str]:
    """{team: [keys]} → {lower-case key: team}; a key in two teams is an error."""
    if not isinstance(teams, dict):
        raise ConfigError(f"{where}: teams must map a team name to a list of agent keys")
    out: dict[str, str] = {}
    for team, keys in teams.items():
        for key in keys or []:
            # YAML reads an unquoted 0x… address as a hexadecimal number: take it back as the address it was
            k = f"0x{key:040x}" if isinstance(key, int) and not isinstance(key, bool) else str(key).strip().lower()
            if not (k.startswith("0x") and len(k) == 42):
                raise ConfigError(f"{where}: '{key}' (team {team}) is not an agent key")
            if k in out and out[k] != str(team):
                raise ConfigError(f"{where}: key {key} is in teams {out[k]} and {team}")
            out[k] = str(team)
    return out


# =====================================================================================
# Sources: the index, or the chain alone
# =====================================================================================

@dataclass
class Source:
    """The records a report is computed from, and where in the chain they stop."""

    records: list[Rec]
    from_block: int
    to_block: int
    head: str  # the log's head after the last record read
    count: int  # the log's record count at to_block
    anchored: dict  # anchored records: on chain, held (leading to their roots), counted
    timed_by_block: int = 0


def _held(folder: Path | None, roots: dict[int, tuple[int, bytes]]) -> tuple[list[Rec], int]:
    """The anchored records the operator holds (batch files in `folder`) that lead to a root on chain
    (`roots`: first seq → (count, root)); and how many held records did not."""
    out, bad = [], 0
    for path in sorted(folder.glob("*-*.json")) if folder and folder.is_dir() else []:
        try:
            batch = json.loads(path.read_text())
            first, packed = int(batch["first_seq"]), [bytes.fromhex(p[2:]) for p in batch["records"]]
        except (ValueError, KeyError, TypeError):
            continue
        count, root = roots.get(first, (None, None))
        if count != len(packed) or merkle.root([merkle.leaf(p) for p in packed]) != root:
            bad += len(packed)
            continue
        for i, p in enumerate(packed):
            kind, channel, detail, ticket, _customer, _c, _ref, time = unpack(p)
            out.append(Rec(first + i, kind, str(ticket), str(batch.get("agent", "")).lower(), detail,
                           int(batch.get("timestamp", 0)), channel, time))
    return out, bad


def _anchored(roots: dict[int, tuple[int, bytes]], held: list[Rec], bad: int) -> dict:
    on_chain = sum(c for c, _ in roots.values())
    return {"batches": len(roots), "on_chain": on_chain, "held": len(held), "not_held": on_chain - len(held),
            "held_not_matching": bad}


def from_index(db, anchored_folder: Path | None = None) -> Source:
    """The records as the index holds them, up to its cursor."""
    rows = db.query("SELECT seq, kind, ticket, agent, detail, record_ts, channel, event_time, head FROM "
                    "service_records ORDER BY seq")
    records = [Rec(int(s), int(k), str(t), str(a).lower(), int(d), int(ts), int(c), int(e))
               for s, k, t, a, d, ts, c, e, _h in rows]
    anchors = db.query("SELECT first_seq, count, root, head FROM service_anchors ORDER BY first_seq")
    roots = {int(f): (int(c), bytes.fromhex(str(r)[2:])) for f, c, r, _h in anchors}
    ends = [(int(s), str(h)) for s, *_x, h in rows if h] + [(int(f) + int(c) - 1, str(h)) for f, c, _r, h in anchors]
    last_seq, head = max(ends, default=(0, "0x" + "00" * 24))
    head = head[:50]  # bytes24 (the index keeps it as a padded bytes32 word)
    held, bad = _held(anchored_folder, roots)
    start = db.query("SELECT MIN(block) FROM service_records")[0][0]
    return Source(records + held, int(start or 0), int(db.meta("cursor") or 0), head, last_seq,
                  _anchored(roots, held, bad))


def from_chain(chain, log, to_block: int, anchored_folder: Path | None = None) -> tuple[Source, object]:
    """Every record of every log version up to `to_block`, read from the node (no index), and the audit of
    their hash chain against the log's head and count at that block (servicelog.audit)."""
    from servicecoin.servicelog import fetch_records, log_versions, verify
    from servicecoin.servicelog.lineage import previous_of
    from servicecoin.servicelog.records import ANCHOR

    versions = log_versions(chain, log)
    raw = []
    for i, v in enumerate(versions):
        until = previous_of(versions[i + 1])[2] if i + 1 < len(versions) else None
        raw += [r for r in fetch_records(chain, v, to_block=to_block) if until is None or r.last_seq <= until]
    head, count = log.functions.state().call(block_identifier=to_block)
    audit = verify(raw, bytes(head), int(count))
    roots = {r.seq: (r.count, bytes(r.root)) for r in raw if r.form == ANCHOR}
    records = [Rec(r.seq, r.kind, str(r.ticket), r.agent.lower(), r.detail, r.timestamp, r.channel, r.time)
               for r in raw if r.form != ANCHOR]
    held, bad = _held(anchored_folder, roots)
    return Source(records + held, min((r.block for r in raw), default=0), to_block, "0x" + bytes(head).hex(), int(count),
                  _anchored(roots, held, bad)), audit


# =====================================================================================
# Figures
# =====================================================================================

def percentile(values: list[int], p: float) -> float | None:
    """The p-th percentile (0..100) of `values`, linear between the nearest ranks; None for no values."""
    if not values:
        return None
    xs = sorted(values)
    at = (len(xs) - 1) * p / 100
    lo, hi = math.floor(at), math.ceil(at)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (at - lo))


def _times(values: list[int], target: int) -> dict:
    within = sum(1 for v in values if v <= target)
    return {"count": len(values), "median_s": percentile(values, 50), "p90_s": percentile(values, 90),
            "target_s": target, "within_target": within,
            "share_within_target": round(within / len(values), 4) if values else None}


def tickets_of(records: list[Rec]) -> tuple[dict[str, dict], int]:
    """Per ticket: opened, first reply and resolution times, owner agent, channel, complaints, rating, calls;
    and the count of records on tickets never opened (left out)."""
    tickets: dict[str, dict] = {}
    stray = 0
    for r in sorted(records, key=lambda r: r.seq):
        t = tickets.get(r.ticket)
        if r.kind == OPENED and t is None:
            tickets[r.ticket] = {"opened": r.when, "opener": r.agent, "channel": r.channel, "first_reply": None,
                                 "replier": None, "resolved": None, "resolver": None, "complaints": 0, "rating": None,
                                 "rated_at": None, "calls": []}
            continue
        if t is None:
            stray += 1
            continue
        if not t["channel"] and r.channel:
            t["channel"] = r.channel
        if r.kind == REPLY and t["first_reply"] is None:
            t["first_reply"], t["replier"] = r.when, r.agent
        elif r.kind == RESOLVED and t["resolved"] is None:
            t["resolved"], t["resolver"] = r.when, r.agent
        elif r.kind == COMPLAINT:
            t["complaints"] += 1
        elif r.kind == FEEDBACK:
            t["rating"], t["rated_at"] = r.detail, r.when
        elif r.kind == FOLLOWUP:
            t["calls"].append(r.detail)
    return tickets, stray


def figures(tickets: list[dict], s: Settings, months: list[str]) -> dict:
    """The figures of one group of tickets."""
    first = [t["first_reply"] - t["opened"] for t in tickets if t["first_reply"] is not None]
    resolution = [t["resolved"] - t["opened"] for t in tickets if t["resolved"] is not None]
    complaints = sum(t["complaints"] for t in tickets)
    important = [t for t in tickets if t["resolved"] is not None
                 and (t["complaints"] or (t["rating"] is not None and t["rating"] <= s.low_rating))]
    called = [t for t in important if t["calls"]]
    outcomes = [o for t in tickets for o in t["calls"]]
    satisfied, unsatisfied = outcomes.count(SATISFIED), outcomes.count(UNSATISFIED)
    by_month: dict[str, list[int]] = {}
    for t in tickets:
        if t["rating"] is not None:
            by_month.setdefault(month(t["rated_at"]), []).append(t["rating"])
    ratings = [r for v in by_month.values() for r in v]
    n = len(tickets)
    return {
        "tickets": n,
        "first_reply": _times(first, s.first_reply_target),
        "resolution": _times(resolution, s.resolution_target),
        "complaints": complaints,
        "complaints_per_1000": round(complaints * 1000 / n, 1) if n else None,
        "follow_up": {"important_resolved": len(important), "called": len(called),
                      "coverage": round(len(called) / len(important), 4) if important else None,
                      "calls": len(outcomes), "satisfied": satisfied, "unsatisfied": unsatisfied,
                      "satisfaction": round(satisfied / (satisfied + unsatisfied), 4) if satisfied + unsatisfied
                      else None},
        "ratings": {"count": len(ratings), "average": round(sum(ratings) / len(ratings), 3) if ratings else None,
                    "trend": {m: round(sum(by_month[m]) / len(by_month[m]), 3) if m in by_month else None
                              for m in months}},
    }


def _owner(t: dict) -> str:
    return t["replier"] or t["resolver"] or t["opener"]


def group_labels(tickets: dict[str, dict], s: Settings) -> dict[str, str]:
    """Each owner key's label: its team (--by team), or the key; in the public report agents are numbered in
    the order they first appear in the log ('agent 1', …), never shown by key."""
    keys = []
    for t in tickets.values():
        if _owner(t) not in keys:
            keys.append(_owner(t))
    if s.by == "team":
        return {k: s.teams.get(k, NO_TEAM) for k in keys}
    if s.public:
        return {k: f"agent {i}" for i, k in enumerate(keys, start=1)}
    return {k: k for k in keys}


def service_levels(src: Source, s: Settings) -> dict:
    """The whole report from `src` (the index or the chain): the same function for both, so `--verify`
    compares like with like."""
    tickets, stray = tickets_of(src.records)
    stamps = [t["rated_at"] for t in tickets.values() if t["rated_at"] is not None]
    months = months_between(month(min(stamps)), month(max(stamps))) if stamps else []
    by_channel: dict[str, list[dict]] = {}
    for t in tickets.values():
        by_channel.setdefault(CHANNELS[t["channel"]] if t["channel"] < len(CHANNELS) else "unknown", []).append(t)
    labels = group_labels(tickets, s)
    by_group: dict[str, list[dict]] = {}
    for t in tickets.values():
        by_group.setdefault(labels[_owner(t)], []).append(t)
    untimed = sum(1 for r in src.records if not r.time)
    return {
        "from_block": src.from_block, "to_block": src.to_block, "log_head": src.head, "log_count": src.count,
        "targets": {"first_reply_s": s.first_reply_target, "resolution_s": s.resolution_target},
        "by": s.by, "public": s.public,
        "records": {"counted": len(src.records), "timed_by_block": untimed, "on_tickets_never_opened": stray,
                    "anchored": src.anchored},
        "overall": figures(list(tickets.values()), s, months),
        "channels": {c: figures(by_channel[c], s, months) for c in CHANNELS if c in by_channel},
        "groups": {g: figures(v, s, months) for g, v in sorted(by_group.items())},
    }


def differences(a, b, path: str = "") -> list[str]:
    """Where two reports differ, as 'path: index value ≠ chain value' lines."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            out += differences(a.get(k), b.get(k), f"{path}.{k}" if path else str(k))
        return out
    return [] if a == b else [f"{path}: {a} ≠ {b}"]


FIGURES = ("log_head", "log_count", "records", "overall", "channels", "groups")


def verify_report(report: dict, chain_report: dict, audit) -> dict:
    """Compare the figures computed from the index with those recomputed from the chain alone."""
    diffs = differences({k: report[k] for k in FIGURES}, {k: chain_report[k] for k in FIGURES})
    return {"matches": not diffs and audit.valid, "differences": diffs, "log_audit": audit.summary().splitlines()[0],
            "log_valid": audit.valid}


def stamp(report: dict, as_of: int) -> dict:
    """The report's as-of time (the block time of to_block), as a number and as UTC ISO-8601 text."""
    return {**report, "as_of": as_of, "as_of_utc": utc(as_of)}


def report(network: str, db, s: Settings, chain=None, verify: bool = False, charts_dir=None,
           anchored_folder: Path | None = None, log=None) -> dict:
    """`svc report service-levels`: the figures from the index; with `verify`, recomputed from the chain alone
    (every log version over RPC, at the index's block) and compared; with `charts_dir`, charts and a page."""
    from servicecoin.index.ledger import indexed_now
    from servicecoin.paths import data_dir

    folder = anchored_folder if anchored_folder is not None else data_dir(network) / "anchored"
    data = stamp(service_levels(from_index(db, folder), s), indexed_now(db))
    if verify:
        from servicecoin.chain import connect
        from servicecoin.servicelog import log_contract

        chain = chain or connect(network)
        src, audit = from_chain(chain, log or log_contract(chain), data["to_block"], folder)
        data["verify"] = verify_report(data, service_levels(src, s), audit)
    if charts_dir:
        from servicecoin.reports.service_levels_view import write_charts

        data["charts"] = {k: str(v) for k, v in write_charts(charts_dir, data).items()}
    return data
