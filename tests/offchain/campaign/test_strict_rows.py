"""Strict campaign rows: amounts under the plain decimal grammar, header aliases, an extra cell or an
amount past the per-row maximum as bad rows named by line (so --skip-invalid passes over them), and
rows that carry their own reason: grouped into batches of one reason, recorded on chain with it."""

import csv
import sqlite3

import pytest
from click.testing import CliRunner

from tests.offchain.campaign.campaignkit import people, write_campaign
from servicecoin.campaign.definition import load_campaign
from servicecoin.campaign.input import read_rows
from servicecoin.campaign.journal import Journal
from servicecoin.campaign.plan import load_plan
from servicecoin.campaign.runner import run_campaign
from servicecoin.cli import cli
from servicecoin.errors import ConfigError
from servicecoin.token import UNIT, Reason

A, B, C = people("strict", 3)


def write_rows(folder, header, rows, name="rows.csv"):
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as fp:
        out = csv.writer(fp)
        out.writerow(header)
        out.writerows(rows)
    return path


def campaign_file(folder, extra=""):
    return write_campaign(folder, "strict", [], budget=100_000).read_text().replace("rules:", extra + "rules:")


@pytest.fixture
def campaign(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(campaign_file(tmp_path, "max_per_row: 500\n"))
    return load_campaign(path)


@pytest.mark.parametrize("amount", ["1e3", "1E3", "-5", "+5", "1_000", "1,000", "1 000", "٣", "１٠", "1.", ".5",
                                    "12.345", "NaN", "Infinity", "0x10", "9" * 70])
def test_an_amount_outside_the_plain_grammar_is_a_bad_row(tmp_path, campaign, amount):
    path = write_rows(tmp_path, ["address", "action", "amount", "ref"], [[A, "purchase", amount, "r1"],
                                                                         [B, "purchase", "10", "r2"]])
    check = read_rows(path, campaign)
    assert [(b.line, b.column) for b in check.bad] == [(2, "amount")], check.bad
    assert [r.address for r in check.rows] == [B]


def test_1e3_is_not_paid_as_a_thousand(tmp_path, campaign):
    path = write_rows(tmp_path, ["address", "action", "amount", "ref"], [[A, "purchase", "1e3", "r1"]])
    check = read_rows(path, campaign)
    assert not check.rows and "not a number (a currency amount is plain digits" in check.bad[0].reason


def test_an_extra_cell_is_a_bad_row_named_by_line(tmp_path, campaign):
    path = write_rows(tmp_path, ["address", "action", "amount", "ref"], [[B, "purchase", "10", "r0"],
                                                                         [A, "purchase", "1", "000", "r1"]])
    check = read_rows(path, campaign)
    assert [(b.line, b.column) for b in check.bad] == [(3, "extra")]
    assert str(check.bad[0]).startswith(f"{path}:3: column 'extra'")


def test_an_unknown_header_column_names_the_columns_expected(tmp_path, campaign):
    path = write_rows(tmp_path, ["address", "action", "amount", "ref", "note"], [[A, "purchase", "1", "r1", "x"]])
    with pytest.raises(ConfigError) as exc:
        read_rows(path, campaign)
    message = str(exc.value)
    assert message.startswith(f"{path}:1: unknown column 'note'")
    for expected in ("address (or wallet, customer, account)", "amount (or value, total)", "ref (or reference",
                     "reason"):
        assert expected in message, message


def test_a_missing_column_names_the_columns_expected(tmp_path, campaign):
    path = write_rows(tmp_path, ["wallet", "action", "ref"], [[A, "purchase", "r1"]])
    with pytest.raises(ConfigError, match=r":1: header lacks column\(s\) amount \(expected: address"):
        read_rows(path, campaign)


def test_header_aliases(tmp_path, campaign):
    path = write_rows(tmp_path, ["Reference", " WALLET ", "event", "value"], [["r1", A, "purchase", "10.00"],
                                                                             ["r2", B, "survey", ""]])
    check = read_rows(path, campaign)
    assert not check.bad and [(r.address, r.ref) for r in check.rows] == [(A, "r1"), (B, "r2")]


def test_a_column_named_twice_is_an_error(tmp_path, campaign):
    path = write_rows(tmp_path, ["address", "wallet", "action", "amount", "ref"], [[A, B, "survey", "", "r1"]])
    with pytest.raises(ConfigError, match="appears twice"):
        read_rows(path, campaign)


def test_an_amount_past_the_per_row_maximum_is_a_bad_row(tmp_path, campaign):
    # purchase pays 1.5 points per unit: 400 units = 600 points > max_per_row 500
    path = write_rows(tmp_path, ["address", "action", "amount", "ref"], [[A, "purchase", "400", "r1"],
                                                                         [B, "purchase", "300", "r2"]])
    check = read_rows(path, campaign)
    assert [(b.line, b.column) for b in check.bad] == [(2, "amount")]
    assert "above the per-row maximum of 500.00" in check.bad[0].reason
    assert [r.points for r in check.rows] == [450 * UNIT]


def test_the_per_row_maximum_defaults_to_the_budget(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(campaign_file(tmp_path))
    campaign = load_campaign(path)
    assert campaign.max_per_row == campaign.budget
    rows = write_rows(tmp_path, ["address", "action", "amount", "ref"], [[A, "purchase", "9" * 40, "r1"]])
    check = read_rows(rows, campaign)
    assert check.bad and check.bad[0].column == "amount" and not check.rows


@pytest.mark.parametrize("value", ["1e3", "-1", "ten", "1_000"])
def test_campaign_file_points_follow_the_grammar(tmp_path, value):
    path = tmp_path / "c.yaml"
    path.write_text(campaign_file(tmp_path).replace("budget: 100000", f"budget: '{value}'"))
    with pytest.raises(ConfigError, match="budget"):
        load_campaign(path)


def test_a_bad_reason_is_a_bad_row(tmp_path, campaign):
    path = write_rows(tmp_path, ["address", "action", "amount", "ref", "reason"],
                      [[A, "survey", "", "r1", "bribe"], [B, "survey", "", "r2", "REFERRAL"], [C, "survey", "", "r3", ""]])
    check = read_rows(path, campaign)
    assert [(b.line, b.column) for b in check.bad] == [(2, "reason")]
    assert [(r.address, r.reason) for r in check.rows] == [(B, Reason.REFERRAL), (C, Reason.CAMPAIGN)]


# ---------------------------------------------------------------------------------------- on chain
def reasons_campaign(tmp_path, batch_size=2):
    rows = [(A, "purchase", "10", "p-a", "purchase"), (B, "purchase", "20", "p-b", "purchase"),
            (A, "referral", "", "ref-a", "referral"), (C, "referral", "", "ref-c", "referral"),
            (B, "survey", "", "s-b", ""), (C, "purchase", "400", "too-much", "purchase"),  # 600 > max_per_row
            (C, "survey", "", "extra", "", "surplus")]
    path = write_campaign(tmp_path, "reasons", [], batch_size=batch_size)
    path.write_text(path.read_text().replace("rules:", "max_per_row: 500\nrules:"))
    write_rows(tmp_path, ["address", "action", "amount", "ref", "reason"], rows, "reasons.csv")
    return path


def test_rows_with_their_own_reason_are_batched_by_reason_and_recorded_with_it(tmp_path, chain, ctoken, journal):
    plan = load_plan(reasons_campaign(tmp_path))
    assert [(b.line, b.column) for b in plan.skipped] == [(7, "amount"), (8, "extra")]
    assert [b.reason for b in plan.batches] == [Reason.PURCHASE, Reason.REFERRAL, Reason.CAMPAIGN]
    run = run_campaign(chain, plan, journal, ctoken, skip_invalid=True, progress=False)
    assert run.complete
    batches = ctoken.events.BatchIssued().get_logs(from_block=0)
    assert sorted((Reason(e["args"]["reason"]), e["args"]["recipients"], e["args"]["total"]) for e in batches) == [
        (Reason.PURCHASE, 2, 45 * UNIT), (Reason.REFERRAL, 2, 200 * UNIT), (Reason.CAMPAIGN, 1, 50 * UNIT)]
    assert {a: ctoken.functions.balanceOf(a).call() for a in (A, B, C)} == {A: 115 * UNIT, B: 80 * UNIT, C: 100 * UNIT}
    assert journal.credits(run.campaign_key) == {A: 115 * UNIT, B: 80 * UNIT, C: 100 * UNIT}


def test_cli_plan_shows_the_bad_rows_and_a_run_skips_them(tmp_path):
    path = reasons_campaign(tmp_path)
    out = CliRunner(mix_stderr=False).invoke(cli, ["campaign", "plan", str(path), "--offline", "--token",
                                                   "0x" + "11" * 20, "--journal", str(tmp_path / "j.sqlite")])
    assert out.exit_code == 2, out.stderr
    assert "reasons.csv:7: column 'amount'" in out.stdout and "reasons.csv:8: column 'extra'" in out.stdout


def test_an_old_journal_is_migrated_to_credits_per_batch(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE credits (campaign_key TEXT NOT NULL, address TEXT NOT NULL, idx INTEGER NOT NULL,"
                     " minted INTEGER NOT NULL, PRIMARY KEY (campaign_key, address));"
                     "INSERT INTO credits VALUES ('c@t', '0xA', 0, 100), ('c@t', '0xB', 1, 200);")
    db.commit()
    db.close()
    journal = Journal(path)
    try:
        assert journal.credits("c@t") == {"0xA": 100, "0xB": 200}
        assert journal.batch_credits("c@t") == {(0, "0xA"): 100, (1, "0xB"): 200}
        journal.mark_confirmed("c@t", 2, "0x01", 1, 1, 1, [("0xA", 5)])  # the same address in a second batch
        assert journal.credits("c@t") == {"0xA": 105, "0xB": 200}
    finally:
        journal.close()
