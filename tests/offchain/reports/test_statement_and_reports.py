"""Statements, reminders, follow-ups and the transparency report, checked against chain calls."""

import json

import pytest
from brownie import ServiceLog, chain, web3
from click.testing import CliRunner

from servicecoin.statement import FollowupPolicy, chain_view, followups, reminders, statement
from tests.contracts.service_log.logkit import NO_PREVIOUS_LOG

from tests.offchain.reports.reportkit import DAY, NOREF, advance


def test_statement_matches_the_token(history, token, alice, db, make_indexer, svc_chain):
    make_indexer(db).run()
    view = chain_view(svc_chain, db, str(alice))
    s = statement(db, str(alice), on_chain=view, soon_seconds=2 * DAY)
    at = int(db.meta("cursor"))
    assert s["balance"] == token.balanceOf(alice, block_identifier=at) and s["chain"]["matches"]
    assert [(l["epoch"], l["amount"], l["expires_at"]) for l in s["lots"]] == \
        [tuple(int(x) for x in l) for l in token.lotsOf(alice, block_identifier=at)]
    assert s["expiring_soon"]["amount"] == token.expiringBefore(alice, view.now + 2 * DAY, block_identifier=at)
    assert s["tier"] == token.tierOf(alice) == 1 and s["next_tier"] is None
    assert s["lifetime_earned"] == token.lifetimeEarned(alice)


def test_statement_history_lists_every_movement_in_order(history, alice, merchant, db, make_indexer):
    make_indexer(db).run()
    h = statement(db, str(alice))["history"]
    assert [(x["kind"], x["amount"]) for x in h] == [
        ("credit", 400), ("credit", 200), ("credit", 150), ("transfer out", -250), ("spend", -30)]
    assert [x.get("reason") for x in h[:3]] == ["purchase", "survey", "purchase"]
    assert h[0]["ref"] == "0x" + bytes(web3.keccak(text="order-1")).hex()
    assert h[1]["batch"] == "0x" + bytes(web3.keccak(text="survey")).hex()
    assert h[3]["to"] == str(merchant).lower()


def test_statement_shows_progress_to_the_next_tier(history, bob, db, make_indexer):
    make_indexer(db).run()
    s = statement(db, str(bob))
    assert s["tier"] == 0 and s["next_tier"]["needed"] == 500 - 380 and s["next_tier"]["threshold"] == 500


def test_reminders_match_expiring_before_for_every_customer(history, token, alice, bob, carol, merchant, db,
                                                            make_indexer):
    make_indexer(db).run()
    at = int(db.meta("cursor"))
    now = web3.eth.get_block(at)["timestamp"]
    for days in (1, 2, 3):
        rows = {r["address"]: r["amount"] for r in reminders(db, days * DAY, now=now)}
        for a in (alice, bob, carol, merchant):
            assert rows.get(str(a).lower(), 0) == token.expiringBefore(a, now + days * DAY, block_identifier=at)


def test_transparency_reconciles_with_the_token(history, token, issuer, db, make_indexer, svc_chain):
    from servicecoin.reports.transparency import chain_totals, to_markdown, transparency

    make_indexer(db).run()
    advance(3)  # everything expires: the report must count unswept expired lots
    make_indexer(db).run()
    r = transparency(db, chain_totals(svc_chain, db))
    assert r["reconciliation"]["reconciled"], r["reconciliation"]["differences"]
    assert r["issued"]["total"] == token.totalIssued() and r["expired"] == token.totalExpired()
    assert r["spent"]["total"] == token.totalBurned() == 30
    assert r["issued"]["by_reason"] == {"purchase": 500 + 50, "survey": 540, "compensation": 80}
    assert r["budgets"][str(issuer).lower()]["used"] == token.issuerBudget(issuer)[1]
    assert "Every figure matches" in to_markdown(r)


def test_transparency_calls_out_a_difference(history, db, make_indexer, svc_chain):
    from servicecoin.reports.transparency import chain_totals, transparency

    make_indexer(db).run()
    db.execute("DELETE FROM credits WHERE reason = 6")
    r = transparency(db, chain_totals(svc_chain, db))
    assert not r["reconciliation"]["reconciled"]
    assert {d["figure"] for d in r["reconciliation"]["differences"]} >= {"issued"} or \
        any(d["figure"].startswith("budget used") for d in r["reconciliation"]["differences"])


def test_cli_statement_json_without_a_node(history, token, alice, db, make_indexer):
    from servicecoin.cli import cli

    make_indexer(db).run()
    result = CliRunner().invoke(cli, ["statement", str(alice), "--no-update", "--db", db.url, "--json",
                                      "--network", "development"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["balance"] == token.balanceOf(alice) and data["address"] == str(alice).lower()


def test_cli_reminders_csv(history, db, make_indexer):
    from servicecoin.cli import cli

    make_indexer(db).run()
    result = CliRunner().invoke(cli, ["reminders", "--within", "3d", "--csv", "--no-update", "--db", db.url,
                                      "--network", "development"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "address,points,raw_amount,first_expiry" and len(lines) == 4


def test_followup_queue_lists_complaints_resolved_without_a_call(token, admin, issuer, alice, bob, accounts_agent,
                                                                 db, make_indexer):
    log = ServiceLog.deploy(admin, token, 500, 200, 0, *NO_PREVIOUS_LOG, {"from": admin})
    log.grantRole(log.AGENT_ROLE(), accounts_agent, {"from": admin})
    token.grantRole(token.ISSUER_ROLE(), log, {"from": admin})
    token.setIssuerBudget(log, 10**9, {"from": admin})
    z = "0x" + "00" * 32

    def rec(kind, ticket, customer, detail=0):
        log.append((kind, detail, 0, ticket, customer, "0x" + "11" * 32), {"from": accounts_agent})

    rec(0, 1, alice); rec(4, 1, alice); rec(2, 1, alice)  # complaint, resolved, no call: due
    rec(0, 2, bob); rec(4, 2, bob); rec(2, 2, bob); rec(3, 2, bob, 2)  # called, satisfied
    rec(0, 3, bob); rec(2, 3, bob)  # plain ticket: not in the queue
    log.giveFeedback(3, 1, z, {"from": bob})  # rated 1: important now, no call yet
    advance(4)
    ix = make_indexer(db)
    ix.contracts["ServiceLog"] = str(log.address).lower()
    from servicecoin.index.indexer import Indexer
    fresh = Indexer(ix.chain, db, ix.settings, contracts={"RewardToken": token.address, "ServiceLog": log.address},
                    log=lambda m: None)
    fresh.run()
    q = followups(db, FollowupPolicy(delay_seconds=3 * DAY, low_rating=2))
    assert [d["ticket"] for d in q["due"]] == ["1", "3"]
    assert q["outcomes"]["satisfied"] == 1 and q["satisfaction_rate"] == 1.0
    assert q["important_resolved"] == 3 and q["followed_up"] == 1
    s = statement(db, str(bob))
    assert {t["ticket"] for t in s["tickets"]} == {"2", "3"}
    assert any(h["kind"] == "credit" and h["reason"] == "feedback" for h in s["history"])


@pytest.fixture(scope="module")
def accounts_agent():
    from brownie import accounts

    return accounts[8]


def test_analytics_figures_and_charts(history, token, alice, bob, carol, db, make_indexer, tmp_path):
    from servicecoin.reports.analytics import analytics, monthly_flows
    from servicecoin.reports.charts import write_charts

    make_indexer(db).run()
    a = analytics(db)
    assert a["customers"] == 3 and a["active_customers"] == 3
    assert a["repeat_purchase_rate"]["rewarded"] == 1.0  # alice bought twice, the only buyer
    assert a["redemption_rate"] == round(1 / 3, 4)  # alice paid and spent
    issued = sum(int(token.lifetimeEarned(x)) for x in (alice, bob, carol))
    assert a["average_points_per_customer"] == round(issued / 3 / 100, 2)  # points, not raw units
    flows = monthly_flows(db)
    assert sum(m["issued"] for m in flows.values()) == token.totalIssued()
    paths = write_charts(tmp_path / "charts", flows, a)
    for p in paths.values():
        assert p.exists() and p.stat().st_size > 1000
    assert "flows.png" in paths["html"].read_text()


def test_analytics_compares_rewarded_and_non_rewarded_purchases(history, alice, db, make_indexer, tmp_path):
    from servicecoin.reports.analytics import analytics, load_purchases

    make_indexer(db).run()
    other = "0x" + "ab" * 20
    csv_file = tmp_path / "p.csv"
    csv_file.write_text(f"customer,date,amount\n{alice},2026-01-01,10\n{alice},2026-02-01,12\n{other},2026-01-03,9\n")
    a = analytics(db, purchases=load_purchases(csv_file))
    assert a["repeat_purchase_rate"] == {"rewarded": 1.0, "non_rewarded": 0.0, "source": "purchases CSV"}


def test_settlement_nets_issued_against_redeemed_per_merchant(token, admin, issuer, merchant, alice, db, make_indexer):
    from servicecoin.reports.analytics import settlement

    token.grantRole(token.ISSUER_ROLE(), merchant, {"from": admin})
    token.setIssuerBudget(merchant, 10**6, {"from": admin})
    token.issue(alice, 1_000, 0, NOREF, {"from": issuer})
    token.issue(alice, 300, 0, NOREF, {"from": merchant})
    token.transfer(merchant, 700, {"from": alice})
    make_indexer(db).run()
    s = settlement(db)
    assert s["totals"][str(merchant).lower()] == {"issued": 300, "redeemed_at": 700, "net": 400}
    assert s["totals"][str(issuer).lower()] == {"issued": 1_000, "redeemed_at": 0, "net": -1_000}


@pytest.mark.parametrize("days", [0, 1])
def test_merchants_are_not_customers_before_the_first_expiry(days, token, issuer, merchant, alice, db, make_indexer,
                                                             svc_chain, matches_chain):
    """In the program's first `validity` epochs no epoch has expired: an acceptor's plain balance
    (lot epoch -1) must not be counted as a customer lot (the report's identity, the merchant's
    statement, reminders)."""
    from servicecoin.reports.transparency import chain_totals, to_markdown, transparency

    token.issue(alice, 500, 0, NOREF, {"from": issuer})
    token.transfer(merchant, 200, {"from": alice})
    advance(days) if days else chain.mine()
    make_indexer(db).run()
    assert token.currentEpoch() == days < 3 - 1  # first live epoch would be days - 3 + 1 < 0
    matches_chain(db, [alice, merchant])
    r = transparency(db, chain_totals(svc_chain, db))
    assert r["identity"]["balanced"] and r["reconciliation"]["reconciled"], r["reconciliation"]["differences"]
    assert r["outstanding"] == {"customers": 300, "acceptors": 200, "total": 500}
    assert "holds." in to_markdown(r) and "does not hold" not in to_markdown(r)
    s = statement(db, str(merchant), on_chain=chain_view(svc_chain, db, str(merchant)))
    assert s["chain"]["matches"] and s["balance"] == 200 and s["lots"] == []
    at = int(db.meta("cursor"))
    now = web3.eth.get_block(at)["timestamp"]
    assert [r["address"] for r in reminders(db, 10 * DAY, now=now)] == [str(alice).lower()]


def test_statement_history_pages_back_from_the_newest(history, alice, db, make_indexer):
    from servicecoin.cli import cli

    make_indexer(db).run()
    whole = statement(db, str(alice), limit=None)
    assert whole["history_page"]["more"] is False and len(whole["history"]) == 5
    pages, before = [], None
    while True:
        s = statement(db, str(alice), limit=2, before=before)
        assert s["totals"] == whole["totals"]  # totals cover the whole history, whatever the page
        pages.insert(0, s["history"])
        if not s["history_page"]["more"]:
            break
        before = tuple(int(x) for x in s["history_page"]["next_before"].split(":"))
    assert [len(p) for p in pages] == [1, 2, 2]
    assert [h for p in pages for h in p] == whole["history"]
    assert [h["kind"] for h in pages[-1]] == ["transfer out", "spend"]
    base = ["statement", str(alice), "--no-update", "--db", db.url, "--network", "development"]
    first = CliRunner().invoke(cli, base + ["--limit", "2", "--json"])
    assert first.exit_code == 0, first.output
    nxt = json.loads(first.output)["history_page"]["next_before"]
    second = json.loads(CliRunner().invoke(cli, base + ["--limit", "2", "--before", nxt, "--json"]).output)
    assert second["history"] == pages[1]
    assert "--before " + nxt in CliRunner().invoke(cli, base + ["--limit", "2"]).output
    bad = CliRunner().invoke(cli, base + ["--before", "soon"])
    assert bad.exit_code == 2 and "BLOCK:LOGINDEX" in bad.output
