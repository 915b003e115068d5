"""System invariants across RewardToken, ServiceLog and RedemptionVault together, wired as in production.

A hypothesis RuleBasedStateMachine (brownie chain snapshot per example; brownie 1.22's `state_machine`
fixture refuses the classes hypothesis builds) drives random sequences of: issuing (single and dust
batches, budgets running out), agents opening and resolving tickets, customers giving feedback
(rewarded by the log through its own budget), redeeming, fulfilling and refunding at the vault,
pausing and unpausing, time passing past expiry, and strangers trying to escalate their roles.

After every step it checks, against a Python model of every customer's lots (epoch, amount):
  - supply reconciles: issued − burned − expired == totalSupply == sum of live balances;
  - every balance equals the model's unexpired lots, so a redemption never spends expired or
    missing points (the model refuses to take more than the live lots hold);
  - no issuer (operator, log, vault) has used more than its budget;
  - the log's head and count equal the chain recomputed from the `Recorded` events;
  - the role matrix is exactly the one set up (no escalation).

Transactions go through brownie's web3 directly (anvil unlocked accounts, fixed gas, automine):
three to five times faster than brownie's transaction objects, which matters for `make test-long`
(SVC_LONG=1: >= 100,000 steps). Steps executed and failures are written to
.servicecoin/reliability.json, or to SVC_RELIABILITY_FILE: `make bench` runs this test itself for
1,000 steps, `make bench-long` with SVC_LONG=1 (tests/reliability.py).
"""

import os

import requests
from eth_abi import encode
from eth_utils import keccak

from brownie import RedemptionVault, RewardToken, ServiceLog, web3
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from web3.logs import DISCARD

from servicecoin.servicelog import next_head, record_from_args

from tests.reliability import record_invariants
from tests.contracts.service_log.logkit import NO_PREVIOUS_LOG

LONG = bool(os.environ.get("SVC_LONG"))
STEPS = 50 if LONG else 25
EXAMPLES = int(os.environ.get("SVC_INVARIANT_EXAMPLES", 200 if LONG else 25))
# make test-long repeats the search (fresh random seeds each round) until this many steps ran
TARGET_STEPS = int(os.environ.get("SVC_INVARIANT_STEPS", 100_000 if LONG else 0))

DAY = 86_400
VALIDITY = 3
UNIT = 100
ISSUER_BUDGET = 60_000
LOG_BUDGET = 3_000
FEEDBACK_REWARD = 700
PRICE = 900
REFUND_WINDOW = 2 * DAY
GAS = 3_000_000
OPENED, RESOLVED = 0, 2
OPEN = 1

WHO = st.integers(0, 2)
AMOUNT = st.integers(1, 4_000)


def w3c(contract):
    """A web3 handle on a brownie-deployed contract (used to encode calls and decode events)."""
    return web3.eth.contract(address=contract.address, abi=contract.abi)


ROLE_EVENTS = {web3.keccak(text="RoleGranted(bytes32,address,address)").hex().removeprefix("0x"),
               web3.keccak(text="RoleRevoked(bytes32,address,address)").hex().removeprefix("0x"),
               web3.keccak(text="RoleAdminChanged(bytes32,bytes32,bytes32)").hex().removeprefix("0x")}


class Rpc:
    """Raw JSON-RPC to the test node: one HTTP round trip per transaction or per batch of views.

    web3's contract machinery costs ~10 ms of Python per call; the invariants make ~20 calls per
    step, and `make test-long` runs 100,000 steps.
    """

    def __init__(self, url):
        self.url = url
        self.session = requests.Session()
        self.session.trust_env = False
        self.id = 0

    def batch(self, calls):
        """[(method, params)] -> [result], raising on any error."""
        payload = []
        for method, params in calls:
            self.id += 1
            payload.append({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params})
        answers = sorted(self.session.post(self.url, json=payload, timeout=60).json(), key=lambda a: a["id"])
        for a in answers:
            if "error" in a:
                raise RuntimeError(a["error"])
        return [a["result"] for a in answers]

    def send(self, call, sender):
        """Send a contract call from an unlocked account; the raw receipt (status 0x0 if it reverted)."""
        tx = {"from": sender, "to": call[0], "data": call[1], "gas": hex(GAS),
              "gasPrice": "0x0"}
        (tx_hash,) = self.batch([("eth_sendTransaction", [tx])])
        receipt = None
        while receipt is None:  # anvil mines at once, but may answer the receipt a moment later
            (receipt,) = self.batch([("eth_getTransactionReceipt", [tx_hash])])
        for log in receipt["logs"]:
            assert log["topics"][0].removeprefix("0x") not in ROLE_EVENTS, "a role changed"
        receipt["ok"] = receipt["status"] == "0x1"
        return receipt

    def views(self, calls):
        """Words of each view call's result: [[int, …], …]."""
        results = self.batch([("eth_call", [{"to": c[0], "data": c[1]}, "latest"]) for c in calls])
        return [[int(r[2 + 64 * i: 2 + 64 * (i + 1)], 16) for i in range((len(r) - 2) // 64)] for r in results]


class Call(tuple):
    """(to, calldata) of a contract function call, encoded with eth_abi (web3 takes ~10 ms a call)."""

    _abi: dict = {}

    @classmethod
    def of(cls, contract, name, *args):
        key = (contract.address, name)
        if key not in cls._abi:
            (fn,) = [f for f in contract.abi if f.get("type") == "function" and f["name"] == name]
            types = [_type(i) for i in fn["inputs"]]
            selector = keccak(text=f"{name}({','.join(types)})")[:4]
            cls._abi[key] = (selector, types)
        selector, types = cls._abi[key]
        return cls((contract.address, "0x" + (selector + encode(types, list(args))).hex()))


def _type(param):
    """The canonical ABI type of a parameter (tuples spelled out)."""
    if param["type"].startswith("tuple"):
        return "(" + ",".join(_type(c) for c in param["components"]) + ")" + param["type"][5:]
    return param["type"]


def events(contract, name, raw_receipt):
    """Decoded events `name` of `contract` in a raw receipt."""
    receipt = web3.eth.get_transaction_receipt(raw_receipt["transactionHash"])
    return getattr(contract.events, name)().process_receipt(receipt, errors=DISCARD)


class System(RuleBasedStateMachine):
    """Everything set by `test_system_invariants` before the machine runs."""

    token = log = vault = rpc = None
    admin = issuer = pauser = agent = merchant = stranger = None
    customers: list = []
    item = 0
    roles: dict = {}
    steps = 0

    def __init__(self):
        super().__init__()
        # raw snapshots: brownie's chain.snapshot() inspects the stack (~0.1 s); the machine sends no
        # brownie transactions, so brownie's own history is unaffected
        (self.snapshot,) = self.rpc.batch([("evm_snapshot", [])])
        self.lots = {c: [] for c in self.customers}
        self.issued = self.burned = self.expired = 0
        self.issuer_used = self.log_used = 0
        self.open: dict[int, tuple[str, int, int]] = {}  # redemption id -> (customer, points, created)
        self.head, self.count = bytes(24), 0
        self.ticket = 0
        self.batch = 0
        self.paused = {"token": False, "vault": False}
        self.epoch, self.now = self._clock()

    def teardown(self):
        try:
            checks = list(self.roles.items())
            held = self.rpc.views([Call.of(contract, "hasRole", role, account)
                                   for (_, _, account), (contract, role, _) in checks])
            for ((name, _, account), (_, _, expected)), (now,) in zip(checks, held):
                assert bool(now) == expected, f"{name} of {account} changed"
        finally:
            self.rpc.batch([("evm_revert", [self.snapshot])])

    # ------------------------------------------------------------------ model
    def _clock(self):
        (epoch,), = self.rpc.views([Call.of(self.token, "currentEpoch")])
        return epoch, web3.eth.get_block("latest")["timestamp"]

    def _expire(self):
        for who, lots in self.lots.items():
            keep = []
            for epoch, amount in lots:
                if epoch + VALIDITY <= self.epoch:
                    self.expired += amount
                else:
                    keep.append([epoch, amount])
            self.lots[who] = keep

    def _live(self, who):
        return sum(a for _, a in self.lots[who])

    def _credit(self, who, amount):
        for lot in self.lots[who]:
            if lot[0] == self.epoch:
                lot[1] += amount
                return
        self.lots[who].append([self.epoch, amount])
        self.lots[who].sort()

    def _take(self, who, amount):
        assert amount <= self._live(who), "spent expired or missing points"
        for lot in self.lots[who]:
            t = min(lot[1], amount)
            lot[1] -= t
            amount -= t
        self.lots[who] = [l for l in self.lots[who] if l[1] > 0]

    def _follow_log(self, receipt):
        """Recompute the chain from the receipt's Recorded events, record by record."""
        for ev in events(self.log, "Recorded", receipt):
            record = record_from_args(ev["args"])
            assert record.seq == self.count + 1
            self.head = next_head(self.head, record)
            assert self.head == record.head
            self.count = record.seq

    def _step(self):
        type(self).steps += 1
        self._expire()

    def send(self, call, sender):
        return self.rpc.send(call, sender)["ok"]

    # ------------------------------------------------------------------ rules
    @rule(who=WHO, amount=AMOUNT)
    def issue(self, who, amount):
        self._step()
        customer = self.customers[who]
        ok = not self.paused["token"] and self.issuer_used + amount <= ISSUER_BUDGET
        assert self.send(Call.of(self.token, "issue", customer, amount, 0, bytes(32)), self.issuer) == ok
        if ok:
            self._credit(customer, amount)
            self.issued += amount
            self.issuer_used += amount

    @rule(size=st.integers(1, 12), resend=st.booleans())
    def dust_batch(self, size, resend):
        """Griefing with dust: one raw unit to many recipients; a re-sent batch id is refused."""
        self._step()
        recipients = [self.customers[i % 3] for i in range(size)]
        self.batch += 1
        call = Call.of(self.token, "issueBatch", web3.keccak(text=f"dust-{self.batch}"), recipients, [1] * size, 5)
        ok = not self.paused["token"] and self.issuer_used + size <= ISSUER_BUDGET
        assert self.send(call, self.issuer) == ok
        if ok:
            for c in recipients:
                self._credit(c, 1)
            self.issued += size
            self.issuer_used += size
            if resend:
                assert not self.send(call, self.issuer)

    @rule(who=WHO, rating=st.integers(1, 5), feedback=st.booleans())
    def ticket(self, who, rating, feedback):
        self._step()
        customer = self.customers[who]
        self.ticket += 1
        for kind in (OPENED, RESOLVED):
            entry = (kind, 0, 0, self.ticket, customer, web3.keccak(text=f"{kind}-{self.ticket}"))
            r = self.rpc.send(Call.of(self.log, "append", entry), self.agent)
            assert r["ok"]
            self._follow_log(r)
        if not feedback:
            return
        r = self.rpc.send(Call.of(self.log, "giveFeedback", self.ticket, rating, bytes(32)), customer)
        # the reward is an issue by the log: when the token is paused it pays 0 and the record stands
        assert r["ok"]
        self._follow_log(r)
        paid = sum(e["args"]["paid"] for e in events(self.log, "Rewarded", r))
        due = FEEDBACK_REWARD if not self.paused["token"] else 0
        assert paid <= due and self.log_used + paid <= LOG_BUDGET
        if paid:
            self._credit(customer, paid)
            self.issued += paid
            self.log_used += paid
        assert not self.send(Call.of(self.log, "giveFeedback", self.ticket, rating, bytes(32)), customer)  # once

    @rule(who=WHO, qty=st.integers(1, 3))
    def redeem(self, who, qty):
        self._step()
        customer = self.customers[who]
        points = PRICE * qty
        r = self.rpc.send(Call.of(self.vault, "redeem", self.item, qty, points), customer)
        ok = not self.paused["token"] and not self.paused["vault"] and points <= self._live(customer)
        assert r["ok"] == ok, (points, self._live(customer), self.paused)
        if ok:
            (ev,) = events(self.vault, "Redeemed", r)
            self._take(customer, points)
            self.burned += points
            self.open[ev["args"]["id"]] = (customer, points, self.now)

    @precondition(lambda self: self.open)
    @rule(pick=st.integers(0, 10**6), refund=st.booleans())
    def close_redemption(self, pick, refund):
        self._step()
        rid = sorted(self.open)[pick % len(self.open)]
        customer, points, created = self.open[rid]
        if refund:
            ok = (not self.paused["token"] and not self.paused["vault"]
                  and self.now <= created + REFUND_WINDOW)
            assert self.send(Call.of(self.vault, "refund", rid), self.merchant) == ok
            if ok:
                self._credit(customer, points)
                self.issued += points
                del self.open[rid]
        else:
            ok = not self.paused["vault"]
            assert self.send(Call.of(self.vault, "fulfil", rid, web3.keccak(text=str(rid))), self.merchant) == ok
            if ok:
                del self.open[rid]

    @rule(target_=st.sampled_from(["token", "vault"]))
    def toggle_pause(self, target_):
        self._step()
        contract = self.token if target_ == "token" else self.vault
        who = self.pauser if target_ == "token" else self.admin
        assert self.send(Call.of(contract, "unpause" if self.paused[target_] else "pause"), who)
        self.paused[target_] = not self.paused[target_]

    @rule(seconds=st.integers(1, 2 * DAY))
    def time_passes(self, seconds):
        self._step()
        self.rpc.batch([("evm_increaseTime", [int(seconds)])])
        self.rpc.batch([("evm_mine", [])])
        self.epoch, self.now = self._clock()
        self._expire()

    @rule(attacker=st.integers(0, 3), which=st.integers(0, 5))
    def escalate(self, attacker, which):
        """Customers and strangers try to grant themselves power; every attempt reverts."""
        self._step()
        who = (self.customers + [self.stranger])[attacker]
        calls = [
            lambda: Call.of(self.token, "grantRole", bytes(32), who),
            lambda: Call.of(self.token, "grantRole", web3.keccak(text="ISSUER_ROLE"), who),
            lambda: Call.of(self.token, "setIssuerBudget", who, 10**12),
            lambda: Call.of(self.log, "grantRole", web3.keccak(text="AGENT_ROLE"), who),
            lambda: Call.of(self.vault, "grantRole", web3.keccak(text="MERCHANT_ROLE"), who),
            lambda: Call.of(self.token, "issue", who, 1, 0, bytes(32)),
        ]
        assert not self.send(calls[which](), who)

    # ------------------------------------------------------------------ invariants
    @invariant()
    def system_reconciles(self):
        """One batch of view calls, then every property (each assert names what broke)."""
        holders = self.customers + [self.merchant, self.vault.address]
        rids = sorted(self.open)
        views = ([Call.of(self.token, name) for name in ("totalSupply", "totalIssued", "totalBurned", "totalExpired")]
                 + [Call.of(self.token, "balanceOf", h) for h in holders]
                 + [Call.of(self.token, "issuerBudget", i) for i in (self.issuer, self.log.address, self.vault.address)]
                 + [Call.of(self.log, "state")]
                 + [Call.of(self.vault, "redemption", rid) for rid in rids])
        out = self.rpc.views(views)
        (supply,), (issued,), (burned,), (expired,) = out[:4]
        balances = [w[0] for w in out[4:4 + len(holders)]]
        budgets = out[4 + len(holders):7 + len(holders)]
        head, count = out[7 + len(holders)]
        records = out[8 + len(holders):]
        self._expire()
        live = {c: self._live(c) for c in self.customers}
        # supply reconciles: issued - burned - expired == totalSupply == sum of live balances
        assert (issued, burned, expired) == (self.issued, self.burned, self.expired), "totals drifted"
        assert supply == sum(balances) == sum(live.values()) == issued - burned - expired, "supply"
        # balances are the live lots (nothing spent from expired or missing points)
        assert balances[:3] == [live[c] for c in self.customers], "balances differ from the live lots"
        assert balances[3:] == [0, 0], "the merchant or the vault holds points"
        # no issuer over its budget
        for (allowance, used, _), model in zip(budgets, (self.issuer_used, self.log_used, None)):
            assert used <= allowance, "an issuer is over budget"
            assert model is None or used == model
        # the log head is the recomputed chain
        assert (head.to_bytes(32, "big")[:24], count) == (self.head, self.count), "log head"
        # every open redemption holds exactly its points
        for rid, rec in zip(rids, records):
            customer, points, _ = self.open[rid]
            assert (rec[0], rec[2], rec[4]) == (int(customer, 16), points, OPEN), "redemption record"


def test_system_invariants(admin, issuer, pauser, merchant, alice, bob, carol, stranger):
    from brownie import accounts

    agent = accounts[8]
    token = RewardToken.deploy("ServiceCoin Points", "SVC", admin, 0, DAY, VALIDITY, 0, {"from": admin})
    log = ServiceLog.deploy(admin, token, FEEDBACK_REWARD, 0, 0, *NO_PREVIOUS_LOG, {"from": admin})
    vault = RedemptionVault.deploy(admin, token, DAY, REFUND_WINDOW, 100 * UNIT, 5_000 * UNIT, 20_000 * UNIT, 0,
                                   {"from": admin})
    issuer_role, spender_role = token.ISSUER_ROLE(), token.SPENDER_ROLE()
    token.grantRole(issuer_role, issuer, {"from": admin})
    token.setIssuerBudget(issuer, ISSUER_BUDGET, {"from": admin})
    token.grantRole(token.PAUSER_ROLE(), pauser, {"from": admin})
    token.grantRole(issuer_role, log, {"from": admin})
    token.setIssuerBudget(log, LOG_BUDGET, {"from": admin})
    token.grantRole(issuer_role, vault, {"from": admin})
    token.grantRole(spender_role, vault, {"from": admin})
    token.setIssuerBudget(vault, 10**12, {"from": admin})
    token.setAcceptor(merchant, True, {"from": admin})
    log.grantRole(log.AGENT_ROLE(), agent, {"from": admin})
    vault.grantRole(vault.MERCHANT_ROLE(), merchant, {"from": admin})
    item = vault.listItem(0, merchant, PRICE, 2**32 - 1, 0, "ipfs://gift", bytes(32), {"from": merchant}).return_value

    everyone = [admin, issuer, pauser, merchant, agent, alice, bob, carol, stranger, log, vault]
    roles = {}  # (contract, role name, account) -> (web3 contract, role, held)
    for contract, names in ((token, ["DEFAULT_ADMIN_ROLE", "ISSUER_ROLE", "PAUSER_ROLE", "SPENDER_ROLE"]),
                            (log, ["DEFAULT_ADMIN_ROLE", "AGENT_ROLE"]),
                            (vault, ["DEFAULT_ADMIN_ROLE", "MERCHANT_ROLE", "PAUSER_ROLE"])):
        handle = w3c(contract)
        for name in names:
            role = bytes.fromhex(str(getattr(contract, name)())[2:])
            for account in everyone:
                roles[(contract._name, name, account.address)] = (handle, role, bool(contract.hasRole(role, account)))

    System.token, System.log, System.vault = w3c(token), w3c(log), w3c(vault)
    System.admin, System.issuer, System.pauser = admin.address, issuer.address, pauser.address
    System.agent, System.merchant, System.stranger = agent.address, merchant.address, stranger.address
    System.customers = [alice.address, bob.address, carol.address]
    System.item, System.roles, System.steps = item, roles, 0
    System.rpc = Rpc(web3.provider.endpoint_uri)
    failures = 0
    try:
        while True:
            run_state_machine_as_test(System, settings=settings(
                max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
                suppress_health_check=list(HealthCheck)))
            if System.steps >= TARGET_STEPS:
                break
    except BaseException:
        failures = 1
        raise
    finally:
        record_invariants("system", System.steps, failures, LONG)
