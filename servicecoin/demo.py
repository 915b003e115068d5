"""`make demo`: a working program on the persistent local chain, step by step.

Deploys once (a second run reuses the chain and the contracts), then tells a short story, one
numbered chapter per step, each showing one part of the system with sample data. Steps are plain
functions of (chain, state), listed in STEPS; they call the feature modules, which return data, and
do the printing themselves. Every step is safe to run again: a second `make demo` finds the sample
points, the ticket, the campaign, the redemptions and the settled alliance period of the first and
issues, publishes or signs nothing twice (nor moves the local chain's clock again).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from web3 import Web3

from servicecoin import PROJECT_ROOT
from servicecoin.account import account_summary
from servicecoin.admin.actions import send
from servicecoin.admin.merchants import items_of, onboard_plan, save_merchant
from servicecoin.campaign.journal import Journal, default_path
from servicecoin.campaign.plan import load_plan
from servicecoin.campaign.report import build_report, write_report
from servicecoin.campaign.runner import run_campaign
from servicecoin.chain import Chain, connect, dev_account
from servicecoin.config import load_config, token_info
from servicecoin.contentstore import ContentStore
from servicecoin.deploy import DEPLOYED_CONTRACTS, deploy
from servicecoin.errors import ServiceCoinError
from servicecoin.index import Indexer, open_db, settings_from_config
from servicecoin.index.ledger import Epochs
from servicecoin.money import from_plain, human
from servicecoin.paths import deployment_file
from servicecoin.reports.dates import utc
from servicecoin.reports.text import account_labels
from servicecoin.reports.transparency import chain_totals, transparency
from servicecoin.serve import DEFAULT_PORT
from servicecoin.servicelog.agent import Entry, append
from servicecoin.servicelog.feedback import give_feedback
from servicecoin.servicelog.records import Kind as RecordKind
from servicecoin.servicelog.lineage import verify_log
from servicecoin.servicelog.records import Outcome, log_contract
from servicecoin.settlement.clearing import settlement_statement
from servicecoin.settlement.onchain import acknowledge, period_bytes, publish, published
from servicecoin.settlement.periods import Period, parse_period
from servicecoin.statement import chain_view, statement
from servicecoin.token import UNIT, Reason, fmt, fmt_plain
from servicecoin.vault.discounts import discount
from servicecoin.vault.items import Kind as ItemKind
from servicecoin.vault.items import add_item, vault_contract
from servicecoin.vault.redemptions import fulfil, list_redemptions, redeem, redeem_gasless, redemption_slot

ZERO_ADDRESS = "0x" + "00" * 20

CUSTOMERS = {"Ana": 5, "Ben": 6, "Chloe": 7}
TICKET = 1042  # the demo's support ticket (fixed: a second run finds it and adds nothing)
SURVEY = Web3.keccak(text="demo-survey")  # the sample batch id: single-use, so a second run cannot pay it again
ORDER = Web3.keccak(text="demo-order-1042")
ITEMS = [  # (name, kind, price in points, stock, min tier, metadata URI)
    ("coffee mug", ItemKind.GIFT, 40, 100, 0, "demo://gift/coffee-mug"),
    ("10% voucher", ItemKind.DISCOUNT_VOUCHER, 25, None, 0, "demo://voucher/10-percent"),
    ("priority line", ItemKind.EXCLUSIVE_SERVICE, 300, 5, 1, "demo://service/priority-line"),
]
ALLIANCE = {"north-cafe": 8, "south-books": 9}  # merchant A and B: names and test accounts (local chains)
EARN = Web3.keccak(text="demo-alliance-earn")  # A's batch id for Ana's purchase: single-use as well
ALLIANCE_TITLE = "Two merchants, one program: earn at one, spend at the other"


def say(title: str, *lines: str) -> None:
    """One chapter of the story: a numbered heading and a few indented lines."""
    say.n = getattr(say, "n", 0) + 1
    print(f"\n{say.n}. {title}")
    for line in lines:
        print(f"   {line}")


def shown(path: Path) -> Path:
    """A path as the reader types it: relative to the project when it is inside it."""
    return path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path


def ensure_deployed(chain: Chain) -> dict:
    """Reuse deployments/<network>.json when its contracts are on this chain; deploy otherwise."""
    path = deployment_file(chain.network.id)
    if path.exists():
        record = chain.deployment()
        contracts = record.get("contracts", {})
        if (record.get("chain_id") == chain.chain_id and set(DEPLOYED_CONTRACTS) <= set(contracts)
                and all(chain.w3.eth.get_code(a) for a in contracts.values())):
            say("The contracts", f"reused from {shown(path)} (deployed by an earlier run)",
                *(f"{n:16s} {a}" for n, a in contracts.items()))
            return record
    record = deploy(chain)
    say("The contracts", "deployed the points token, the service log and the rewards vault:",
        *(f"{n:16s} {a}" for n, a in record["contracts"].items()))
    return record


def issue_sample_points(chain: Chain, state: dict) -> None:
    """The operator rewards three customers for a purchase and a survey: once per chain."""
    token = chain.contract("RewardToken")
    operator = chain.account("operator")
    names = list(CUSTOMERS)
    addresses = [dev_account(CUSTOMERS[n]).address for n in names]
    state["customers"] = dict(zip(names, addresses))
    if token.functions.isBatchUsed(operator.address, SURVEY).call():
        first = "already given by an earlier run (the survey batch id is used), so nothing is issued again"
    else:
        chain.transact(token.functions.issue(addresses[0], 120 * UNIT, Reason.PURCHASE, ORDER), operator)
        chain.transact(token.functions.issueBatch(SURVEY, addresses, [50 * UNIT, 30 * UNIT, 1_200 * UNIT],
                                                  Reason.SURVEY), operator)
        first = "Ana earned 120.00 for a purchase; Ana, Ben and Chloe 50.00, 30.00 and 1,200.00 for a survey"
    lines = [first]
    for name, address in state["customers"].items():
        s = account_summary(chain, address)
        lines.append(f"{name:6s} {fmt(s['balance']):>9} points   tier {s['tier_name']:8s} {address}")
    say("Reward points", *lines)


def log_step(chain: Chain, state: dict) -> None:
    """A ticket's whole life: open, reply, resolve, follow-up, then gasless feedback with its reward."""
    log = log_contract(chain)
    customer = chain.account("customer")
    if log.functions.ticketOf(TICKET).call()[0] != ZERO_ADDRESS:
        result = verify_log(chain, log)
        say("The service log", f"ticket {TICKET} was handled by an earlier run (no new records, no new reward)",
            f"the log verifies: {result.summary()}")
        return
    with ContentStore.for_network(chain.network.id) as store:
        steps = [
            Entry(RecordKind.OPENED, TICKET, customer.address, "My card was charged twice for order 1042."),
            Entry(RecordKind.REPLY, TICKET, customer.address, "Sorry about that, we are refunding the second charge."),
            Entry(RecordKind.RESOLVED, TICKET, customer.address, "Duplicate charge refunded."),
            Entry(RecordKind.FOLLOWUP, TICKET, customer.address, "Called back: refund arrived, customer happy.",
                  int(Outcome.SATISFIED)),
        ]
        bonus = sum(append(chain, entry, store).reward_paid for entry in steps)
        fb = give_feedback(chain, customer, TICKET, 5, "Quick and friendly, thanks!", store, relayer="relayer")
        result = verify_log(chain, log)
        if not result.ok:
            raise ServiceCoinError(f"service log does not verify: {result.summary()}")
    say("The service log",
        f"Ana's ticket {TICKET} (charged twice): opened, answered, resolved, then a follow-up call "
        f"(bonus {fmt(bonus)} points)",
        f"Ana rated it 5 stars without paying gas, a relayer sent it (reward {fmt(fb.reward_paid)} points)",
        f"every record is hash-chained on chain; the log verifies: {result.summary()}")


def campaign_step(chain: Chain, state: dict) -> None:
    """Run examples/campaign-sample.yaml: exactly once (a second run finds every batch paid)."""
    plan = load_plan(PROJECT_ROOT / "examples" / "campaign-sample.yaml")
    journal = Journal(default_path(chain.network.id))
    try:
        token = chain.contract("RewardToken")
        result = run_campaign(chain, plan, journal, token, progress=False)
        report = build_report(plan, journal, token.address, chain.network.id, chain.chain_id)
        md, _ = write_report(report)
    finally:
        journal.close()
    t = report["totals"]
    sent = (f"sent now in {result.sent_this_run} transaction(s)" if result.sent_this_run
            else "paid by an earlier run; nothing sent now, as each batch id pays once")
    say("A reward campaign", f"'{plan.campaign.id}' from examples/: {t['recipients_paid']} customers, "
        f"{fmt(t['points_minted'])} points ({sent})",
        f"report: {shown(md)}")


def vault_step(chain: Chain, state: dict) -> None:
    """A small catalog and one redemption of each kind (one gasless), one fulfilled with a voucher: once."""
    vault = vault_contract(chain)
    customers = {n: dev_account(i) for n, i in CUSTOMERS.items()}
    if vault.functions.itemCount().call() == 0:
        for _name, kind, price, stock, tier, uri in ITEMS:
            add_item(chain, kind, price * UNIT, stock, min_tier=tier, metadata_uri=uri, vault=vault)
    catalog = ", ".join(f"{name} {price}.00" + (" (Silver and up)" if tier else "")
                        for name, _k, price, _s, tier, _u in ITEMS)
    if list_redemptions(chain, customer=customers["Ana"].address, vault=vault):
        say("Spending points", f"catalog: {catalog}",
            "the sample redemptions were made by an earlier run: svc redemptions list shows them")
        return
    gift = redeem(chain, 1, 1, customers["Ana"], vault)
    code = f"MUG-{gift.created_at % 10**6:06d}-{redemption_slot(gift.redemption_id)}"
    fulfil(chain, gift.redemption_id, code, vault=vault)
    lines = [f"catalog: {catalog}",
             f"Ana redeemed the coffee mug; the merchant sent voucher code {code} (only its hash goes on chain)"]
    voucher = redeem_gasless(chain, 2, 1, customers["Ben"], vault=vault)
    lines.append(f"Ben signed for a 10% voucher ({fmt(voucher.points)} points); the relayer paid the gas")
    try:
        redeem(chain, 3, 1, customers["Chloe"], vault)
        lines.append("Chloe, a Silver customer, unlocked the priority line")
    except ServiceCoinError as exc:
        lines.append(f"Chloe could not unlock the priority line: {exc}")
    result = discount(chain, 10 * UNIT, "demo-order-2001", customers["Chloe"], vault)
    lines.append(f"Chloe took {result.discount_cents / 100:.2f} off an order for {fmt(result.points)} points")
    say("Spending points", *lines)


def update_index(chain: Chain, db) -> None:
    Indexer(chain, db, settings_from_config(load_config(), chain.network.local), log=lambda m: None).run()


def period_at(db, ts: int) -> Period:
    """The settlement period (settlement.period in servicecoin.yaml: month or epoch) that holds time `ts`."""
    kind = (load_config().get("settlement") or {}).get("period", "month")
    epochs = Epochs.of(db)
    return parse_period(utc(ts)[:7] if kind == "month" else str(epochs.epoch_at(ts)), kind, epochs)


def move_time_to(chain: Chain, ts: int) -> bool:
    """On a local chain only: mine the next block at `ts` or later (anvil). False elsewhere (time is real)."""
    if not chain.network.local:
        return False
    now = chain.w3.eth.get_block("latest")["timestamp"]
    if now < ts:
        chain.w3.provider.make_request("evm_increaseTime", [ts - now])
    chain.w3.provider.make_request("evm_mine", [])
    return True


def settle(chain: Chain, db, period: Period, merchants, relayer) -> tuple[dict, dict]:
    """The closed period's statement, published once and acknowledged once by each merchant (relayed)."""
    update_index(chain, db)
    s = settlement_statement(db, period)
    settlement = chain.contract("Settlement")
    if not int.from_bytes(bytes(settlement.functions.statement(period_bytes(s)).call()[0]), "big"):
        publish(chain, s)
    for m in merchants:
        if not settlement.functions.partyStatus(period_bytes(s), m.address).call()[1]:
            acknowledge(chain, s, m, relayer)
    update_index(chain, db)
    return s, published(db)[period.label]


def alliance_step(chain: Chain, state: dict) -> None:
    """Two merchants onboarded by name; Ana earns at A and redeems at B; the period is settled: once."""
    (name_a, a), (name_b, b) = ((n, dev_account(i)) for n, i in ALLIANCE.items())
    for name, m in ((name_a, a), (name_b, b)):
        plan = onboard_plan(chain, name, m.address, 10_000 * UNIT)
        if plan.calls:
            sent = send(chain, plan, chain.account("deployer"))
            save_merchant(chain, name, m.address, onboarded_block=sent[-1]["block"])
    token, vault, ana = chain.contract("RewardToken"), vault_contract(chain), dev_account(CUSTOMERS["Ana"])
    item = (items_of(chain, vault, b.address) or [add_item(chain, ItemKind.GIFT, 40 * UNIT, 50, sender=b,
                                                           metadata_uri="demo://gift/tote-bag", vault=vault)])[0]
    db = open_db(None, chain.network.id)
    try:
        update_index(chain, db)
        if not token.functions.isBatchUsed(a.address, EARN).call():
            # start a fresh settlement period, so that A and B are its only merchants (local chains only)
            move_time_to(chain, period_at(db, chain.w3.eth.get_block("latest")["timestamp"]).end)
            chain.transact(token.functions.issueBatch(EARN, [ana.address], [50 * UNIT], Reason.PURCHASE), a)
        if not list_redemptions(chain, customer=ana.address, item_id=item, vault=vault):
            redeem(chain, item, 1, ana, vault)
        update_index(chain, db)
        period = period_at(db, db.scalar("SELECT MIN(ts) FROM credits WHERE issuer = ?", (a.address.lower(),)))
        # the period must be closed: move the clock past its end only while it is open (local chains only)
        if chain.w3.eth.get_block("latest")["timestamp"] < period.end and not move_time_to(chain, period.end):
            say(ALLIANCE_TITLE, f"{period.label} closes at {utc(period.end)}: run the demo again then to settle it")
            return
        s, status = settle(chain, db, period, (a, b), chain.account("relayer"))
    finally:
        db.close()
    who = {a.address.lower(): name_a, b.address.lower(): name_b, s["clearing_house"]["address"]: "the clearing house"}
    fig = {who[m["address"]]: m for m in s["merchants"] if m["address"] in who}

    def money(plain: str) -> str:
        return human(from_plain(plain), s["currency"])

    nets = ", ".join(f"{who.get(m['address'], m['address'])} {money(m['net'])}" for m in s["merchants"])
    pays = "; ".join(f"{who.get(t['from'], t['from'])} pays {who.get(t['to'], t['to'])} {money(t['amount'])}"
                     for t in s["transfers"]) or "nothing to settle"
    acks = "acknowledged by both merchants" if not status["open"] else f"{status['acknowledged']} acknowledgement(s)"
    moved = f" (this local chain's clock was moved past {utc(period.end)})" if chain.network.local else ""
    say(ALLIANCE_TITLE,
        f"{name_a} and {name_b} onboarded by name (svc merchant onboard); Ana earned "
        f"{fmt_plain(fig[name_a]['issued_points'])} points at {name_a} and spent {fmt_plain(fig[name_b]['redeemed_points'])} on a tote bag "
        f"of {name_b}",
        f"period {period.label} is closed{moved}; nets: {nets}",
        f"who pays whom: {pays}",
        f"statement published on chain ({status['hash'][:12]}…), {acks} by EIP-712 signature, relayed: "
        f"svc settlement status {period.label}")


def report_step(chain: Chain, state: dict) -> None:
    """Index the chain, then one customer's statement and the transparency figures, in a few lines."""
    db = open_db(None, chain.network.id)
    try:
        update_index(chain, db)
        record = chain.deployment()
        name, address = next(iter(state["customers"].items()))
        s = statement(db, address, on_chain=chain_view(chain, db, address),
                      tier_names=token_info()["tier_names"])
        r = transparency(db, chain_totals(chain, db), account_labels(record))
    finally:
        db.close()
    nxt = f", {fmt(s['next_tier']['needed'])} more to {s['next_tier']['name']}" if s["next_tier"] else ""
    rec = r["reconciliation"]
    say("What the reports say",
        f"{name}: {fmt(s['balance'])} points, tier {s['tier_name']}{nxt}; {len(s['history'])} movements, "
        f"{len(s['tickets'])} ticket(s)" + (" (matches the chain)" if s["chain"]["matches"] else " (CHAIN DIFFERS)"),
        f"all customers: issued {fmt(r['issued']['total'])} = outstanding {fmt(r['outstanding']['total'])} + spent "
        f"{fmt(r['spent']['total'])} + expired {fmt(r['expired'])}; "
        + ("every figure matches the token's counters" if rec["reconciled"] else
           f"{len(rec['differences'])} difference(s) with the chain"),
        f"more: svc statement {address}; svc report transparency --md; svc report analytics --charts DIR")


def metamask_help(chain: Chain, state: dict) -> None:
    record = chain.deployment()
    say("Look at it in MetaMask",
        f"add a network: RPC URL {chain.network.rpc_url}, chain id {chain.chain_id}, currency ETH",
        "import Ana's test account (public test key, local chains only):",
        f"  0x{dev_account(5).key.hex().removeprefix('0x')}",
        f"import the token {record['contracts']['RewardToken']} (symbol {token_info()['symbol']}, 2 decimals)",
        f"then open the customer page (below, port {DEFAULT_PORT}); docs/web.md explains it")


STEPS = [
    issue_sample_points,
    log_step,
    campaign_step,
    vault_step,
    alliance_step,  # moves a local chain's clock past the period it settles
    report_step,  # indexes everything above
    metamask_help,
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--network", default="svc-local")
    args = parser.parse_args(argv)
    try:
        chain = connect(args.network)
        print(f"ServiceCoin demo on {chain.network.id}: {chain.network.rpc_url} (chain id {chain.chain_id})")
        ensure_deployed(chain)
        state: dict = {}
        for step in STEPS:
            step(chain, state)
    except ServiceCoinError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
