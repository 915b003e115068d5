"""Campaign file and CSV validation: every bad-row kind reported with file, line, column and reason."""

import random
from decimal import Decimal

import pytest

from servicecoin.campaign.definition import load_campaign
from servicecoin.campaign.input import read_rows
from servicecoin.campaign.plan import load_plan, make_plan, max_batch
from servicecoin.errors import ConfigError

from tests.offchain.campaign.campaignkit import EXAMPLES, people, purchases, write_campaign

EXPECTED_BAD = {  # line → (column, words in the reason)
    3: ("address", "not an address"),
    4: ("address", "wrong checksum"),
    5: ("address", "zero address"),
    6: ("action", "unknown action"),
    7: ("amount", "negative"),
    8: ("amount", "not a number"),
    9: ("amount", "more than 2 decimals"),
    10: ("ref", "duplicate external reference (first on line 2)"),
    12: ("amount", "past the per-customer cap"),
    13: ("amount", "missing amount"),
    14: ("amount", "fixed bonus"),
    15: ("ref", "missing external reference"),
    16: ("amount", "earns 0 points"),
}


def test_every_bad_row_kind_is_reported_with_line_column_and_reason():
    plan = load_plan(EXAMPLES / "campaign-bad-rows.yaml")
    found = {b.line: (b.column, b.reason) for b in plan.skipped}
    assert set(found) == set(EXPECTED_BAD)
    for line, (column, words) in EXPECTED_BAD.items():
        assert found[line][0] == column
        assert words in found[line][1], (line, found[line])
    assert all(b.file.endswith("campaign-bad-rows.csv") for b in plan.skipped)
    assert str(plan.skipped[0]).startswith(f"{plan.skipped[0].file}:3: column 'address'")


def test_good_rows_survive_beside_bad_ones():
    plan = load_plan(EXAMPLES / "campaign-bad-rows.yaml")
    assert plan.rows == 2 and {r.ref for a in plan.allocations for r in a.rows} == {"good-1", "good-cap-1"}


def test_lowercase_and_uppercase_addresses_are_accepted_and_checksummed(tmp_path):
    a = people("case", 1)[0]
    path = write_campaign(tmp_path, "case", [(a.lower(), "survey", "", "s1"), ("0x" + a[2:].upper(), "referral", "", "r1")])
    plan = load_plan(path)
    assert not plan.skipped and [x.address for x in plan.allocations] == [a]
    assert plan.allocations[0].points == 150 * 100


@pytest.mark.parametrize("rounding, amount, points", [
    ("down", "0.67", "1.00"),      # 1.005 → 1.00
    ("up", "0.67", "1.01"),
    ("half_up", "0.67", "1.01"),
    ("half_even", "0.67", "1.00"),  # 1.005 → 1.00 (to even)
    ("half_even", "0.69", "1.04"),  # 1.035 → 1.04
    ("down", "10.01", "15.01"),     # 15.015 → 15.01
])
def test_rounding_rule_applies_to_points_per_unit(tmp_path, rounding, amount, points):
    path = write_campaign(tmp_path, f"r-{rounding}", [(people("r", 1)[0], "purchase", amount, "o1")], rounding=rounding)
    plan = load_plan(path)
    assert plan.allocations[0].points == int(Decimal(points) * 100)


def test_cap_per_customer_keeps_rows_up_to_the_cap_and_rejects_the_rest(tmp_path):
    a, b = people("cap", 2)
    rows = [(a, "purchase", "40", "o1"), (a, "survey", "", "s1"), (a, "referral", "", "x1"), (a, "survey", "", "s2"),
            (b, "referral", "", "x2")]
    plan = load_plan(write_campaign(tmp_path, "cap", rows, cap=120))  # 60 + 50 = 110; +100 and +50 are past 120
    assert plan.allocation(a).points == 110 * 100
    assert plan.allocation(b).points == 100 * 100
    assert [(s.line, s.column) for s in plan.skipped] == [(4, "action"), (5, "action")]


def test_same_input_in_any_order_gives_the_same_batches(tmp_path):
    rows = purchases("det", 60) + [(a, "survey", "", f"s-{i}") for i, a in enumerate(people("det", 60))]
    first = load_plan(write_campaign(tmp_path, "det", rows, batch_size=25))
    random.Random(7).shuffle(rows)
    second = load_plan(write_campaign(tmp_path, "det", rows, batch_size=25))
    assert [b.batch_id for b in first.batches] == [b.batch_id for b in second.batches]
    assert len(first.batches) == 3 and [len(b.recipients) for b in first.batches] == [25, 25, 10]
    assert first.plan_hash == second.plan_hash


def test_batch_ids_change_with_campaign_id_and_content(tmp_path):
    rows = purchases("ids", 5)
    base = load_plan(write_campaign(tmp_path, "ids-a", rows)).batches[0].batch_id
    other_id = load_plan(write_campaign(tmp_path, "ids-b", rows)).batches[0].batch_id
    other_amount = load_plan(write_campaign(tmp_path, "ids-a", purchases("ids", 5, "12.35"))).batches[0].batch_id
    assert len({base, other_id, other_amount}) == 3


def test_batches_are_cut_under_the_transaction_gas_cap(tmp_path):
    plan = load_plan(write_campaign(tmp_path, "big", purchases("big", 1200), batch_size=2000))
    assert max_batch(2000) < 600
    assert all(b.gas_model < 16_777_216 for b in plan.batches)
    assert sum(len(b.recipients) for b in plan.batches) == 1200


def test_same_address_rows_are_aggregated_into_one_credit(tmp_path):
    a = people("agg", 1)[0]
    plan = load_plan(write_campaign(tmp_path, "agg", [(a, "purchase", "10", "o1"), (a, "survey", "", "s1")]))
    assert len(plan.allocations) == 1 and plan.allocations[0].points == (15 + 50) * 100
    assert plan.allocations[0].why() == "purchase, survey"


@pytest.mark.parametrize("text, where", [
    ("id: x\nreason: nonsense\nbudget: 1\nrules: {survey: 1}\n", ":2: reason"),
    ("id: x\nreason: campaign\nbudget: -1\nrules: {survey: 1}\n", ":3: budget"),
    ("id: x\nreason: campaign\nbudget: 1\nbatch_size: 0\nrules: {survey: 1}\n", ":4: batch_size"),
    ("id: x\nreason: campaign\nbudget: 1\nrules:\n  purchase: {points_per_unit: 1, rounding: sideways}\n",
     ":5: rules.purchase.rounding"),
    ("id: x\nreason: campaign\nbudget: 1\ncolour: red\nrules: {survey: 1}\n", ":4: colour"),
])
def test_campaign_file_errors_name_file_line_and_field(tmp_path, text, where):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=rf"c\.yaml{where}"):
        load_campaign(path)


def test_csv_without_required_columns_is_refused(tmp_path):
    path = write_campaign(tmp_path, "hdr", [])
    (tmp_path / "hdr.csv").write_text("wallet,action\n0x0,survey\n")
    with pytest.raises(ConfigError, match=r"hdr\.csv:1: header lacks column\(s\) amount, ref \(expected: address"):
        read_rows(tmp_path / "hdr.csv", load_campaign(path))


def test_planned_total_past_campaign_budget_is_flagged(tmp_path):
    plan = make_plan(*(lambda c: (c, read_rows(c.input, c)))(load_campaign(
        write_campaign(tmp_path, "bud", purchases("bud", 10, "100"), budget=1000))))
    assert plan.total == 1500 * 100 and not plan.summary()["within_budget"]
