"""Expired points the chain has not swept yet are rows of the statement's history (issue 15): the balance
drops to what `balanceOf` says, and the history explains it, on the page and in `svc statement`."""

import json

from brownie import web3
from click.testing import CliRunner

from servicecoin.reports.dates import iso
from servicecoin.statement import statement
from tests.offchain.reports.reportkit import advance


def test_unswept_expired_lots_are_history_rows(history, token, alice, db, make_indexer):
    make_indexer(db).run()
    held = statement(db, str(alice))["lots"]
    assert held, "the sample history leaves alice live lots"
    advance(4)  # past every lot's expiry; no transaction touches alice, so nothing is swept
    make_indexer(db).run()
    at = int(db.meta("cursor"))
    s = statement(db, str(alice), now=web3.eth.get_block(at)["timestamp"])
    assert s["balance"] == token.balanceOf(alice, block_identifier=at) == 0
    rows = [h for h in s["history"] if h.get("unswept")]
    assert [(r["epoch"], -r["amount"]) for r in rows] == [(l["epoch"], l["amount"]) for l in held]
    assert all(r["kind"] == "expired" and r["tx"] is None and r["date"] == iso(r["ts"]) for r in rows)
    assert s["history"][-len(rows):] == rows  # they are the newest movements, at their expiry times


def test_statement_text_says_not_yet_swept(history, alice, db, make_indexer):
    from servicecoin.cli import cli

    advance(4)
    make_indexer(db).run()
    base = ["statement", str(alice), "--no-update", "--db", db.url, "--network", "development"]
    text = CliRunner().invoke(cli, base)
    assert text.exit_code == 0, text.output
    assert "not yet swept on chain" in text.output
    data = json.loads(CliRunner().invoke(cli, base + ["--json"]).output)
    assert any(h.get("unswept") for h in data["history"])


def test_live_lots_make_no_expired_rows(history, alice, db, make_indexer):
    make_indexer(db).run()
    assert not [h for h in statement(db, str(alice))["history"] if h.get("unswept")]
