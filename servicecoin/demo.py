"""`make demo`: a working program on the persistent local chain, step by step.

Deploys once (a second run reuses the chain and the contracts), then tells a short story, one
numbered chapter per step, each showing one part of the system with sample data. Steps are plain
functions of (chain, state), listed in STEPS; they call the feature modules, which return data, and
do the printing themselves. Every step is safe to run again: a second `make demo` finds the sample
points, the ticket, the campaign and the redemptions of the first and issues nothing twice.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from web3 import Web3

from servicecoin import PROJECT_ROOT
from servicecoin.account import account_summary
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
from servicecoin.paths import deployment_file
from servicecoin.reports.text import account_labels
from servicecoin.reports.transparency import chain_totals, transparency
from servicecoin.serve import DEFAULT_PORT
from servicecoin.servicelog.agent import Entry, append
from servicecoin.servicelog.feedback import give_feedback
from servicecoin.servicelog.records import Kind as RecordKind
from servicecoin.servicelog.lineage import verify_log
from servicecoin.servicelog.records import Outcome, log_contract
from servicecoin.statement import chain_view, statement
from servicecoin.token import UNIT, Reason, fmt
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


def report_step(chain: Chain, state: dict) -> None:
    """Index the chain, then one customer's statement and the transparency figures, in a few lines."""
    db = open_db(None, chain.network.id)
    try:
        Indexer(chain, db, settings_from_config(load_config(), chain.network.local), log=lambda m: None).run()
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
