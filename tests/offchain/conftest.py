"""Index fixtures for the off-chain suites (index/ and reports/ use them): a Chain on brownie's anvil, a
fresh index database, an indexer factory, and a check that compares what the index answers with what
the token says at the same block."""

import pytest
from brownie import web3

from servicecoin.chain import from_web3
from servicecoin.index import Indexer, IndexSettings, open_db
from servicecoin.index import ledger


@pytest.fixture(scope="module")
def svc_chain():
    return from_web3(web3, "development")


@pytest.fixture
def db(tmp_path):
    d = open_db(str(tmp_path / "index.sqlite"), "development")
    yield d
    d.close()


@pytest.fixture
def make_indexer(svc_chain, token):
    def make(database, **settings):
        s = IndexSettings(confirmations=0, **settings)
        return Indexer(svc_chain, database, s, contracts={"RewardToken": token.address}, log=lambda m: None)

    return make


@pytest.fixture
def indexer(make_indexer, db):
    return make_indexer(db)


def dump(database) -> dict:
    """Every chain-data table, rows sorted (what two equal indexes share)."""
    from servicecoin.index.db import EVENT_TABLES

    out = {}
    for table in EVENT_TABLES:
        out[table] = sorted(database.query(f"SELECT * FROM {table}"))
    out["cursor"] = database.meta("cursor")
    return out


def assert_matches_chain(database, token, addresses):
    """Balances, lots, lifetime, tiers and the token's totals, index vs chain at the indexed block."""
    at = int(database.meta("cursor"))
    now = web3.eth.get_block(at)["timestamp"]
    for a in addresses:
        key = str(a).lower()
        assert ledger.balance(database, key, now) == token.balanceOf(a, block_identifier=at), a
        chain_lots = [(int(l[0]), int(l[1]), int(l[2])) for l in token.lotsOf(a, block_identifier=at)]
        assert [(l["epoch"], l["amount"], l["expires_at"]) for l in ledger.lots(database, key, now)] == chain_lots, a
        if not token.isAcceptor(a, block_identifier=at):
            assert ledger.lifetime(database, key) == token.lifetimeEarned(a, block_identifier=at), a
            thresholds, _ = ledger.tier_table(database)
            assert ledger.tier_for(ledger.lifetime(database, key), thresholds) == token.tierOf(a, block_identifier=at)
    assert ledger.outstanding(database, now)["total"] == token.totalSupply(block_identifier=at)
    assert ledger.expired_total(database, now) == token.totalExpired(block_identifier=at)
    issued = database.scalar("SELECT SUM(amount) FROM credits", default=0)
    assert issued == token.totalIssued(block_identifier=at)
    burned = database.scalar("SELECT SUM(amount) FROM transfers WHERE recipient = ?", ("0x" + "00" * 20,), 0)
    assert burned == token.totalBurned(block_identifier=at)


@pytest.fixture
def matches_chain(token):
    return lambda database, addresses: assert_matches_chain(database, token, addresses)


@pytest.fixture
def dumped():
    return dump


@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away local PostgreSQL for the whole session, started the way `svc db start` starts one
    (localdb), in a temporary folder on a free port; stopped and removed after. Skips, saying why, only
    where the server cannot run here (package not installed)."""
    import shutil
    import tempfile
    from pathlib import Path

    from servicecoin import localdb

    reason = localdb.available()
    if reason:
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="svc-pg-"))  # outside pytest's root-only tmp folders
    folder.chmod(0o755)  # the server user must reach server/ (itself 0700)
    cluster = localdb.LocalDb(folder=folder, port=localdb.free_port(), settings=("fsync=off",))
    try:
        localdb.start(cluster)
        yield cluster
    finally:
        localdb.stop(cluster)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def smtp():
    """A real SMTP server in-process (aiosmtpd): (its inbox, the SVC_SMTP_* settings that reach it)."""
    from tests.offchain.mailkit import start_smtp

    inbox, controller, env = start_smtp()
    yield inbox, env
    controller.stop()
