"""The indexer under fault: the node SIGKILLed mid-index (and restarted), a full disk under the index
database. After recovery (a rerun) the index equals a clean index of the same chain, and every
balance it answers equals the token's: points lost or doubled are the differences, recorded in
.servicecoin/reliability.json."""

import json
import time

import pytest

from tests.faults.faultkit import Tally, deploy_on, own_chain, purchases, write_campaign
from tests.reliability import record_fault
from servicecoin.campaign.journal import Journal
from servicecoin.campaign.plan import load_plan
from servicecoin.campaign.runner import run_campaign
from servicecoin.errors import ServiceCoinError
from servicecoin.index import Indexer, IndexSettings, ledger, open_db
from servicecoin.index.db import EVENT_TABLES


def activity(tmp_path, chain, token, cid):
    """A campaign paid in one block per batch: eight blocks of mints to index."""
    path = write_campaign(tmp_path, cid, purchases(cid, 48), batch_size=6)
    plan = load_plan(path)
    journal = Journal(tmp_path / "j.sqlite")
    run_campaign(chain, plan, journal, chain.contract("RewardToken", token), progress=False, max_in_flight=1)
    journal.close()
    return [a.address for a in plan.allocations]


def indexer(chain, db, token):
    settings = IndexSettings(confirmations=0, start_range=2, max_range=2)  # many small ranges
    return Indexer(chain, db, settings, contracts={"RewardToken": token}, log=lambda m: None)


def dump(db) -> dict:
    out = {table: sorted(db.query(f"SELECT * FROM {table}")) for table in EVENT_TABLES}
    out["cursor"] = db.meta("cursor")
    return out


def index_tally(db, chain, token_address, accounts) -> Tally:
    """The index's balances against the token's at the indexed block."""
    token = chain.contract("RewardToken", token_address)
    at = int(db.meta("cursor"))
    now = chain.w3.eth.get_block(at)["timestamp"]
    tally = Tally()
    for a in accounts:
        diff = ledger.balance(db, a.lower(), now) - token.functions.balanceOf(a).call(block_identifier=at)
        tally.lost += max(0, -diff)
        tally.doubled += max(0, diff)
    supply = ledger.outstanding(db, now)["total"] - token.functions.totalSupply().call(block_identifier=at)
    tally.lost, tally.doubled = max(tally.lost, -supply), max(tally.doubled, supply)
    return tally


def clean_index(tmp_path, chain, token, head):
    db = open_db(str(tmp_path / "clean.sqlite"), "faults")
    indexer(chain, db, token).run(to_block=head)
    return db


def wait_for_state_dump(path, block: int, timeout: float = 60) -> None:
    """Until anvil's periodic state dump at `path` holds `block` (it writes one about every second)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            best = json.loads(path.read_text()).get("best_block_number")
            if best is not None and (int(best, 16) if isinstance(best, str) else int(best)) >= block:
                return
        except (OSError, ValueError):  # not written yet, or caught mid-write
            pass
        time.sleep(0.1)
    raise AssertionError(f"anvil's state dump {path} did not reach block {block} within {timeout}s")


def test_node_killed_mid_index_then_rerun_gives_the_clean_index(tmp_path, node_factory, proxy_factory):
    node = node_factory(state=tmp_path / "anvil-state.json")
    token = deploy_on(node)
    direct = own_chain(node.url)
    accounts = activity(tmp_path, direct, token, "idxkill")
    head = direct.w3.eth.block_number
    wait_for_state_dump(node.state, head)  # the node comes back with the same chain

    ranges = []
    proxy = proxy_factory(node, lambda method, n: node.crash if method == "eth_getLogs" and n == 4 else None)
    db = open_db(str(tmp_path / "index.sqlite"), "faults")
    failing = indexer(own_chain(proxy.url, retries=False), db, token)
    with pytest.raises((ServiceCoinError, OSError)):
        failing.run(to_block=head, on_range=lambda progress: ranges.append(progress.cursor))
    stopped_at = int(db.meta("cursor"))
    assert ranges and ranges[-1] == stopped_at < head  # it really stopped mid-index, after committed ranges
    node.start()  # only now: the failed run cannot have met the restarted node; returns once it answers
    assert direct.w3.eth.block_number == head
    indexer(own_chain(proxy.url), db, token).run(to_block=head)
    tally = index_tally(db, direct, token, accounts)
    same = dump(db) == dump(clean_index(tmp_path, direct, token, head))
    record_fault("index_node_sigkill", tally.lost, tally.doubled, tally.ok and same)
    assert same
    assert (tally.lost, tally.doubled) == (0, 0)


def test_full_disk_under_the_index_then_rerun_gives_the_clean_index(tmp_path, shared_node):
    token = deploy_on(shared_node)
    chain = own_chain(shared_node.url)
    accounts = activity(tmp_path, chain, token, "idxfull")
    head = chain.w3.eth.block_number
    path = str(tmp_path / "index.sqlite")
    db = open_db(path, "faults")
    pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
    db.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(ServiceCoinError, match="full") as failure:
        indexer(chain, db, token).run(to_block=head)
    assert path in str(failure.value)
    stopped_at = int(db.meta("cursor"))
    db.close()
    assert stopped_at < head
    db = open_db(path, "faults")  # room again
    indexer(chain, db, token).run(to_block=head)
    tally = index_tally(db, chain, token, accounts)
    same = dump(db) == dump(clean_index(tmp_path, chain, token, head))
    record_fault("index_disk_full", tally.lost, tally.doubled, tally.ok and same)
    assert same
    assert (tally.lost, tally.doubled) == (0, 0)
