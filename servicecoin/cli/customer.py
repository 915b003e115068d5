"""`svc customer export`: everything held about one customer (the right of access)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from servicecoin.cli.index import db_option
from servicecoin.cli.options import FilePath, handle_errors, json_option, network_option

CONSENT_NOTE = ("E-mail notices: the address is kept off chain, sealed with the customer's content key, only while "
                "the customer wants notices; the history says when consent was asked, confirmed and withdrawn "
                "(docs/notices.md).")


@click.group("customer")
def customer_group():
    """What is held about a customer."""


@customer_group.command("export")
@click.argument("address")
@click.option("--out", type=FilePath(path_type=Path), default=None, help="Write the JSON export to this file.")
@click.option("--no-points", is_flag=True, help="Leave out the points history (it needs the index).")
@network_option
@db_option
@json_option
@handle_errors
def export(address, out, no_points, network, db_url, as_json):
    """Everything held about ADDRESS: service records with their texts, voucher codes, points history, consent,
    erasures."""
    from servicecoin.account import checksum
    from servicecoin.chain import connect
    from servicecoin.servicelog.anchoring import anchored_dir
    from servicecoin.contentstore import ContentStore
    from servicecoin.servicelog.access import PUBLIC, customer_records
    from servicecoin.vault.vouchers import VoucherBook

    address = checksum(address)
    chain = connect(network)
    from servicecoin.notices.run import consent_export

    vault = chain.deployment().get("contracts", {}).get("RedemptionVault")
    with ContentStore.for_network(network) as store:
        held = customer_records(chain, store, address, anchored=anchored_dir(network))
        codes = VoucherBook(store).codes_of(vault, address) if vault and store.keys is not None else {}
    consent = {**consent_export(network, address), "note": CONSENT_NOTE}
    data = {"customer": address, "network": network, "exported_at": int(time.time()), **held,
            "vouchers": [{"redemption_id": rid, "code": code} for rid, code in codes.items()],
            "points": None if no_points else _points(network, db_url, address),
            "consent": consent, "public": PUBLIC}
    if out:
        out.write_text(json.dumps(data, indent=2) + "\n")
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        _summary(data)
        if out:
            click.echo(f"wrote the export to {out}: personal data, hand it only to the customer")


def _points(network: str, db_url: str | None, address: str) -> dict:
    """The customer's statement with the whole points history, from the index brought up to date."""
    from servicecoin.cli.report import checked_index
    from servicecoin.statement import statement

    _, db = checked_index(network, db_url, no_update=False, unchecked=False)
    return statement(db, address, limit=None)


def _summary(d: dict) -> None:
    from servicecoin.token import fmt

    click.echo(f"customer {d['customer']} on {d['network']}")
    recs = d["records"]
    texts = sum(1 for r in recs if r["text"] is not None)
    erased = sum(1 for r in recs if r["content"] == "erased")
    click.echo(f"service records: {len(recs)} ({texts} with text held, {erased} erased)")
    for r in recs:
        text = f": {r['text']}" if r["text"] else f" [{r['content']}]"
        click.echo(f"  #{r['seq']} {r['kind']} ticket {r['ticket']}{text}")
    click.echo(f"voucher codes: {len(d['vouchers'])}" + "".join(f"\n  {v['redemption_id']}: {v['code']}" for v in d["vouchers"]))
    if d["points"] is None:
        click.echo("points: left out (--no-points)")
    else:
        p = d["points"]
        click.echo(f"points: balance {fmt(p['balance'])}, lifetime earned {fmt(p['lifetime_earned'])}, "
                   f"{len(p['history'])} movement(s)")
    c = d["consent"]
    if not c["held"]:
        click.echo(f"consent: none held ({len(c['history'])} earlier consent event(s)). {c['note']}")
    for h in c["held"]:
        click.echo(f"consent: e-mail notices to {h['email']} ({h['state']}): {', '.join(h['kinds'])}")
    click.echo(f"notices sent: {sum(1 for n in c['notices'] if n['state'] == 'sent')}")
    for e in d["erasures"]:
        click.echo(f"erasure: {e['scope']} up to record {e['seq']} of log {e['log']} at {e['erased_at']}")
    click.echo(f"public: {d['public']}")


COMMANDS = [customer_group]
