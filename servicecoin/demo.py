"""`make demo`: a working program on the persistent local chain, step by step.

Deploys once (a second run reuses the chain and the contracts), then each step shows one part of
the system with sample data. Steps are plain functions of (chain, state), listed in STEPS; they call
the feature modules, which return data, and do the printing themselves.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request

from web3 import Web3

from servicecoin import PROJECT_ROOT
from servicecoin.account import account_summary
from servicecoin.campaign.journal import Journal, default_path
from servicecoin.campaign.plan import load_plan
from servicecoin.campaign.report import build_report, summary_lines, write_report
from servicecoin.campaign.runner import run_campaign
from servicecoin.chain import Chain, connect, dev_account
from servicecoin.config import load_config, token_info
from servicecoin.contentstore import ContentStore
from servicecoin.deploy import DEPLOYED_CONTRACTS, deploy
from servicecoin.errors import ServiceCoinError
from servicecoin.index import Indexer, open_db, settings_from_config
from servicecoin.paths import deployment_file
from servicecoin.reports.text import account_labels, format_statement
from servicecoin.reports.transparency import chain_totals, to_markdown, transparency
from servicecoin.serve import DEFAULT_PORT
from servicecoin.servicelog.agent import Entry, append
from servicecoin.servicelog.feedback import give_feedback
from servicecoin.servicelog.records import Kind as RecordKind
from servicecoin.servicelog.records import Outcome, log_contract, verify_log
from servicecoin.statement import chain_view, statement
from servicecoin.token import UNIT, Reason, fmt
from servicecoin.vault.discounts import discount
from servicecoin.vault.items import Kind as ItemKind
from servicecoin.vault.items import add_item, list_items, vault_contract
from servicecoin.vault.redemptions import fulfil, redeem, redeem_gasless, redemption_slot

CUSTOMERS = {"Ana": 5, "Ben": 6, "Chloe": 7}


def ensure_deployed(chain: Chain) -> dict:
    """Reuse deployments/<network>.json when its contracts are on this chain; deploy otherwise."""
    path = deployment_file(chain.network.id)
    if path.exists():
        record = chain.deployment()
        contracts = record.get("contracts", {})
        if (record.get("chain_id") == chain.chain_id and set(DEPLOYED_CONTRACTS) <= set(contracts)
                and all(chain.w3.eth.get_code(a) for a in contracts.values())):
            print(f"reusing the deployment in {path}")
            return record
    print("deploying the contracts…")
    record = deploy(chain)
    for name, address in record["contracts"].items():
        print(f"  {name}: {address}")
    return record


def issue_sample_points(chain: Chain, state: dict) -> None:
    """The operator rewards three customers for purchases and a survey."""
    token = chain.contract("RewardToken")
    operator = chain.account("operator")
    ref = Web3.keccak(text=f"demo-order-{chain.w3.eth.block_number}")
    names = list(CUSTOMERS)
    addresses = [dev_account(CUSTOMERS[n]).address for n in names]
    chain.transact(token.functions.issue(addresses[0], 120 * UNIT, Reason.PURCHASE, ref), operator)
    batch = Web3.keccak(text=f"demo-survey-{chain.w3.eth.block_number}")
    chain.transact(token.functions.issueBatch(batch, addresses, [50 * UNIT, 30 * UNIT, 1_200 * UNIT], Reason.SURVEY), operator)
    print("\nissued sample points (a purchase for Ana, a survey batch for all three):")
    for name, address in zip(names, addresses):
        s = account_summary(chain, address)
        print(f"  {name:6s} {address}  {fmt(s['balance']):>10} points  tier {s['tier_name']}")
    state["customers"] = dict(zip(names, addresses))


def log_step(chain: Chain, state: dict) -> None:
    """A ticket's whole life: open, reply, resolve, follow-up, then gasless feedback with its reward."""
    log = log_contract(chain)
    customer = chain.account("customer")
    token = chain.contract("RewardToken")
    with ContentStore.for_network(chain.network.id) as store:
        ticket = int(time.time() * 1000)
        print(f"\nservice log: ticket {ticket} for {customer.address}")
        steps = [
            Entry(RecordKind.OPENED, ticket, customer.address, "My card was charged twice for order 1042."),
            Entry(RecordKind.REPLY, ticket, customer.address, "Sorry about that, we are refunding the second charge."),
            Entry(RecordKind.RESOLVED, ticket, customer.address, "Duplicate charge refunded."),
            Entry(RecordKind.FOLLOWUP, ticket, customer.address, "Called back: refund arrived, customer happy.",
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


def campaign_step(chain: Chain, state: dict) -> None:
    """Run examples/campaign-sample.yaml and print the report summary. A second demo run finds the
    campaign complete in the journal and on chain and pays no one again."""
    plan = load_plan(PROJECT_ROOT / "examples" / "campaign-sample.yaml")
    journal = Journal(default_path(chain.network.id))
    token = chain.contract("RewardToken")
    operator = chain.account("operator").address
    done = all(token.functions.isBatchUsed(operator, b.batch_id).call() for b in plan.batches)
    print(f"\nreward campaign '{plan.campaign.id}' from examples/ ({plan.rows} rows, {len(plan.allocations)} customers):")
    if done:
        print("  already paid on this chain: every batch id is used, so this run sends nothing (exactly once)")
    result = run_campaign(chain, plan, journal, token, progress=False)
    report = build_report(plan, journal, token.address, chain.network.id, chain.chain_id)
    md, _ = write_report(report)
    for line in summary_lines(report):
        print(f"  {line}")
    print(f"  sent {result.sent_this_run} transaction(s) this run; report: {md}")
    journal.close()


def vault_step(chain: Chain, state: dict) -> None:
    """A small catalog and one redemption of each kind (one gasless), one fulfilled with a voucher."""
    vault = vault_contract(chain)
    customers = {n: dev_account(i) for n, i in CUSTOMERS.items()}
    if vault.functions.itemCount().call() == 0:
        add_item(chain, ItemKind.GIFT, 40 * UNIT, 100, metadata_uri="demo://gift/coffee-mug", vault=vault)
        add_item(chain, ItemKind.DISCOUNT_VOUCHER, 25 * UNIT, None, metadata_uri="demo://voucher/10-percent",
                 vault=vault)
        add_item(chain, ItemKind.EXCLUSIVE_SERVICE, 300 * UNIT, 5, min_tier=1,
                 metadata_uri="demo://service/priority-line", vault=vault)
    print("\ncatalog:")
    for it in list_items(chain, vault):
        stock = "unlimited" if it.stock is None else it.stock
        print(f"  #{it.item_id} {it.kind:17s} {fmt(it.price):>8} points  stock {stock}  min tier {it.min_tier}  "
              f"{it.metadata_uri}")
    gift = redeem(chain, 1, 1, customers["Ana"], vault)
    code = f"MUG-{gift.created_at % 10**6:06d}-{redemption_slot(gift.redemption_id)}"
    fulfil(chain, gift.redemption_id, code, vault=vault)
    print(f"  Ana redeemed a gift ({fmt(gift.points)} points), the merchant fulfilled it with voucher {code}")
    voucher = redeem_gasless(chain, 2, 1, customers["Ben"], vault=vault)
    print(f"  Ben signed a voucher redemption, the relayer paid the gas ({fmt(voucher.points)} points)")
    try:
        service = redeem(chain, 3, 1, customers["Chloe"], vault)
        print(f"  Chloe (Silver) unlocked the exclusive service ({fmt(service.points)} points)")
    except ServiceCoinError as exc:
        print(f"  Chloe could not unlock the exclusive service: {exc}")
    result = discount(chain, 10 * UNIT, f"demo-order-{chain.w3.eth.block_number}", customers["Chloe"], vault)
    print(f"  Chloe took {result.discount_cents / 100:.2f} off an order for {fmt(result.points)} points")

def metamask_help(chain: Chain, state: dict) -> None:
    record = chain.deployment()
    print(f"""
To look at it in MetaMask:
  1. Add a network: RPC URL {chain.network.rpc_url}, chain id {chain.chain_id}, currency ETH.
  2. Import a test account (local chain only; this is the public test mnemonic's account 5):
     private key 0x{dev_account(5).key.hex().removeprefix('0x')}
  3. Import the token {record['contracts']['RewardToken']} (symbol {token_info()['symbol']}, 2 decimals).""")


def web_step(chain: Chain, state: dict) -> None:
    """Where the customer page is, and how to open it with MetaMask."""
    url = f"http://127.0.0.1:{DEFAULT_PORT}/"
    try:
        with urllib.request.urlopen(url + "api/health", timeout=1) as res:
            running = json.load(res).get("network") == chain.network.id
    except (OSError, ValueError):
        running = False
    how = "it is being served now" if running else f"make demo serves it next; or run: svc serve --network {chain.network.id}"
    print(f"""
The customer web page: {url}  ({how})
  Open it in a browser with MetaMask on chain id {chain.chain_id} and the customer account imported
  (above); it shows the balance, tier, what expires soon and the history, and relays feedback
  without ETH. See docs/web.md.""")


def report_step(chain: Chain, state: dict) -> None:
    """Index the chain, then a customer's statement and the transparency report."""
    db = open_db(None, chain.network.id)
    report = Indexer(chain, db, settings_from_config(load_config(), chain.network.local)).run()
    print(f"\nindexed to block {report.cursor}: {report.events:,} new events in {report.seconds:.2f}s "
          f"(database {db.url.removeprefix('sqlite:///')})")
    record = chain.deployment()
    labels = account_labels(record)
    customers = state.get("customers") or {"Ana": dev_account(5).address}
    name, address = next(iter(customers.items()))
    data = statement(db, address, on_chain=chain_view(chain, db, address),
                     tier_names=token_info()["tier_names"])
    print(f"\n{name}'s statement (svc statement {address}):")
    print(format_statement(data, labels))
    print()
    print(to_markdown(transparency(db, chain_totals(chain, db), labels)))
    db.close()

STEPS = [
    issue_sample_points,
    log_step,
    campaign_step,
    vault_step,
    metamask_help,
    web_step,
    report_step,  # last: indexes everything above, prints a statement and the transparency report
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--network", default="svc-local")
    args = parser.parse_args(argv)
    try:
        chain = connect(args.network)
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
