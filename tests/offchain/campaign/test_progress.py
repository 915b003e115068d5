"""What `svc campaign run` shows while it runs and after: a progress line of at most 80 columns that
counts recipients of confirmed batches only, and a duration that covers every run of the campaign."""

import re

from servicecoin.campaign.journal import CONFIRMED
from servicecoin.campaign.plan import load_plan
from servicecoin.campaign.report import build_report, run_seconds, to_markdown
from servicecoin.campaign.runner import progress_bar, run_campaign

from tests.offchain.campaign.campaignkit import purchases, write_campaign

FRAME = re.compile(r"(\d[\d,]*)/(\d[\d,]*) paid, batch (\d+)/(\d+)")


def test_progress_line_counts_confirmed_recipients_and_fits_80_columns(tmp_path, chain, ctoken, journal, capsys):
    plan = load_plan(write_campaign(tmp_path, "a-campaign-with-a-rather-long-id", purchases("bar", 30),
                                    batch_size=8))
    assert run_campaign(chain, plan, journal, ctoken, progress=True).complete
    frames = [f for f in re.split(r"[\r\n]+", re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", capsys.readouterr().err)) if f]
    assert frames and all(len(f) <= 80 for f in frames), max(frames, key=len)
    sizes = [len(b.recipients) for b in plan.batches]  # 8, 8, 8, 6
    seen = [tuple(int(x.replace(",", "")) for x in m.groups()) for f in frames if (m := FRAME.search(f))]
    assert seen and seen[-1] == (30, 30, 4, 4)
    for paid, total, batches, of in seen:  # never ahead of (nor behind) the confirmed batches
        assert total == 30 and of == 4 and paid == sum(sizes[:batches]), seen


def test_progress_line_stays_within_80_columns_for_big_campaigns():
    bar = progress_bar("spring-2026-thank-you-to-every-customer", 1_250_000, 0, disable=False)
    try:
        bar.set_postfix_str("batch 2,499/2,500", refresh=False)
        bar.n = 1_249_500
        assert len(str(bar)) <= 80 and "1,249,500/1,250,000 paid" in str(bar), str(bar)
    finally:
        bar.close()


def test_duration_covers_every_run_a_killed_one_included(tmp_path, chain, ctoken, journal):
    plan = load_plan(write_campaign(tmp_path, "twice", purchases("twice", 12), batch_size=4))
    run_campaign(chain, plan, journal, ctoken, progress=False)
    key = journal.key(plan.campaign.id, ctoken.address)
    records = journal.batches(key)
    assert all(r.status == CONFIRMED for r in records)
    first = journal.runs(key)[0]
    killed = {"started_at": first["started_at"] - 100.0, "ended_at": None, "outcome": None}
    # A run killed before it could record its end lasted until its last journal write (here: 30 s).
    records_then = [type(r)(**{**r.__dict__, "updated_at": killed["started_at"] + 30.0}) for r in records[:1]]
    assert run_seconds([killed, first], records_then + records) == 30.0 + first["ended_at"] - first["started_at"]
    assert run_seconds([first], records) == first["ended_at"] - first["started_at"]
    report = build_report(plan, journal, ctoken.address, "development")
    assert report["duration_seconds"] == run_seconds(journal.runs(key), records)
    assert re.search(r"- Duration: [\d.]+ s over 1 run\(s\), the first started \d{4}-\d\d-\d\d \d\d:\d\d UTC",
                     to_markdown(report))
