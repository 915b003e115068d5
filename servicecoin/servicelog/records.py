"""The service log on chain: append records, sign and relay feedback, verify the hash chain.

The chain encoding is the one documented in interfaces/IServiceLog.sol:
head_n = first 24 bytes of keccak256(abi.encode(head_{n-1} (bytes24), seq, kind, ticket, customer,
agent, commitment, detail, ref, timestamp)). `verify` recomputes it from the `Recorded` events, whose
`info` word packs seq, timestamp, ref, detail and kind (`unpack_info`).
"""

from __future__ import annotations

import csv
import time
from dataclasses import asdict, dataclass
from enum import IntEnum
from pathlib import Path
from typing import Callable

from eth_abi import encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from servicecoin.account import checksum
from servicecoin.chain import Chain
from servicecoin.contentstore import ContentStore
from servicecoin.eip712 import sign_typed, typed_data
from servicecoin.errors import ChainError, ConfigError, ServiceCoinError

CONTRACT = "ServiceLog"
ZERO_HEAD = b"\0" * 24
ZERO32 = b"\0" * 32
DOMAIN_NAME = "ServiceCoin Log"
DOMAIN_VERSION = "1"
LOG_CHUNK = 5_000  # blocks per eth_getLogs request


class Kind(IntEnum):
    OPENED = 0
    REPLY = 1
    RESOLVED = 2
    FOLLOWUP = 3
    COMPLAINT = 4
    FEEDBACK = 5
    AMENDMENT = 6

    @classmethod
    def parse(cls, text: str, where: str = "") -> "Kind":
        aliases = {"open": "opened", "resolve": "resolved", "follow-up": "followup", "amend": "amendment"}
        key = aliases.get(text.strip().lower(), text.strip().lower())
        try:
            return cls[key.upper()]
        except KeyError:
            raise ConfigError(f"{where}unknown record kind '{text}' (known: {', '.join(k.name.lower() for k in cls)})") from None


class Outcome(IntEnum):
    REACHED = 0
    NOT_REACHED = 1
    SATISFIED = 2
    UNSATISFIED = 3

    @classmethod
    def parse(cls, text: str, where: str = "") -> "Outcome":
        try:
            return cls[text.strip().upper().replace("-", "_").replace(" ", "_")]
        except KeyError:
            known = ", ".join(o.name.lower().replace("_", "-") for o in cls)
            raise ConfigError(f"{where}unknown follow-up outcome '{text}' (known: {known})") from None


STATUS = {0: "none", 1: "open", 2: "resolved"}


@dataclass
class Record:
    """One `Recorded` event: every field the hash chain covers, plus the head the contract emitted."""

    seq: int
    kind: int
    ticket: int
    customer: str
    agent: str
    commitment: bytes
    detail: int
    ref: int
    timestamp: int
    head: bytes
    block: int = 0
    tx: str = ""

    def to_json(self) -> dict:
        d = asdict(self)
        d["kind"] = Kind(self.kind).name.lower()
        d["commitment"] = "0x" + self.commitment.hex()
        d["head"] = "0x" + self.head.hex()
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Record":
        kind = d["kind"]
        return cls(
            seq=int(d["seq"]), kind=int(Kind.parse(kind) if isinstance(kind, str) else kind), ticket=int(d["ticket"]),
            customer=d["customer"], agent=d["agent"], commitment=_bytes(d["commitment"]), detail=int(d["detail"]),
            ref=int(d["ref"]), timestamp=int(d["timestamp"]), head=_bytes(d["head"]), block=int(d.get("block", 0)),
            tx=d.get("tx", ""),
        )


def _bytes(value) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)


def next_head(prev: bytes, r: Record) -> bytes:
    """The head after record `r` (see interfaces/IServiceLog.sol)."""
    data = encode(
        ["bytes24", "uint64", "uint8", "uint256", "address", "address", "bytes32", "uint8", "uint64", "uint64"],
        [prev, r.seq, r.kind, r.ticket, r.customer, r.agent, r.commitment, r.detail, r.ref, r.timestamp],
    )
    return keccak(data)[:24]


# ---------------------------------------------------------------------------- verification
@dataclass
class Verification:
    ok: bool
    count: int  # records checked
    head: str  # on-chain head
    onchain_count: int
    first_bad_seq: int | None = None
    reason: str = ""

    def summary(self) -> str:
        if self.ok:
            return f"OK: {self.count} records, head {self.head}"
        where = f" at record {self.first_bad_seq}" if self.first_bad_seq is not None else ""
        return f"BROKEN{where}: {self.reason}"


def verify(records: list[Record], head: bytes, count: int) -> Verification:
    """Recompute the chain over `records` (in order from seq 1) and compare with the on-chain state."""
    h = ZERO_HEAD
    shown = "0x" + head.hex()
    for expected, r in enumerate(records, start=1):
        if r.seq != expected:
            return Verification(False, expected - 1, shown, count, expected,
                                f"record {expected} is missing (next record found is {r.seq})")
        h = next_head(h, r)
        if h != r.head:
            return Verification(False, expected - 1, shown, count, r.seq,
                                f"recomputed head 0x{h.hex()} differs from the recorded 0x{r.head.hex()}")
    if len(records) != count:
        first = len(records) + 1 if len(records) < count else count + 1
        return Verification(False, len(records), shown, count, first,
                            f"{len(records)} records found, the contract counts {count}")
    if h != head:
        return Verification(False, len(records), shown, count, count or None,
                            f"recomputed head 0x{h.hex()} differs from the on-chain head {shown}")
    return Verification(True, len(records), shown, count)


def log_contract(chain: Chain, address: str | None = None):
    return chain.contract(CONTRACT, address)


def start_block(chain: Chain, log) -> int:
    """Where the log's events start: the deployment's block when `log` is the deployed one, else 0."""
    try:
        record = chain.deployment()
    except ServiceCoinError:
        return 0
    if record.get("contracts", {}).get(CONTRACT) != log.address:
        return 0
    return int(record.get("block", 0))  # taken after the deployment, before any record


_U64 = (1 << 64) - 1


def unpack_info(info: int) -> dict[str, int]:
    """The small fields a `Recorded` event packs into its `info` word (see interfaces/IServiceLog.sol)."""
    info = int(info)
    return {"seq": info & _U64, "timestamp": (info >> 64) & _U64, "ref": (info >> 128) & _U64,
            "detail": (info >> 192) & 0xFF, "kind": (info >> 200) & 0xFF}


def record_from_args(a, block: int = 0, tx: str = "") -> Record:
    """A `Recorded` event's decoded arguments (web3 or brownie) as a Record."""
    return Record(ticket=int(a["ticket"]), customer=checksum(str(a["customer"])), agent=checksum(str(a["agent"])),
                  commitment=_bytes(a["commitment"]), head=_bytes(a["head"]), block=block, tx=tx,
                  **unpack_info(a["info"]))


def _event_record(ev) -> Record:
    return record_from_args(ev["args"], ev["blockNumber"], "0x" + bytes(ev["transactionHash"]).hex())


def fetch_records(chain: Chain, log, from_block: int = 0, to_block: int | None = None) -> list[Record]:
    """Every `Recorded` event of `log`, in chain order, fetched in block ranges."""
    to_block = chain.w3.eth.block_number if to_block is None else to_block
    out: list[Record] = []
    start = from_block
    while start <= to_block:
        end = min(start + LOG_CHUNK - 1, to_block)
        events = log.events.Recorded().get_logs(from_block=start, to_block=end)
        out.extend(_event_record(e) for e in events)
        start = end + 1
    out.sort(key=lambda r: r.seq)
    return out


def verify_log(chain: Chain, log=None, records: list[Record] | None = None) -> Verification:
    """Verify `records` (default: every event on chain) against the log's on-chain head and count."""
    log = log or log_contract(chain)
    head, count = log.functions.state().call()
    if records is None:
        records = fetch_records(chain, log, start_block(chain, log))
    return verify(records, bytes(head), count)


@dataclass
class ContentCheck:
    matching: int = 0
    erased: int = 0
    missing: int = 0
    mismatched: list[int] | None = None


def check_contents(store: ContentStore, log_address: str, records: list[Record]) -> ContentCheck:
    """Compare the local texts with the commitments on chain: tampered text shows as a mismatch."""
    result = ContentCheck(mismatched=[])
    for r in records:
        if r.commitment == ZERO32:
            continue
        content = store.get(log_address, r.seq)
        if content is None:
            result.missing += 1
        elif content.erased:
            result.erased += 1
        elif content.matches(r.commitment):
            result.matching += 1
        else:
            result.mismatched.append(r.seq)
    return result


# ---------------------------------------------------------------------------- appending
@dataclass
class Entry:
    """A record to append, with its text (kept off chain) and the fields the contract checks."""

    kind: Kind
    ticket: int
    customer: str
    text: str | None = None
    detail: int = 0  # follow-up outcome
    ref: int = 0  # amended seq

    def call_args(self, commitment: bytes) -> tuple:
        return (int(self.kind), int(self.detail), int(self.ref), int(self.ticket), self.customer, commitment)


@dataclass
class Appended:
    seq: int
    kind: str
    ticket: int
    customer: str
    commitment: str
    tx: str
    gas: int
    reward_due: int = 0
    reward_paid: int = 0


def _commit(store: ContentStore | None, log_address: str, text: str | None) -> bytes:
    if not text:
        return ZERO32
    if store is None:
        raise ConfigError("a record with text needs a content store")
    return store.put(log_address, text)


def _results(chain: Chain, log, receipt, store: ContentStore | None) -> list[Appended]:
    rewards = {e["args"]["seq"]: e["args"] for e in log.events.Rewarded().process_receipt(receipt, errors=_DISCARD)}
    out = []
    for ev in log.events.Recorded().process_receipt(receipt, errors=_DISCARD):
        r = _event_record(ev)
        if store is not None and r.commitment != ZERO32:
            store.assign(log.address, r.commitment, r.seq)
        paid = rewards.get(r.seq)
        out.append(Appended(r.seq, Kind(r.kind).name.lower(), r.ticket, r.customer, "0x" + r.commitment.hex(),
                            r.tx, receipt["gasUsed"], paid["due"] if paid else 0, paid["paid"] if paid else 0))
    return out


try:  # web3 7
    from web3.logs import DISCARD as _DISCARD
except ImportError:  # pragma: no cover
    _DISCARD = None


def append(chain: Chain, entry: Entry, store: ContentStore | None = None, sender="agent", log=None) -> Appended:
    """Append one agent record (its text goes to the content store first)."""
    log = log or log_contract(chain)
    entry.customer = checksum(entry.customer)
    commitment = _commit(store, log.address, entry.text)
    receipt = chain.transact(log.functions.append(entry.call_args(commitment)), sender)
    return _results(chain, log, receipt, store)[0]


def append_batch(chain: Chain, entries: list[Entry], store: ContentStore | None = None, sender="agent",
                 batch_size: int = 100, log=None, progress: Callable[[int], None] | None = None) -> list[Appended]:
    """Append many agent records, `batch_size` per transaction, in order."""
    log = log or log_contract(chain)
    for e in entries:
        e.customer = checksum(e.customer)
    pairs = [(e, _commit(store, log.address, e.text)) for e in entries]
    return _send_batches(chain, log, pairs, sender, store, batch_size, progress)


def _send_batches(chain: Chain, log, pairs: list[tuple[Entry, bytes]], sender, store: ContentStore | None,
                  batch_size: int, progress: Callable[[int], None] | None) -> list[Appended]:
    """Send (entry, commitment) pairs `batch_size` per appendBatch transaction, each mined before the next."""
    out: list[Appended] = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start:start + batch_size]
        receipt = chain.transact(log.functions.appendBatch([e.call_args(c) for e, c in chunk]), sender)
        out.extend(_results(chain, log, receipt, store))
        if progress:
            progress(len(chunk))
    return out


@dataclass
class FileAppend:
    """What `append_file` did: records appended now, and records of the file already on chain."""

    appended: list[Appended]
    already: int
    batch: str


def append_file(chain: Chain, path: Path | str, store: ContentStore, sender="agent", batch_size: int = 100,
                log=None, progress: Callable[[int], None] | None = None, settle_timeout: float = 120) -> FileAppend:
    """Append the records of a batch CSV exactly once, however often it is run.

    The file is identified by the keccak of its bytes. Before anything is sent, every line gets a salted
    commitment kept in the content store with the line's number and the block it was prepared at, so a
    rerun sends the same commitments and finds on chain (Recorded events since then) the lines an
    interrupted run already appended, and sends only the others, in order. A rerun first waits until no
    transaction of the sender is pending, so a record in flight is found rather than sent twice. Every
    record of a batch file carries a commitment, an empty text included, since that is what identifies it.
    """
    log = log or log_contract(chain)
    account = chain.account(sender) if isinstance(sender, str) else sender
    raw = Path(path).read_bytes()
    entries = read_batch_csv(path)
    batch = keccak(raw)
    prepared = store.batch_lines(log.address, batch)
    head = chain.w3.eth.block_number
    commitments = []
    for line, e in enumerate(entries):
        e.customer = checksum(e.customer)
        found = prepared.get(line)
        commitments.append(found[0] if found else store.put_batch_line(log.address, batch, line, e.text or "", head))
    unconfirmed = [line for line in prepared if store.seq_of(log.address, prepared[line][0]) is None]
    if unconfirmed:  # an earlier run prepared these lines and may have sent them
        _settle(chain, account.address, settle_timeout)
        wanted = {prepared[line][0] for line in unconfirmed}
        for r in fetch_records(chain, log, min(prepared[line][1] for line in unconfirmed)):
            if r.commitment in wanted:
                store.assign(log.address, r.commitment, r.seq)
    todo = [(e, c) for e, c in zip(entries, commitments) if store.seq_of(log.address, c) is None]
    already = len(entries) - len(todo)
    if progress and already:
        progress(already)
    out = _send_batches(chain, log, todo, account, store, batch_size, progress)
    return FileAppend(out, already, "0x" + batch.hex())


def _settle(chain: Chain, address: str, timeout: float) -> None:
    """Wait until no transaction of `address` is pending (mined or gone), or refuse to go on."""
    deadline = time.monotonic() + timeout
    while chain.w3.eth.get_transaction_count(address, "pending") > chain.w3.eth.get_transaction_count(address):
        if time.monotonic() > deadline:
            raise ChainError(f"{address} still has pending transactions after {timeout:.0f}s; an earlier run's "
                             "records may be in flight, so nothing was sent: rerun once they are mined or dropped")
        time.sleep(1)


# ---------------------------------------------------------------------------- feedback
FEEDBACK_FIELDS = [("ticket", "uint256"), ("rating", "uint8"), ("commitment", "bytes32"), ("deadline", "uint256")]


def feedback_typed_data(chain_id: int, log_address: str, ticket: int, rating: int, commitment: bytes,
                        deadline: int) -> dict:
    """The EIP-712 message a customer signs (what MetaMask's eth_signTypedData_v4 shows)."""
    return typed_data("Feedback", FEEDBACK_FIELDS, DOMAIN_NAME, DOMAIN_VERSION, chain_id, log_address,
                      {"ticket": ticket, "rating": rating, "commitment": commitment, "deadline": deadline})


def sign_feedback(account: LocalAccount, chain_id: int, log_address: str, ticket: int, rating: int,
                  commitment: bytes, deadline: int) -> bytes:
    """The customer's 65-byte EIP-712 signature of a feedback."""
    data = feedback_typed_data(chain_id, log_address, ticket, rating, commitment, deadline)
    return bytes(sign_typed(account.key, data).signature)


def check_rating(rating: int) -> int:
    if not 1 <= int(rating) <= 5:
        raise ConfigError(f"rating {rating} is not between 1 and 5")
    return int(rating)


def give_feedback(chain: Chain, customer: LocalAccount, ticket: int, rating: int, text: str | None = None,
                  store: ContentStore | None = None, relayer: LocalAccount | str | None = "relayer",
                  deadline_seconds: int = 3600, log=None) -> Appended:
    """Customer feedback: signed by the customer and relayed (gasless), or sent directly if relayer is None."""
    log = log or log_contract(chain)
    rating = check_rating(rating)
    commitment = _commit(store, log.address, text)
    if relayer is None:
        receipt = chain.transact(log.functions.giveFeedback(ticket, rating, commitment), customer)
    else:
        deadline = chain.w3.eth.get_block("latest")["timestamp"] + deadline_seconds
        signature = sign_feedback(customer, chain.chain_id, log.address, ticket, rating, commitment, deadline)
        receipt = chain.transact(log.functions.giveFeedbackBySig(ticket, rating, commitment, deadline, signature),
                                 relayer)
    return _results(chain, log, receipt, store)[0]


# ---------------------------------------------------------------------------- reading
def show(chain: Chain, seq: int, store: ContentStore | None = None, log=None) -> dict:
    """Record `seq` with its text and whether the text still matches the commitment."""
    log = log or log_contract(chain)
    count = log.functions.count().call()
    if not 1 <= seq <= count:
        raise ServiceCoinError(f"log {log.address}: no record {seq} (the log has {count})")
    record = next((r for r in fetch_records(chain, log, start_block(chain, log)) if r.seq == seq), None)
    if record is None:
        raise ServiceCoinError(f"log {log.address}: record {seq} has no event in the node's history")
    data = record.to_json()
    if record.kind == Kind.FOLLOWUP:
        data["outcome"] = Outcome(record.detail).name.lower().replace("_", "-")
    if record.kind == Kind.FEEDBACK:
        data["rating"] = record.detail
    content = store.get(log.address, seq) if store else None
    if record.commitment == ZERO32:
        data.update(text=None, content="none")
    elif content is None:
        data.update(text=None, content="missing")
    elif content.erased:
        data.update(text=None, content="erased")
    else:
        data.update(text=content.text, content="matches" if content.matches(record.commitment) else "MISMATCH")
    customer, status, feedback, bonus = log.functions.ticketOf(record.ticket).call()
    data["ticket_status"] = STATUS[status]
    data["ticket_feedback_given"] = feedback
    return data


# ---------------------------------------------------------------------------- CSV batches
BATCH_COLUMNS = ("kind", "ticket", "customer", "text", "outcome", "ref")


def read_batch_csv(path: Path | str) -> list[Entry]:
    """Records from a CSV with columns kind,ticket,customer[,text,outcome,ref]; errors name file:line:field."""
    path = Path(path)
    try:
        fp = open(path, newline="", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    entries: list[Entry] = []
    with fp:
        reader = csv.DictReader(fp)
        missing = [c for c in ("kind", "ticket", "customer") if c not in (reader.fieldnames or [])]
        if missing:
            raise ConfigError(f"{path}:1: missing column(s) {', '.join(missing)}")
        for row in reader:
            line = reader.line_num
            where = f"{path}:{line}: "
            kind = Kind.parse(row["kind"] or "", where + "kind: ")
            if kind == Kind.FEEDBACK:
                raise ConfigError(f"{where}kind: feedback comes from the customer (svc log feedback), not a batch")
            try:
                ticket = int(row["ticket"])
            except (TypeError, ValueError):
                raise ConfigError(f"{where}ticket: '{row['ticket']}' is not a ticket number") from None
            if ticket <= 0:
                raise ConfigError(f"{where}ticket: must be positive")
            customer = checksum((row["customer"] or "").strip(), where + "customer: ")
            detail = 0
            outcome = (row.get("outcome") or "").strip()
            if kind == Kind.FOLLOWUP:
                if not outcome:
                    raise ConfigError(f"{where}outcome: a follow-up needs an outcome")
                detail = int(Outcome.parse(outcome, where + "outcome: "))
            elif outcome:
                raise ConfigError(f"{where}outcome: only follow-up records have an outcome")
            ref_text = (row.get("ref") or "").strip()
            ref = 0
            if kind == Kind.AMENDMENT:
                if not ref_text.isdigit() or int(ref_text) == 0:
                    raise ConfigError(f"{where}ref: an amendment needs the sequence number it corrects")
                ref = int(ref_text)
            elif ref_text:
                raise ConfigError(f"{where}ref: only amendments refer to an earlier record")
            entries.append(Entry(kind, ticket, customer, (row.get("text") or "").strip() or None, detail, ref))
    if not entries:
        raise ConfigError(f"{path}: no records")
    return entries


# ---------------------------------------------------------------------------- demo
def demo_step(chain: Chain, state: dict) -> None:
    """A ticket's whole life: open, reply, resolve, follow-up, then gasless feedback with its reward."""
    from servicecoin.token import fmt

    log = log_contract(chain)
    customer = chain.account("customer")
    token = chain.contract("RewardToken")
    with ContentStore.for_network(chain.network.id) as store:
        ticket = int(time.time() * 1000)
        print(f"\nservice log: ticket {ticket} for {customer.address}")
        steps = [
            Entry(Kind.OPENED, ticket, customer.address, "My card was charged twice for order 1042."),
            Entry(Kind.REPLY, ticket, customer.address, "Sorry about that, we are refunding the second charge."),
            Entry(Kind.RESOLVED, ticket, customer.address, "Duplicate charge refunded."),
            Entry(Kind.FOLLOWUP, ticket, customer.address, "Called back: refund arrived, customer happy.",
                  int(Outcome.SATISFIED)),
        ]
        for entry in steps:
            a = append(chain, entry, store)
            extra = f", bonus {fmt(a.reward_paid)} points" if a.reward_paid else ""
            print(f"  #{a.seq:<4} {a.kind:9s} gas {a.gas:>7,}{extra}")
        before = token.functions.balanceOf(customer.address).call()
        fb = give_feedback(chain, customer, ticket, 5, "Quick and friendly, thanks!", store, relayer="relayer")
        after = token.functions.balanceOf(customer.address).call()
        print(f"  #{fb.seq:<4} feedback  rating 5, signed by the customer, relayed by {chain.account('relayer').address}"
              f" (gas {fb.gas:,}); reward {fmt(fb.reward_paid)} points (balance {fmt(before)} → {fmt(after)})")
        result = verify_log(chain, log)
        print(f"  verify-log: {result.summary()}")
        if not result.ok:
            raise ServiceCoinError(f"service log does not verify: {result.summary()}")
    state["log_ticket"] = ticket


def deploy_log(chain: Chain, config: dict, token) -> str:
    """Deploy the ServiceLog, make it an issuer with its budget, and grant AGENT_ROLE to the agent key."""
    from servicecoin.deploy import grant_issuer, role_id
    from servicecoin.token import to_raw

    section = config.get("log") or {}
    try:
        reward = to_raw(section.get("feedback_reward", 0))
        bonus = to_raw(section.get("followup_bonus", 0))
        budget = int(section.get("budget", 0))
    except (ServiceCoinError, ValueError) as exc:
        raise ConfigError(f"servicecoin.yaml log: {exc}") from None
    admin = chain.account("deployer")
    address, _ = chain.deploy(CONTRACT, admin.address, token.address, reward, bonus)
    grant_issuer(chain, token, address, budget)
    log = log_contract(chain, address)
    chain.transact(log.functions.grantRole(role_id("AGENT_ROLE"), chain.account("agent").address), admin)
    return address
