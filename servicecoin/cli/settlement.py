"""`svc settlement statement|publish|ack|status|verify`: alliance clearing in money (docs/settlement.md)."""

from __future__ import annotations

import sys

import click

from servicecoin.cli.index import db_option
from servicecoin.cli.options import FilePath, emit, handle_errors, json_option, network_option
from servicecoin.cli.report import checked_index, index_read_options, unchecked_option, update_option


def _kind_option(fn):
    return click.option("--period-kind", "kind", type=click.Choice(["month", "epoch"]), default=None,
                        help="Period: calendar month (YYYY-MM) or token epoch (N); default settlement.period.")(fn)


def _statement(network, db_url, no_update, unchecked, period, kind):
    from servicecoin.config import load_config
    from servicecoin.index.ledger import Epochs
    from servicecoin.settlement.clearing import settlement_statement
    from servicecoin.settlement.periods import parse_period

    chain, db = checked_index(network, db_url, no_update, unchecked)
    kind = kind or (load_config().get("settlement") or {}).get("period", "month")
    return chain, db, settlement_statement(db, parse_period(period, kind, Epochs.of(db)))


def _human(s: dict) -> str:
    from servicecoin.money import from_plain, human

    cur = s["currency"]

    def money(text: str) -> str:
        return human(from_plain(text), cur)

    from servicecoin.token import fmt_plain as pts

    p = s["period"]
    t = s["terms"][-1]
    out = [f"Settlement statement {p['label']} ({p['start'][:10]} to {p['end'][:10]}, through block {p['through_block']})",
           f"Terms: 1 point = {t['value_per_point']} {cur}; breakage {t['breakage'].replace('_', ' ')}", "",
           f"{'party':44s} {'issued':>12} {'redeemed':>12} {'breakage':>10} {'net':>18}"]
    rows = [("clearing house " + s["clearing_house"]["address"][:10], s["clearing_house"])] + \
           [(m["address"], m) for m in s["merchants"]]
    for name, r in rows:
        out.append(f"{name:44s} {pts(r['issued_points']):>12} {pts(r['redeemed_points']):>12} "
                   f"{pts(r['breakage_points']):>10} {money(r['net']):>18}")
    out += ["", "net: positive = the clearing house owes the party", "",
            f"Outstanding liability {pts(s['liability']['opening_points'])} -> {pts(s['liability']['closing_points'])} points "
            f"(change {money(s['check']['change_in_liability'])}); breakage kept {money(s['check']['breakage_kept'])}",
            f"Check: nets + change in liability + breakage kept = {money(s['check']['total'])}", "", "Who pays whom:"]
    out += [f"  {x['from']} pays {x['to']} {money(x['amount'])}" for x in s["transfers"]] or ["  nothing to settle"]
    return "\n".join(out)


@click.group("settlement")
def settlement_group():
    """Alliance clearing: statements in money, published on chain and acknowledged by merchants."""


@settlement_group.command("statement")
@click.argument("period")
@_kind_option
@index_read_options
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="CSV for accounting (plain decimals).")
@click.option("--out", type=FilePath(dir_okay=False), default=None, help="Also write the canonical JSON to this file.")
@handle_errors
def statement_cmd(period, kind, network, db_url, no_update, unchecked, as_json, as_csv, out):
    """Per merchant: issued, redeemed with it, breakage share, net in money; and who pays whom."""
    from servicecoin.settlement.document import canonical, to_csv

    _, _, s = _statement(network, db_url, no_update, unchecked, period, kind)
    if out:
        with open(out, "wb") as fp:
            fp.write(canonical(s))
    if as_json:
        sys.stdout.write(canonical(s).decode() + "\n")
    elif as_csv:
        sys.stdout.write(to_csv(s))
    else:
        click.echo(_human(s))


@settlement_group.command("publish")
@click.argument("period")
@_kind_option
@network_option
@db_option
@unchecked_option
@json_option
@handle_errors
def publish_cmd(period, kind, network, db_url, unchecked, as_json):
    """Compute the period's statement and put its hash and parties on chain (the operator's key)."""
    from servicecoin.settlement.onchain import publish

    chain, _, s = _statement(network, db_url, False, unchecked, period, kind)
    r = publish(chain, s)
    emit(r, as_json, lambda d: click.echo(f"published {d['period']}: {d['hash']} for {len(d['parties'])} "
                                          f"part{'y' if len(d['parties']) == 1 else 'ies'} (tx {d['tx']}, gas {d['gas']:,})"))


@settlement_group.command("ack")
@click.argument("period")
@_kind_option
@click.option("--from", "key", default="merchant", show_default=True,
              help="The merchant that acknowledges: role name, account number (local) or private key.")
@click.option("--relayer", default=None, help="Who sends the transaction (default: the merchant itself).")
@network_option
@db_option
@unchecked_option
@json_option
@handle_errors
def ack_cmd(period, kind, key, relayer, network, db_url, unchecked, as_json):
    """Recompute the period's statement from your own index and acknowledge it by EIP-712 signature."""
    from servicecoin.money import human
    from servicecoin.settlement.onchain import acknowledge
    from servicecoin.vault import resolve_signer

    chain, _, s = _statement(network, db_url, False, unchecked, period, kind)
    relay = resolve_signer(chain, relayer, "--relayer") if relayer else None
    r = acknowledge(chain, s, resolve_signer(chain, key), relay)
    emit(r, as_json, lambda d: click.echo(f"acknowledged {d['period']} as {d['party']}: net "
                                          f"{human(d['net_atoms'], s['currency'])} (tx {d['tx']}, gas {d['gas']:,})"))


@settlement_group.command("status")
@click.argument("period", required=False)
@network_option
@db_option
@update_option
@json_option
@handle_errors
def status_cmd(period, network, db_url, no_update, as_json):
    """Published statements: who acknowledged which figures, which stay open."""
    from servicecoin.cli.index import open_index
    from servicecoin.money import human
    from servicecoin.reports.dates import iso
    from servicecoin.settlement.onchain import published

    _, db = open_index(network, db_url, update=not no_update)
    data = published(db)
    if period:
        data = {k: v for k, v in data.items() if k == period}

    def text(d):
        if not d:
            click.echo("no statement published")
        for label, s in d.items():
            click.echo(f"{label}: {'OPEN' if s['open'] else 'acknowledged by all'} "
                       f"({s['acknowledged']}/{len(s['parties'])}), hash {s['hash']}, published {iso(s['published_ts'])}")
            for p, ack in s["parties"].items():
                click.echo(f"  {p}  " + (f"acknowledged net {human(ack['net_atoms'])} on {iso(ack['ts'])}"
                                         if ack else "not acknowledged"))

    emit(data, as_json, text)


@settlement_group.command("verify")
@click.argument("file", type=FilePath(exists=True, dir_okay=False))
@network_option
@db_option
@update_option
@json_option
@handle_errors
def verify_cmd(file, network, db_url, no_update, as_json):
    """Does FILE match the hash published for its period, and who acknowledged its figures? Exit 1 if not."""
    from servicecoin.cli.index import open_index
    from servicecoin.settlement.document import load
    from servicecoin.settlement.onchain import verify

    _, db = open_index(network, db_url, update=not no_update)
    r = verify(db, load(file))

    def human(d):
        if d["published_hash"] is None:
            click.echo(f"{d['period']}: no statement published on chain")
        else:
            click.echo(f"{d['period']}: file {'MATCHES' if d['matches'] else 'DOES NOT MATCH'} the published hash "
                       f"({d['published_hash']}); {'open' if d['open'] else 'acknowledged by all'}")
        for p in d["parties"]:
            state = ("acknowledged these figures" if p["acknowledged_net_matches"] else
                     "acknowledged OTHER figures" if p["acknowledged"] else "not acknowledged")
            click.echo(f"  {p['address']}  net {p['net']}  {state}")

    emit(r, as_json, human)
    if not r["matches"]:
        sys.exit(1)


@settlement_group.command("terms")
@click.option("--announce", is_flag=True, help="Announce new terms (they apply after the notice period).")
@click.option("--currency", default=None, help="ISO 4217 code (with --announce; default: unchanged).")
@click.option("--value", "value", default=None, help="Currency per whole point, up to 6 decimals (with --announce).")
@click.option("--breakage", default=None, help="return_to_issuers or kept_by_operator (with --announce).")
@click.option("--from", "key", default="deployer", show_default=True, help="The admin's key (with --announce).")
@network_option
@json_option
@handle_errors
def terms_cmd(announce, currency, value, breakage, key, network, as_json):
    """The clearing terms on chain: in force and announced; --announce changes them after the notice."""
    from servicecoin.chain import connect
    from servicecoin.money import Terms
    from servicecoin.reports.dates import iso
    from servicecoin.settlement.onchain import announce_terms, terms_on_chain
    from servicecoin.vault import resolve_signer

    chain = connect(network)
    if announce:
        now = terms_on_chain(chain)
        base = now["pending"] or now["current"]
        new = Terms.from_config({"currency": currency or base["currency"],
                                 "value_per_point": value or base["value_per_point"],
                                 "breakage": breakage or base["breakage"]})
        r = announce_terms(chain, new, resolve_signer(chain, key))
        emit(r, as_json, lambda d: click.echo(f"announced: 1 point = {d['value_per_point']} {d['currency']}, breakage "
                                              f"{d['breakage']}, in force from {iso(d['effective_at'])} (tx {d['tx']})"))
        return

    def text(d):
        c = d["current"]
        click.echo(f"in force: 1 point = {c['value_per_point']} {c['currency']}, breakage {c['breakage']}")
        if d["pending"]:
            p = d["pending"]
            click.echo(f"announced: 1 point = {p['value_per_point']} {p['currency']}, breakage {p['breakage']}, "
                       f"from {iso(d['pending_at'])}")

    emit(terms_on_chain(chain), as_json, text)


COMMANDS = [settlement_group]
