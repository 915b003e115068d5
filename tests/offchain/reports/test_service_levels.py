"""`svc report service-levels` on a local chain with a known packed history: figures against hand-computed
values, help-desk event times (not block times), the channel split, anchored records counted only where their
batch files are held, `--verify` from chain data alone, and the public version without addresses."""

import json
import re

import pytest
from brownie import ServiceLog

from servicecoin.chain import dev_account
from servicecoin.errors import ConfigError
from servicecoin.index import Indexer, IndexSettings, open_db
from servicecoin.reports.service_levels import Settings, percentile, report
from servicecoin.reports.export import to_csv
from servicecoin.reports.service_levels_view import format_service_levels, write_charts
from servicecoin.servicelog import Channel, Entry, Kind, Outcome, append_batch, give_feedback
from servicecoin.servicelog.anchoring import anchor_records
from tests.offchain.reports.reportkit import advance
from tests.offchain.servicelog.conftest import slog, slog_address, store, svc_chain  # noqa: F401 (fixtures)

H, D = 3600, 86_400
T = 1_790_000_000  # 2026-09-21: the help desk's event times, long before the blocks that carry them
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}(?![0-9a-fA-F])")


@pytest.fixture
def history(svc_chain, slog, store, admin, tmp_path):
    """Five tickets by two agents over three channels, sent in two packed batches well after the events:

    ticket  channel  agent  first reply  resolved   other
    1       chat     A      1 h          10 h       rating 5
    2       chat     A      3 h          2 d        complaint, follow-up call: satisfied
    3       phone    B      5 h          4 d        an anchored complaint (held in the batch folder)
    4       phone    B      2 h          1 d        rating 2, two months after ticket 1's
    5       e-mail   B      9 h          —
    """
    a, b = dev_account(8), dev_account(7)
    log = ServiceLog.at(slog.address)
    log.grantRole(log.AGENT_ROLE(), b.address, {"from": admin})
    c1, c2 = dev_account(5), dev_account(6)
    chat, phone, mail = Channel.CHAT, Channel.PHONE, Channel.EMAIL

    def e(kind, ticket, who, at, channel, detail=0):
        return Entry(kind, ticket, who.address, f"{kind.name} {ticket}", detail, channel=channel, time=T + at)

    opens = [e(Kind.OPENED, 1, c1, 0, chat), e(Kind.OPENED, 2, c2, 0, chat), e(Kind.OPENED, 3, c1, 0, phone),
             e(Kind.OPENED, 4, c2, 0, phone), e(Kind.OPENED, 5, c1, 0, mail)]
    append_batch(svc_chain, opens + [e(Kind.REPLY, 1, c1, 1 * H, chat), e(Kind.REPLY, 2, c2, 3 * H, chat),
                                     e(Kind.RESOLVED, 1, c1, 10 * H, chat), e(Kind.COMPLAINT, 2, c2, 20 * H, chat),
                                     e(Kind.RESOLVED, 2, c2, 2 * D, chat),
                                     e(Kind.FOLLOWUP, 2, c2, 3 * D, chat, int(Outcome.SATISFIED))],
                 store, sender=a, log=slog)
    append_batch(svc_chain, [e(Kind.REPLY, 3, c1, 5 * H, phone), e(Kind.REPLY, 4, c2, 2 * H, phone),
                             e(Kind.REPLY, 5, c1, 9 * H, mail), e(Kind.RESOLVED, 4, c2, 1 * D, phone),
                             e(Kind.RESOLVED, 3, c1, 4 * D, phone)], store, sender=b, log=slog)
    folder = tmp_path / "anchored"
    anchor_records(svc_chain, [e(Kind.COMPLAINT, 3, c1, 5 * D, phone)], store, folder, sender=b, log=slog)
    give_feedback(svc_chain, c1, 1, 5, None, store, relayer=dev_account(9), log=slog)
    advance(62)
    give_feedback(svc_chain, c2, 4, 2, None, store, relayer=dev_account(9), log=slog)
    return {"a": a.address.lower(), "b": b.address.lower(), "folder": folder}


@pytest.fixture
def indexed(svc_chain, slog, token, tmp_path, history):
    db = open_db(str(tmp_path / "index.sqlite"), "development")
    Indexer(svc_chain, db, IndexSettings(confirmations=0),
            contracts={"RewardToken": token.address, "ServiceLog": slog.address}, log=lambda m: None).run()
    yield db
    db.close()


def run(svc_chain, slog, db, history, settings=None, **kw):
    return report("development", db, settings or Settings(), chain=svc_chain, log=slog,
                  anchored_folder=kw.pop("folder", history["folder"]), **kw)


def test_percentiles_interpolate_between_ranks():
    assert percentile([5, 1, 9, 3, 2], 50) == 3 and percentile([1, 2, 3, 5, 9], 90) == pytest.approx(7.4)
    assert percentile([10, 48], 50) == 29 and percentile([], 50) is None and percentile([7], 90) == 7


def test_figures_are_the_hand_computed_event_time_intervals(svc_chain, slog, indexed, history):
    d = run(svc_chain, slog, indexed, history)
    o = d["overall"]
    assert o["tickets"] == 5
    # first replies 1, 3, 5, 2, 9 h: median 3 h, p90 = 5 + 0.6 × 4 = 7.4 h; 3 of 5 within 4 h
    assert o["first_reply"] == {"count": 5, "median_s": 3 * H, "p90_s": 7.4 * H, "target_s": 4 * H,
                                "within_target": 3, "share_within_target": 0.6}
    # resolutions 10, 48, 96, 24 h: median 36 h, p90 = 48 + 0.7 × 48 = 81.6 h; 3 of 4 within 3 d
    assert o["resolution"] == {"count": 4, "median_s": 36 * H, "p90_s": 81.6 * H, "target_s": 3 * D,
                               "within_target": 3, "share_within_target": 0.75}
    assert o["complaints"] == 2 and o["complaints_per_1000"] == 400.0  # one packed, one anchored (held)
    # important resolved: ticket 2 (complaint, called), 3 (anchored complaint), 4 (rating 2): one of three called
    assert o["follow_up"] == {"important_resolved": 3, "called": 1, "coverage": 0.3333, "calls": 1, "satisfied": 1,
                              "unsatisfied": 0, "satisfaction": 1.0}
    trend = o["ratings"]["trend"]
    assert o["ratings"]["count"] == 2 and o["ratings"]["average"] == 3.5
    assert len(trend) == 3 and list(trend.values()) == [5.0, None, 2.0]  # a continuous month axis
    assert d["records"]["timed_by_block"] == 2  # the two feedback records (single, no event time)
    assert d["records"]["anchored"] == {"batches": 1, "on_chain": 1, "held": 1, "not_held": 0, "held_not_matching": 0}


def test_block_times_would_give_other_figures(indexed):
    """The batches were sent long after the events: block-time intervals are seconds, event-time ones hours."""
    rows = indexed.query("SELECT kind, record_ts, event_time FROM service_records WHERE ticket = '1' ORDER BY seq")
    (_, open_block, open_event), (_, reply_block, reply_event) = rows[0], rows[1]
    assert reply_event - open_event == H and reply_block - open_block == 0
    assert open_block - open_event > 30 * D


def test_per_channel_and_per_agent(svc_chain, slog, indexed, history):
    d = run(svc_chain, slog, indexed, history)
    assert list(d["channels"]) == ["chat", "phone", "e-mail"]
    chat, phone, mail = (d["channels"][c] for c in ("chat", "phone", "e-mail"))
    assert (chat["tickets"], chat["first_reply"]["median_s"], chat["first_reply"]["p90_s"]) == (2, 2 * H, 2.8 * H)
    assert chat["resolution"]["median_s"] == 29 * H and chat["complaints_per_1000"] == 500.0
    assert (phone["first_reply"]["median_s"], phone["resolution"]["median_s"]) == (3.5 * H, 60 * H)
    assert phone["resolution"]["share_within_target"] == 0.5
    assert mail["resolution"]["count"] == 0 and mail["resolution"]["median_s"] is None
    assert {k: v["tickets"] for k, v in d["groups"].items()} == {history["a"]: 2, history["b"]: 3}
    teams = Settings(by="team", teams={history["a"]: "front desk"})
    t = run(svc_chain, slog, indexed, history, teams)
    assert {k: v["tickets"] for k, v in t["groups"].items()} == {"front desk": 2, "no team": 3}


def test_anchored_records_count_only_where_held(svc_chain, slog, indexed, history, tmp_path):
    d = run(svc_chain, slog, indexed, history, folder=tmp_path / "none")
    assert d["records"]["anchored"]["not_held"] == 1 and d["records"]["anchored"]["held"] == 0
    assert d["overall"]["complaints"] == 1
    assert re.search(r"anchored, not held \(not counted\) +1\n", format_service_levels(d))


def test_verify_recomputes_from_chain_and_finds_a_tampered_row(svc_chain, slog, indexed, history):
    d = run(svc_chain, slog, indexed, history, verify=True)
    assert d["verify"]["matches"], d["verify"]["differences"]
    assert d["log_count"] == 19 and d["from_block"] <= d["to_block"]
    assert "VERIFIED" in format_service_levels(d) and d["log_head"].startswith("0x") and len(d["log_head"]) == 50
    indexed.execute("UPDATE service_records SET event_time = event_time + 36000 WHERE ticket = '5' AND kind = 1")
    bad = run(svc_chain, slog, indexed, history, verify=True)
    assert not bad["verify"]["matches"]
    assert any(line.startswith("overall.first_reply.p90_s") for line in bad["verify"]["differences"])
    assert "MISMATCH" in format_service_levels(bad)


def test_public_report_has_no_address_and_exports(svc_chain, slog, indexed, history, tmp_path):
    private = run(svc_chain, slog, indexed, history)
    assert ADDRESS.search(json.dumps(private))  # the operator's own report names agent keys
    d = run(svc_chain, slog, indexed, history, Settings(public=True))
    for text in (json.dumps(d), format_service_levels(d), to_csv(d)):
        assert not ADDRESS.search(text)
    assert list(d["groups"]) == ["agent 1", "agent 2"]
    rows = dict(line.split(",", 1) for line in to_csv(d).splitlines()[1:])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows["as_of"])  # UTC ISO-8601
    assert rows["overall.first_reply.median_s"] == "10800" and rows["overall.first_reply.p90_s"] == "26640"
    assert rows["channels.chat.first_reply.share_within_target"] == "1" and rows["overall.complaints_per_1000"] == "400"
    paths = write_charts(tmp_path / "charts", d)
    page = paths["html"].read_text()
    assert not ADDRESS.search(page) and "times.png" in page and all(p.stat().st_size > 0 for p in paths.values())


def test_cli_public_verify_json_has_no_address_and_errors_are_one_line(tmp_path, monkeypatch):
    from brownie import web3
    from click.testing import CliRunner

    from servicecoin.chain import from_web3
    from servicecoin.cli import cli

    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(tmp_path))
    assert CliRunner().invoke(cli, ["deploy", "--network", "development"]).exit_code == 0
    chain = from_web3(web3, "development")
    c = dev_account(5).address
    append_batch(chain, [Entry(Kind.OPENED, 7, c, None, channel=Channel.SOCIAL, time=T),
                         Entry(Kind.REPLY, 7, c, None, channel=Channel.SOCIAL, time=T + 90 * 60)], None,
                 sender="agent")
    args = ["report", "service-levels", "--network", "development", "--db", str(tmp_path / "i.sqlite")]
    result = CliRunner().invoke(cli, args + ["--public", "--verify", "--json"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)
    assert d["verify"]["matches"] and d["channels"]["social"]["first_reply"]["median_s"] == 90 * 60
    assert not ADDRESS.search(result.output) and list(d["groups"]) == ["agent 1"]
    csv_out = CliRunner().invoke(cli, args + ["--csv", "--no-update"])
    assert csv_out.exit_code == 0 and "channels.social.first_reply.median_s,5400\n" in csv_out.output
    for bad, message in ((["--first-reply-target", "soon"], "--first-reply-target: 'soon' is not a duration"),
                         (["--by", "team"], "--by team needs teams")):
        out = CliRunner().invoke(cli, args + ["--no-update"] + bad)
        lines = out.output.strip().splitlines()
        # bad input: exit code 2 (servicecoin.errors)
        assert out.exit_code == 2 and len(lines) == 1 and lines[0].startswith(f"error: {message}"), out.output


def test_settings_from_config_and_teams_file(tmp_path):
    a, b = "0x" + "aa" * 20, "0x" + "bB" * 20
    s = Settings.from_config({"service_levels": {"first_reply_target": "2h", "resolution_target": "1d", "by": "team",
                                                 "teams": {"desk": [a], "phone": [b]}}, "followups": {"low_rating": 3}})
    assert (s.first_reply_target, s.resolution_target, s.low_rating) == (2 * H, D, 3)
    assert s.teams == {a: "desk", b.lower(): "phone"}
    assert Settings.from_config({}, "30m").first_reply_target == 30 * 60
    f = tmp_path / "teams.yaml"
    f.write_text(f"teams:\n  night: [{a}]\n  day: [{a}]\n")  # unquoted: YAML reads a number, taken back
    with pytest.raises(ConfigError, match="is in teams night and day"):
        Settings.from_config({}, by="team", teams_file=str(f))
    f.write_text("teams:\n  night: [alice]\n")
    with pytest.raises(ConfigError, match="'alice' .* is not an agent key"):
        Settings.from_config({}, teams_file=str(f))
    with pytest.raises(ConfigError, match="service_levels.by: 'desk' is not agent or team"):
        Settings.from_config({"service_levels": {"by": "desk"}})
