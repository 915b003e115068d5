"""`svc index verify`: the index re-derived from the chain and compared row by row; the quick check from
the service records' hash chain; statements, queues and reports refuse an index that fails it."""

import json

import pytest
from brownie import ServiceLog, accounts, chain, web3
from click.testing import CliRunner

from servicecoin.index.indexer import Indexer
from servicecoin.index.verify import IndexCheckFailed, guard, quick_check, verify_range
from tests.contracts.service_log.logkit import NO_PREVIOUS_LOG

DAY = 86_400
Z = "0x" + "00" * 32


@pytest.fixture
def logged(token, admin, issuer, merchant, alice, bob, db, svc_chain):
    """Tickets with a complaint (resolved, no call) and a 1-star rating, indexed with the token."""
    agent = accounts[8]
    log = ServiceLog.deploy(admin, token, 500, 200, 0, *NO_PREVIOUS_LOG, {"from": admin})
    log.grantRole(log.AGENT_ROLE(), agent, {"from": admin})
    token.grantRole(token.ISSUER_ROLE(), log, {"from": admin})
    token.setIssuerBudget(log, 10**9, {"from": admin})

    def rec(kind, ticket, customer, detail=0):
        log.append((kind, detail, 0, ticket, customer, "0x" + "11" * 32), {"from": agent})

    token.issue(alice, 400, 0, Z, {"from": issuer})
    token.transfer(merchant, 100, {"from": alice})
    rec(0, 1, alice); rec(4, 1, alice); rec(2, 1, alice)  # complaint, resolved, no call yet
    rec(0, 2, bob); rec(2, 2, bob)
    log.giveFeedback(2, 1, Z, {"from": bob})  # a 1-star rating
    chain.sleep(4 * DAY)
    chain.mine()
    Indexer(svc_chain, db, None, contracts={"RewardToken": token.address, "ServiceLog": log.address},
            log=lambda m: None).run()
    return log


def test_a_clean_index_passes_both_checks(logged, db, svc_chain):
    quick = quick_check(db, svc_chain)
    assert quick.ok and quick.checked["service records"] == 6, quick.as_dict()
    full = verify_range(svc_chain, db)
    assert full.ok, [d.line() for d in full.differences]
    assert full.checked["service_records"] == 6 and full.checked["lot_changes"] > 0


def test_an_edited_rating_is_named_by_both_checks(logged, db, svc_chain):
    db.execute("UPDATE service_records SET detail = 5 WHERE kind = 5")
    assert not quick_check(db).ok  # found from the record hashes alone, no node asked
    full = verify_range(svc_chain, db)
    assert [(d.table, d.column, d.index, d.chain) for d in full.differences] == [("service_records", "detail", 5, 1)]
    assert full.differences[0].key["log_index"] is not None


def test_a_deleted_complaint_is_named_and_the_followup_queue_refuses(logged, db, svc_chain):
    from servicecoin.cli import cli

    db.execute("DELETE FROM service_records WHERE kind = 4")
    q = quick_check(db)
    assert not q.ok and q.differences[0].key == {"seq": 2}
    full = verify_range(svc_chain, db)
    assert [(d.table, d.column, d.index) for d in full.differences] == [("service_records", "(row)", "missing")]
    assert full.differences[0].chain["kind"] == 4
    with pytest.raises(IndexCheckFailed):
        guard(db)
    args = ["followups", "--no-update", "--db", db.url, "--network", "development"]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1 and refused.output.count("\n") == 1 and "index check failed" in refused.output
    answered = CliRunner().invoke(cli, args + ["--unchecked", "--json"])
    assert answered.exit_code == 0
    assert answered.output.startswith("warning: UNCHECKED")


def test_the_last_record_deleted_is_found_against_the_chain(logged, db, svc_chain):
    last = db.scalar("SELECT MAX(seq) FROM service_records")
    db.execute("DELETE FROM service_records WHERE seq = ?", (last,))
    assert quick_check(db).ok  # the hash chain over what is left still holds…
    q = quick_check(db, svc_chain)  # …but the log's on-chain count does not
    assert not q.ok and q.differences[0].table == "service_records"


def test_an_edited_credit_is_found_in_a_block_range(logged, token, db, svc_chain):
    block = db.scalar("SELECT MIN(block) FROM credits")
    db.execute("UPDATE credits SET amount = amount + 1 WHERE block = ?", (block,))
    assert not quick_check(db, svc_chain).ok  # the token's issued counter disagrees
    before = verify_range(svc_chain, db, to_block=block - 1)
    assert before.ok
    found = verify_range(svc_chain, db, from_block=block, to_block=block)
    assert [(d.table, d.column) for d in found.differences] == [("credits", "amount")]
    later = verify_range(svc_chain, db, from_block=block + 1)  # lots before it taken from the index
    assert later.ok, [d.line() for d in later.differences]


def test_cli_verify_exit_codes_and_json(logged, db):
    from servicecoin.cli import cli

    base = ["index", "verify", "--db", db.url, "--network", "development"]
    ok = CliRunner().invoke(cli, base + ["--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["ok"]
    db.execute("UPDATE service_records SET detail = 4 WHERE kind = 5")
    bad = CliRunner().invoke(cli, base)
    assert bad.exit_code == 1 and "service_records block" in bad.output and "detail: index 4, chain 1" in bad.output
    quick = CliRunner().invoke(cli, base + ["--quick", "--no-node", "--json"])
    assert quick.exit_code == 1 and json.loads(quick.output)["differences"][0]["table"] == "service_records"
