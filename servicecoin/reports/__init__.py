"""Reports from the index: transparency (published by the owner), analytics, charts, settlement."""

from __future__ import annotations


def demo_step(chain, state: dict) -> None:
    """`make demo`, last step: index the chain, then a customer's statement and the transparency report."""
    from servicecoin.chain import dev_account
    from servicecoin.cli.report import format_statement
    from servicecoin.config import load_config
    from servicecoin.index import Indexer, open_db, settings_from_config
    from servicecoin.reports.transparency import chain_totals, to_markdown, transparency
    from servicecoin.statement import chain_view, statement

    db = open_db(None, chain.network.id)
    report = Indexer(chain, db, settings_from_config(load_config(), chain.network.local)).run()
    print(f"\nindexed to block {report.cursor}: {report.events:,} new events in {report.seconds:.2f}s "
          f"(database {db.url.removeprefix('sqlite:///')})")
    record = chain.deployment()
    labels = {a.lower(): role for role, a in record.get("accounts", {}).items()}
    labels.update({a.lower(): name for name, a in record.get("contracts", {}).items()})
    customers = state.get("customers") or {"Ana": dev_account(5).address}
    name, address = next(iter(customers.items()))
    data = statement(db, address, on_chain=chain_view(chain, db, address),
                     tier_names=record.get("token", {}).get("tier_names"))
    print(f"\n{name}'s statement (svc statement {address}):")
    print(format_statement(data, labels))
    print()
    print(to_markdown(transparency(db, chain_totals(chain, db), labels)))
    db.close()
