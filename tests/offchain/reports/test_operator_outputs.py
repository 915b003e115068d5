"""What operators read: `svc report analytics` (terminal and HTML), its charts, `svc reminders`,
`svc followups`, dates and redemption ids — each figure checked against one computed by hand."""

import re

import pytest
from click.testing import CliRunner

from servicecoin.reports.dates import iso, months_between
from tests.contracts.service_log.logkit import NO_PREVIOUS_LOG
from tests.offchain.reports.reportkit import NOREF, advance

NET = ["--network", "development"]


def run(*args):
    from servicecoin.cli import cli

    result = CliRunner().invoke(cli, list(args) + NET)
    assert result.exit_code == 0, result.output
    return result.output


def test_lifetime_value_is_in_points_not_raw_units(history, db, make_indexer):
    """Purchases earned alice 400 + 100 raw (base amounts) = 5.00 points; bob and carol bought nothing; every
    span is under a year (counted as one): (5.00 + 0 + 0) / 3 customers × 1 year = 1.67 points."""
    from servicecoin.reports.analytics import analytics

    make_indexer(db).run()
    clv = analytics(db)["customer_lifetime_value"]
    assert clv["estimate"] == 1.67 and clv["unit"] == "points earned by purchases"


def test_average_per_customer_reads_the_same_in_the_terminal_and_the_html(history, db, make_indexer, tmp_path):
    """Earned: alice 400 + 200 + 150 (tier x1.5), bob 300 + 80, carol 40 = 1,170 raw / 3 = 3.90 points."""
    make_indexer(db).run()
    out = run("report", "analytics", "--no-update", "--db", db.url, "--charts", str(tmp_path / "c"))
    page = (tmp_path / "c" / "report.html").read_text()
    assert re.search(r"average points earned per customer\s+3\.90\n", out), out
    assert "<th>average points earned per customer</th><td>3.90</td>" in page
    assert "390" not in out and "390" not in page
    assert "1.67 points earned by purchases" in out and "1.67 points earned by purchases" in page


def test_analytics_prints_tables_not_python_dicts(history, db, make_indexer):
    make_indexer(db).run()
    out = run("report", "analytics", "--no-update", "--db", db.url)
    assert "{" not in out and "None" not in out and "'" not in out, out
    assert re.search(r"Customers by tier\n\s+tier\s+customers\s+share\n", out), out
    assert re.search(r"\n\s+Member\s+2\s+67%\n\s+Silver\s+1\s+33%\n", out), out  # alice reached 500, lowest first


def test_html_report_is_a_page_with_dates_and_no_raw_data(history, db, make_indexer, tmp_path):
    from servicecoin.reports.analytics import analytics, monthly_flows
    from servicecoin.reports.charts import write_charts

    make_indexer(db).run()
    a = analytics(db)
    page = write_charts(tmp_path, monthly_flows(db), a)["html"].read_text()
    assert "<h1>ServiceCoin analytics</h1>" in page and page.count("<h2>") >= 3 and page.count("<table>") >= 5
    assert all(f'<img src="{n}.png"' in page for n in ("flows", "tiers", "ratings"))
    assert iso(a["as_of"]) in page and str(a["as_of"]) not in page  # a date, never Unix seconds
    body = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    assert "None" not in body and "{" not in body and "null" not in body


def test_month_axis_has_every_month_empty_ones_at_zero(token, issuer, alice, db, make_indexer, tmp_path):
    from servicecoin.reports.analytics import analytics, monthly_flows
    from servicecoin.reports.charts import write_charts

    token.issue(alice, 5_000_000, 0, NOREF, {"from": issuer})  # 50,000 points
    advance(75)  # at least one whole calendar month with no movement at all
    token.issue(alice, 300, 0, NOREF, {"from": issuer})
    make_indexer(db).run()
    flows = monthly_flows(db)
    months = list(flows)
    assert months == months_between(months[0], months[-1]) and len(months) >= 3
    empty = [m for m, v in flows.items() if not any(v.values())]
    assert empty, flows
    assert sum(v["issued"] for v in flows.values()) == token.totalIssued()
    paths = write_charts(tmp_path, flows, analytics(db))
    page = paths["html"].read_text()
    for m in empty:
        assert f"<td>{m}</td>" in page  # the table under the chart lists the empty month too
    assert "50,000.00" in page and "50,003.00" in page  # thousands separators, total row


def test_chart_axes_whole_numbers_thousands_and_own_scales(tmp_path):
    """Draw the flows and tier charts and read their axes back: spent and expired get their own scale
    beside a large issued series, counts get whole-number ticks, points carry separators."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from servicecoin.reports import charts

    flows = {"2026-11": {"issued": 10**9, "spent": 500, "expired": 0},
             "2026-12": {"issued": 0, "spent": 0, "expired": 0},
             "2027-01": {"issued": 2 * 10**8, "spent": 700, "expired": 900}}
    figs = []
    real_close = plt.close
    plt.close = lambda fig=None: figs.append(fig)
    try:
        charts.flows_chart(tmp_path / "f.png", flows)
        charts.tiers_chart(tmp_path / "t.png", {"Member": 3, "Silver": 1})
    finally:
        plt.close = real_close
    issued, spent, expired = figs[0].axes
    assert [t.get_text() for t in expired.get_xticklabels()] == ["2026-11", "2026-12", "2027-01"]
    assert spent.get_ylim()[1] < 20 and expired.get_ylim()[1] < 20  # 7 and 9 points: visible, not flattened
    assert issued.get_ylim()[1] > 10_000_000
    figs[0].canvas.draw()
    assert any("," in t.get_text() for t in issued.get_yticklabels())  # 10,000,000
    tier_ticks = figs[1].axes[0].get_yticks()
    assert all(float(t).is_integer() for t in tier_ticks)
    for f in figs:
        real_close(f)


def test_reminders_most_urgent_first_with_days_left_count_and_total(token, issuer, alice, bob, carol, db,
                                                                    make_indexer):
    token.issue(alice, 1_000, 0, NOREF, {"from": issuer})
    token.issue(bob, 250, 0, NOREF, {"from": issuer})
    advance(1)
    token.issue(carol, 4_000, 0, NOREF, {"from": issuer})
    make_indexer(db).run()
    out = run("reminders", "--within", "10d", "--no-update", "--db", db.url)
    lines = out.splitlines()
    assert lines[0] == "3 customers with 52.50 points expiring within 10d, most urgent first", out
    addresses = [str(a).lower() for a in (alice, bob, carol)]
    order = [next(a for a in addresses if a in line) for line in lines if any(a in line for a in addresses)]
    assert order == addresses  # alice and bob expire first (alice has more), carol a day later
    assert re.search(r"\s+total\s+52\.50$", lines[-1]), out
    days = [int(re.search(r"UTC\s+(\d+)\s+0x", line).group(1)) for line in lines if " 0x" in line]
    assert days == sorted(days) and days[-1] <= 3  # one-day epochs, three of validity


def test_followups_read_as_a_work_list(token, admin, issuer, alice, bob, db, make_indexer):
    from brownie import ServiceLog, accounts

    from servicecoin.index.indexer import Indexer

    agent = accounts[8]
    log = ServiceLog.deploy(admin, token, 500, 200, 0, *NO_PREVIOUS_LOG, {"from": admin})
    log.grantRole(log.AGENT_ROLE(), agent, {"from": admin})
    for kind, ticket, who in ((0, 7, alice), (4, 7, alice), (2, 7, alice), (0, 9, bob), (4, 9, bob), (2, 9, bob)):
        log.append((kind, 0, 0, ticket, who, "0x" + "11" * 32), {"from": agent})  # agent records commit to something
    advance(5)
    ix = make_indexer(db)
    Indexer(ix.chain, db, ix.settings, contracts={"RewardToken": token.address, "ServiceLog": log.address},
            log=lambda m: None).run()
    out = run("followups", "--no-update", "--db", db.url)
    lines = out.splitlines()
    assert lines[0].startswith("2 follow-up calls to make, oldest first"), out
    rows = [line.split() for line in lines if re.match(r"\s+\d+\s+#", line)]
    assert [r[:4] for r in rows] == [["1", "#7", str(alice).lower(), "complaint"],
                                     ["2", "#9", str(bob).lower(), "complaint"]]
    assert all(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", line) for line in lines if re.match(r"\s+\d+\s+#", line))
    assert "svc log followup TICKET CUSTOMER" in out and "Called back so far: 0 of 2" in out


def test_one_redemption_id_format_in_statement_and_vault_records(token, vault, gift, merchant, issuer, alice, db,
                                                                 svc_chain):
    from servicecoin.index import Indexer, IndexSettings
    from servicecoin.reports.ids import redemption_ref
    from servicecoin.reports.text import format_statement
    from servicecoin.statement import statement
    from servicecoin.vault.redemptions import read_redemption

    token.issue(alice, 200 * 100, 0, NOREF, {"from": issuer})
    tx = vault.redeem(gift, 1, 100 * 100, {"from": alice})
    rid = int(tx.events["Redeemed"]["id"])
    Indexer(svc_chain, db, IndexSettings(confirmations=0), log=lambda m: None,
            contracts={"RewardToken": token.address, "RedemptionVault": vault.address}).run()
    s = statement(db, str(alice))
    spend = next(h for h in s["history"] if h["kind"] == "spend")
    shown = read_redemption(svc_chain.w3.eth.contract(vault.address, abi=vault.abi), rid).to_json()["redemption_id"]
    assert spend["redemption"] == shown == redemption_ref(str(rid)) == hex(rid)
    assert f"redemption {hex(rid)} " in format_statement(s) and str(rid) not in format_statement(s)


@pytest.mark.parametrize("ts,text", [(0, "—"), (1_796_625_605, "2026-12-07 06:40 UTC")])
def test_dates_for_people(ts, text):
    from servicecoin.reports.dates import when

    assert when(ts) == text


def test_months_between_crosses_the_year():
    assert months_between("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
