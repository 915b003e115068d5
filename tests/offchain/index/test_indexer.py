"""The indexer against the token on anvil: contents, incremental runs, reorgs, crashes."""

import os
import signal
import subprocess
import sys
import threading

import pytest
from brownie import chain, web3

DAY = 86_400
NOREF = "0x" + "00" * 32
ZERO = "0x" + "00" * 20


def raw_issue(token, to, amount):
    """Issue outside brownie (whose nonce bookkeeping does not survive a raw evm_revert)."""
    from servicecoin.chain import dev_account, from_web3

    svc = from_web3(web3, "development")
    contract = svc.contract("RewardToken", token.address)
    svc.transact(contract.functions.issue(str(to), amount, 0, b"\0" * 32), dev_account(1))


def advance(days=1):
    chain.sleep(DAY * days)
    chain.mine()


def activity(token, admin, issuer, merchant, spender, alice, bob, carol):
    """Every kind of movement: issue, batch, multiplier, transfers, spend, expiry sweep, acceptor."""
    token.setTiers([0, 500], [10_000, 15_000], {"from": admin})
    token.issue(alice, 400, 0, web3.keccak(text="order-1"), {"from": issuer})
    token.issueBatch(web3.keccak(text="batch-1"), [alice, bob, merchant], [200, 300, 50], 5, {"from": issuer})
    advance()
    token.issue(alice, 100, 0, NOREF, {"from": issuer})  # tier 1: x1.5
    token.transfer(merchant, 250, {"from": alice})
    token.transfer(bob, 20, {"from": merchant})
    token.spend(bob, 30, {"from": spender})
    token.issue(carol, 70, 7, NOREF, {"from": issuer})  # refund: no lifetime
    advance(3)  # the first epoch's points expire
    token.issue(alice, 10, 1, NOREF, {"from": issuer})  # sweeps alice's expired lot
    token.setIssuerBudget(issuer, 10**13, {"from": admin})


def test_index_matches_chain_after_every_kind_of_activity(token, admin, issuer, merchant, spender, alice, bob, carol,
                                                           db, indexer, matches_chain):
    activity(token, admin, issuer, merchant, spender, alice, bob, carol)
    report = indexer.run()
    assert report.cursor == web3.eth.block_number and report.events > 0
    assert db.scalar("SELECT COUNT(*) FROM expirations") >= 1
    matches_chain(db, [alice, bob, carol, merchant])


def test_batch_credits_carry_reason_issuer_and_batch_id(token, issuer, alice, bob, db, indexer):
    batch = web3.keccak(text="campaign-7")
    token.issueBatch(batch, [alice, bob], [100, 200], 5, {"from": issuer})
    indexer.run()
    rows = db.query("SELECT account, issuer, reason, amount, batch_id, ref FROM credits ORDER BY log_index")
    assert rows == [(str(alice).lower(), str(issuer).lower(), 5, 100, batch.hex() if batch.hex().startswith("0x") else "0x" + batch.hex(),
                     batch.hex() if batch.hex().startswith("0x") else "0x" + batch.hex())] + rows[1:]
    assert [r[0] for r in rows] == [str(alice).lower(), str(bob).lower()]
    assert db.query("SELECT recipients, total FROM batches") == [(2, 300)]


def test_issue_credit_keeps_reference_and_base_amount(token, admin, issuer, alice, db, indexer):
    token.setTiers([0, 100], [10_000, 20_000], {"from": admin})
    token.issue(alice, 100, 0, NOREF, {"from": issuer})
    ref = web3.keccak(text="order-9")
    token.issue(alice, 100, 3, ref, {"from": issuer})
    indexer.run()
    last = db.query("SELECT reason, amount, base_amount, ref FROM credits ORDER BY block DESC LIMIT 1")[0]
    assert last[:3] == (3, 200, 100) and last[3] == "0x" + bytes(ref).hex()


def test_incremental_runs_equal_one_run(token, admin, issuer, merchant, spender, alice, bob, carol, db, make_indexer,
                                        tmp_path, dumped):
    from servicecoin.index import open_db

    stepwise = make_indexer(db)
    token.issue(alice, 100, 0, NOREF, {"from": issuer})
    stepwise.run()
    activity(token, admin, issuer, merchant, spender, alice, bob, carol)
    stepwise.run()
    stepwise.run()  # nothing new: nothing changes
    once = open_db(str(tmp_path / "once.sqlite"), "development")
    make_indexer(once, start_range=1, max_range=2).run()  # tiny ranges: many commits
    assert dumped(db) == dumped(once)


def test_reorg_rolls_back_and_reindexes_the_new_branch(token, issuer, alice, bob, db, indexer, matches_chain):
    token.issue(alice, 100, 0, NOREF, {"from": issuer})
    snap = web3.provider.make_request("evm_snapshot", [])["result"]
    token.issue(alice, 500, 0, NOREF, {"from": issuer})
    token.issue(alice, 7, 0, NOREF, {"from": issuer})
    indexer.run()
    assert db.scalar("SELECT SUM(amount) FROM credits") == 607
    web3.provider.make_request("evm_revert", [snap])
    chain.sleep(5)  # a different block time: different block hashes on the new branch
    raw_issue(token, bob, 42)
    raw_issue(token, bob, 1)
    chain.mine(2)
    indexer.run()
    assert db.scalar("SELECT SUM(amount) FROM credits") == 143
    assert db.scalar("SELECT COUNT(*) FROM credits WHERE account = ?", (str(alice).lower(),)) == 1
    matches_chain(db, [alice, bob])


def test_reorg_found_by_parent_hash_when_the_new_branch_is_longer(token, issuer, alice, bob, db, indexer):
    snap = web3.provider.make_request("evm_snapshot", [])["result"]
    token.issue(alice, 500, 0, NOREF, {"from": issuer})
    indexer.run()
    web3.provider.make_request("evm_revert", [snap])
    chain.sleep(3)
    for i in range(4):
        raw_issue(token, bob, 10 + i)
    indexer.run()
    assert db.query("SELECT account, SUM(amount) FROM credits GROUP BY account") == [(str(bob).lower(), 46)]
    stored = db.query("SELECT number, hash FROM blocks WHERE number >= ?", (web3.eth.block_number - 4,))
    assert all(web3.eth.get_block(n)["hash"].hex().removeprefix("0x") == h.removeprefix("0x") for n, h in stored)


def test_reorg_rollback_reports_itself(token, issuer, alice, bob, db, indexer):
    token.issue(alice, 1, 0, NOREF, {"from": issuer})
    snap = web3.provider.make_request("evm_snapshot", [])["result"]
    token.issue(alice, 2, 0, NOREF, {"from": issuer})
    indexer.run()
    web3.provider.make_request("evm_revert", [snap])
    chain.sleep(7)
    raw_issue(token, bob, 3)
    raw_issue(token, bob, 4)
    report = indexer.run()
    assert report.reorgs == 1
    assert db.scalar("SELECT SUM(amount) FROM credits") == 8


def test_crash_between_ranges_then_rerun_gives_the_same_database(token, admin, issuer, merchant, spender, alice, bob,
                                                                  carol, db, make_indexer, tmp_path, dumped, monkeypatch):
    from servicecoin.index import open_db
    from servicecoin.index.indexer import Indexer

    activity(token, admin, issuer, merchant, spender, alice, bob, carol)
    real = Indexer.index_range
    calls = {"n": 0}

    def crashing(self, cursor, head, *read):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt("killed")
        return real(self, cursor, head, *read)

    monkeypatch.setattr(Indexer, "index_range", crashing)
    with pytest.raises(KeyboardInterrupt):
        make_indexer(db, start_range=1, max_range=1).run()
    monkeypatch.setattr(Indexer, "index_range", real)
    assert 0 < int(db.meta("cursor")) < web3.eth.block_number
    make_indexer(db).run()
    clean = open_db(str(tmp_path / "clean.sqlite"), "development")
    make_indexer(clean).run()
    assert dumped(db) == dumped(clean)


def test_crash_inside_a_write_leaves_the_previous_range(token, issuer, alice, db, make_indexer, monkeypatch):
    token.issue(alice, 5, 0, NOREF, {"from": issuer})
    make_indexer(db).run()
    cursor, rows = db.meta("cursor"), db.scalar("SELECT COUNT(*) FROM transfers")
    token.issue(alice, 6, 0, NOREF, {"from": issuer})
    real = db.set_meta

    def failing(key, value):
        if key == "cursor":
            raise RuntimeError("disk full")
        return real(key, value)

    monkeypatch.setattr(db, "set_meta", failing)
    with pytest.raises(RuntimeError):
        make_indexer(db).run()
    assert db.meta("cursor") == cursor and db.scalar("SELECT COUNT(*) FROM transfers") == rows


KILLED_SCRIPT = """
import os, sys
from web3 import Web3
from servicecoin.chain import from_web3
from servicecoin.index import Indexer, IndexSettings, open_db

url, path, token, kill_after = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
chain = from_web3(Web3(Web3.HTTPProvider(url)), "development")
db = open_db(path, "development")
ix = Indexer(chain, db, IndexSettings(confirmations=0, start_range=1, max_range=1), contracts={"RewardToken": token})
committed = []
write_meta = db.set_meta

def set_meta(key, value):
    # The range after `kill_after` committed ones stops inside its write (its rows are in, the
    # cursor not yet), says so, and waits there for the test's SIGKILL.
    if key == "cursor" and len(committed) >= kill_after:
        print("writing", value, flush=True)
        sys.stdin.readline()
        os._exit(3)  # the test went away without killing us: do not commit
    write_meta(key, value)

def on_range(progress):
    committed.append(progress.cursor)
    print("indexed", progress.cursor, flush=True)

db.set_meta = set_meta
ix.run(on_range=on_range)
print("finished", flush=True)
"""


def run_until_marker(args, marker: bytes, timeout: float = 120):
    """Start `args`, read its stdout lines until one starts with `marker`; returns (process, lines).
    The timeout only guards against a hung child: the kill itself waits for the marker."""
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=os.getcwd())
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    lines = []
    try:
        for line in iter(proc.stdout.readline, b""):
            lines.append(line.decode().split())
            if line.startswith(marker):
                break
    finally:
        watchdog.cancel()
    return proc, lines


def test_killed_process_then_rerun_gives_the_same_database(token, issuer, alice, bob, db, make_indexer, tmp_path, dumped):
    from servicecoin.index import open_db

    for i in range(40):
        token.issueBatch(web3.keccak(text=f"kill-{i}"), [alice, bob], [10 + i, 20], 5, {"from": issuer})
    head = web3.eth.block_number
    path = tmp_path / "killed.sqlite"
    kill_after = 10  # committed ranges (one block each) before the kill, of about 46
    proc, lines = run_until_marker([sys.executable, "-c", KILLED_SCRIPT, web3.provider.endpoint_uri, str(path),
                                    token.address, str(kill_after)], b"writing")
    try:
        assert lines and lines[-1][0] == "writing", f"the indexer ended before the kill point: {lines}"
        proc.send_signal(signal.SIGKILL)  # inside a write transaction, part way through the chain
        assert proc.wait() == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
        proc.stdout.close()
    committed = [int(n) for word, n in lines if word == "indexed"]
    writing = int(lines[-1][1])
    assert len(committed) == kill_after and committed[-1] < writing < head  # it really was part way
    killed = open_db(str(path), "development")
    assert int(killed.meta("cursor")) == committed[-1]  # the range being written is not there
    make_indexer(killed).run()
    make_indexer(db).run()
    assert dumped(killed) == dumped(db)


def test_other_token_events_land_in_the_events_table(token, admin, pauser, db, indexer):
    token.setTransfersOpen(True, {"from": admin})
    token.pause({"from": pauser})
    indexer.run()
    names = [n for n, in db.query("SELECT name FROM events ORDER BY block, log_index")]
    assert names[-2:] == ["TransfersOpenSet", "Paused"]


def test_index_of_another_token_is_refused(token, admin, issuer, pauser, merchant, spender, db, indexer, svc_chain):
    from servicecoin.errors import ConfigError
    from servicecoin.index import Indexer, IndexSettings
    from brownie import RewardToken

    indexer.run()
    other = RewardToken.deploy("Other", "OTH", admin, 0, DAY, 3, 0, {"from": admin})
    with pytest.raises(ConfigError, match="indexes token"):
        Indexer(svc_chain, db, IndexSettings(confirmations=0), contracts={"RewardToken": other.address}).run()


def test_an_index_of_an_older_schema_is_refused_in_one_line(tmp_path):
    from servicecoin.index import open_db
    from servicecoin.index.db import IndexDbError

    d = open_db(str(tmp_path / "old.sqlite"), "development")
    d.set_meta("schema_version", "1")
    d.close()
    with pytest.raises(IndexDbError, match="schema version 1.*run 'svc index' again"):
        open_db(str(tmp_path / "old.sqlite"), "development")
