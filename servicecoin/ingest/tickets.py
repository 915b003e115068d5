"""The service's own ticket state, and which queued events go into the next batch.

The chain checks the ticket rules only where rewards depend on them, so the service keeps each ticket's customer
and whether it is resolved, from the events it has sent. Choosing a batch (`plan`), in the help desk's time order:

- an event received less than `reorder_s` ago waits, and so does every later event of its ticket, so that a
  delivery that overtook an earlier one is put back in order;
- an event whose ticket has no "opened" yet is held; after `hold_s` it is parked (`unopened`: un-parked when the
  "opened" arrives, ingest.queue); later events of the ticket wait behind it;
- an event that breaks a rule (a second "opened", a resolution of a ticket that is not open, another customer
  than the ticket's) is parked (`rule`) with its reason, and the queue goes on;
- the batch stops at `max_records` or when its gas estimate reaches `gas_budget`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from servicecoin.servicelog.records import Kind

BASE_GAS = 60_000  # the transaction and the head's slot
GAS = {Kind.OPENED: 48_000, Kind.RESOLVED: 20_000, Kind.FOLLOWUP: 8_000}  # upper bounds per record
SATISFIED_GAS = 110_000  # a satisfied follow-up may mint the bonus
OTHER_GAS = 6_000
SATISFIED = 2
GAS_BUDGET = 12_000_000  # estimate × 1.2 + 20,000 stays under the 16,777,216 cap


def record_gas(kind: int, detail: int) -> int:
    if kind == Kind.FOLLOWUP and detail == SATISFIED:
        return SATISFIED_GAS
    return GAS.get(Kind(kind), OTHER_GAS)


@dataclass
class Ticket:
    customer: str
    resolved: bool = False


@dataclass
class Plan:
    take: list = field(default_factory=list)  # rows for the batch, in order
    park: list = field(default_factory=list)  # (event id, code, reason)
    gas: int = BASE_GAS


class TicketBook:
    """Ticket → Ticket of every event sent or confirmed."""

    def __init__(self):
        self.tickets: dict[int, Ticket] = {}

    def load(self, db) -> "TicketBook":
        self.tickets.clear()
        for ticket, kind, customer in db.execute(
                "SELECT ticket, kind, customer FROM events WHERE state IN ('sent', 'confirmed') ORDER BY n"):
            self.apply(ticket, kind, customer)
        return self

    def apply(self, ticket: int, kind: int, customer: str) -> None:
        if kind == Kind.OPENED:
            self.tickets[ticket] = Ticket(customer)
        elif kind == Kind.RESOLVED and ticket in self.tickets:
            self.tickets[ticket].resolved = True

    def rule_break(self, ticket: int, kind: int, customer: str) -> str | None:
        """Why an event of `ticket` cannot be recorded now (None: it can); the ticket is known."""
        known = self.tickets[ticket]
        if kind == Kind.OPENED:
            return f"ticket {ticket} is already opened"
        if customer != known.customer:
            return f"ticket {ticket} is customer {known.customer}'s, not {customer}'s"
        if kind == Kind.RESOLVED and known.resolved:
            return f"ticket {ticket} is already resolved"
        return None


def plan(rows: list[tuple], book: TicketBook, now: float, hold_s: float, reorder_s: float, max_records: int,
         gas_budget: int = GAS_BUDGET) -> Plan:
    """The next batch from queued `rows` (n, id, ticket, kind, customer, detail, received), sorted by help-desk
    time; `book` is updated as if the batch were sent."""
    out = Plan()
    waiting: set[int] = set()  # tickets with an earlier event still waiting
    for row in rows:
        _, event_id, ticket, kind, customer, detail, received = row
        if ticket in waiting:
            continue
        if received > now - reorder_s:
            waiting.add(ticket)
            continue
        if ticket not in book.tickets and kind != Kind.OPENED:
            if received <= now - hold_s:
                out.park.append((event_id, "unopened", f"ticket {ticket} has no \"opened\" event "
                                                       f"(held {hold_s:g} s)"))
            waiting.add(ticket)
            continue
        reason = book.rule_break(ticket, kind, customer) if ticket in book.tickets else None
        if reason:
            out.park.append((event_id, "rule", reason))
            continue
        gas = record_gas(kind, detail)
        if len(out.take) >= max_records or out.gas + gas > gas_budget:
            break
        out.take.append(row)
        out.gas += gas
        book.apply(ticket, kind, customer)
    return out
