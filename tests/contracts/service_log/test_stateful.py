"""Random interleavings of records (single and packed), feedback and signatures: the on-chain head always
equals the chain recomputed in Python from the events, and ticket state follows the rules.

Brownie 1.22's `state_machine` fixture is mypyc-compiled and refuses the machine classes it builds
("_BrownieStateMachine object expected"), so this drives hypothesis' RuleBasedStateMachine directly
with brownie's chain snapshots, as the fixture would.
"""

import brownie
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from tests.contracts.service_log.logkit import (AMENDMENT, COMPLAINT, FOLLOWUP, OPENED, REPLY, RESOLVED, ZERO32, chain_records, entry, signed)

from servicecoin.servicelog import ZERO_HEAD, next_head
from servicecoin.servicelog.packed import pack


TICKET = st.integers(1, 6)
WHO = st.integers(0, 2)
KIND = st.integers(0, 4)
DETAIL = st.integers(0, 3)
RATING = st.integers(1, 5)


class LogMachine(RuleBasedStateMachine):
    log = agent = customers = relayer = None

    def __init__(self):
        super().__init__()
        brownie.chain.snapshot()
        self.tickets = {}  # ticket -> [customer, status, feedback]
        self.count = 0

    def teardown(self):
        brownie.chain.revert()

    def _try(self, fn, *args):
        try:
            fn(*args)
            self.count += 1
            return True
        except brownie.exceptions.VirtualMachineError:
            return False

    @rule(ticket=TICKET, who=WHO)
    def rule_open(self, ticket, who):
        customer = self.customers[who]
        ok = self._try(lambda: self.log.append(entry(OPENED, ticket, customer), {"from": self.agent}))
        assert ok == (ticket not in self.tickets)
        if ok:
            self.tickets[ticket] = [customer, 1, False]

    @rule(ticket=TICKET, kind=KIND, detail=DETAIL)
    def rule_record(self, ticket, kind, detail):
        kind = [REPLY, RESOLVED, FOLLOWUP, COMPLAINT, AMENDMENT][kind]
        t = self.tickets.get(ticket)
        customer = t[0] if t else self.customers[0]
        e = entry(kind, ticket, customer, detail=detail if kind == FOLLOWUP else 0,
                  ref=self.count if kind == AMENDMENT else 0)
        ok = self._try(lambda: self.log.append(e, {"from": self.agent}))
        expected = t is not None and (kind != RESOLVED or t[1] == 1) and (kind != AMENDMENT or self.count > 0)
        assert ok == expected
        if ok and kind == RESOLVED:
            t[1] = 2

    @rule(batch=st.lists(st.tuples(TICKET, st.integers(0, 5), DETAIL, WHO), min_size=1, max_size=6))
    def rule_packed(self, batch):
        """A packed batch: all of it or nothing. Only Opened, Resolved and a satisfied follow-up are checked
        against the ticket on chain; the other kinds go through whatever ticket they name."""
        tickets = {k: list(v) for k, v in self.tickets.items()}
        records, ok, seq = [], True, self.count
        for ticket, k, detail, who in batch:
            kind = [OPENED, REPLY, RESOLVED, FOLLOWUP, COMPLAINT, AMENDMENT][k]
            seq += 1
            t = tickets.get(ticket)
            customer = t[0] if t and who == 0 else self.customers[who]
            detail = detail if kind == FOLLOWUP else 0
            ref = seq - 1 if kind == AMENDMENT else 0
            if kind == OPENED:
                ok = ok and t is None
                tickets[ticket] = [customer, 1, False]
            elif kind == RESOLVED:
                ok = ok and t is not None and t[0] == customer and t[1] == 1
                if t:
                    t[1] = 2
            elif kind == FOLLOWUP and detail == 2:
                ok = ok and t is not None and t[0] == customer
            elif kind == AMENDMENT:
                ok = ok and ref > 0
            c = brownie.web3.keccak(text=f"p-{seq}-{ticket}-{kind}")
            records.append(pack(kind, ticket, str(customer), bytes(c), detail, ref))
        try:
            self.log.appendPacked(b"".join(records), {"from": self.agent})
            sent = True
        except brownie.exceptions.VirtualMachineError:
            sent = False
        assert sent == ok
        if sent:
            self.tickets, self.count = tickets, seq

    @rule(ticket=TICKET, who=WHO, rating=RATING)
    def rule_feedback(self, ticket, who, rating):
        t = self.tickets.get(ticket)
        customer = self.customers[who]
        ok = self._try(lambda: self.log.giveFeedback(ticket, rating, ZERO32, {"from": customer}))
        assert ok == (t is not None and t[0] == customer and t[1] == 2 and not t[2])
        if ok:
            t[2] = True

    @rule(ticket=TICKET, who=WHO, rating=RATING)
    def rule_signed_feedback(self, ticket, who, rating):
        t = self.tickets.get(ticket)
        customer = self.customers[who]
        deadline, sig = signed(self.log, customer, ticket, rating)
        ok = self._try(lambda: self.log.giveFeedbackBySig(ticket, rating, ZERO32, deadline, sig, {"from": self.relayer}))
        assert ok == (t is not None and t[0] == customer and t[1] == 2 and not t[2])
        if ok:
            t[2] = True

    @invariant()
    def invariant_head_equals_python_chain(self):
        head, count = self.log.state()
        assert count == self.count
        h = ZERO_HEAD
        for r in chain_records(self.log):
            h = next_head(h, r)
            assert h == r.head or not r.head  # a packed batch emits the head after its last record only
        assert h == bytes(head)

    @invariant()
    def invariant_ticket_state(self):
        for ticket, (customer, status, feedback) in self.tickets.items():
            on_chain = self.log.ticketOf(ticket)
            assert on_chain[0] == customer and on_chain[1] == status and on_chain[2] == feedback


def test_stateful_log(log, agent, alice, bob, carol, stranger):
    LogMachine.log, LogMachine.agent, LogMachine.customers, LogMachine.relayer = log, agent, [alice, bob, carol], stranger
    run_state_machine_as_test(LogMachine, settings=settings(max_examples=15, stateful_step_count=15, deadline=None,
                                                                    suppress_health_check=list(HealthCheck)))
