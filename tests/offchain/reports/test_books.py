"""Transparency additions (breakage rate over matured lots, redemptions by source, as-of block) and CSV
exports of every report."""

import csv
import io

from click.testing import CliRunner

from servicecoin.cli import cli
from servicecoin.reports.provenance import NO_CAMPAIGN
from servicecoin.reports.transparency import transparency

from tests.offchain.reports.reportkit import advance


def test_breakage_rate_counts_only_matured_lots(history, db, make_indexer):
    make_indexer(db).run()
    assert transparency(db)["breakage_rate"]["rate"] is None  # nothing has matured yet
    advance(3)
    make_indexer(db).run()
    b = transparency(db)["breakage_rate"]
    issued = 400 + 540 + 150 + 80  # alice's last 100 earned 150 at tier 1 (1.5x)
    assert b["issued_in_matured_lots"] == issued and b["expired"] == issued - 280
    assert b["rate"] == f"{(issued - 280) / issued:.4f}"


def test_redemptions_are_traced_to_the_oldest_credits(history, db, make_indexer, issuer):
    make_indexer(db).run()
    r = transparency(db)["redemptions"]
    assert r["by_issuer"] == {str(issuer).lower(): 280}  # 250 paid to the merchant + 30 spent
    assert r["by_campaign"] == {NO_CAMPAIGN: 280}  # from order-1's 400, the oldest credit of the oldest epoch


def test_reports_carry_the_as_of_block(history, db, make_indexer):
    make_indexer(db).run()
    t = transparency(db)
    assert t["block"] == int(db.meta("cursor")) and t["as_of_utc"].endswith("Z")


def test_every_report_exports_csv_with_iso_times(history, db, make_indexer, alice):
    make_indexer(db).run()
    base = ["--db", db.url, "--no-update"]
    for args in (["report", "transparency"], ["report", "analytics"], ["report", "settlement"], ["followups"],
                 ["statement", str(alice)]):
        out = CliRunner().invoke(cli, args + base + ["--csv"])
        assert out.exit_code == 0, (args, out.output)
        rows = dict(csv.reader(io.StringIO(out.output)))
        assert rows.pop("figure") == "value"
        assert rows["as_of"].endswith("Z") and "T" in rows["as_of"], args
        assert not any(k.endswith("_text") for k in rows), args
