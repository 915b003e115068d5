"""The same index on a real local PostgreSQL, started by the session fixture `pg_cluster` the way
`svc db start` starts one (servicecoin/localdb.py). Skipped, with the reason, only where the server
cannot run here (the Debian package postgresql not installed).
"""

import pytest
from brownie import web3

NOREF = "0x" + "00" * 32


@pytest.fixture(scope="module")
def pg_url(pg_cluster):
    from servicecoin import localdb

    return localdb.status(pg_cluster).url


@pytest.fixture
def pg(pg_url):
    from servicecoin.index import open_db

    db = open_db(pg_url, "development")
    db.execute("DROP SCHEMA public CASCADE")
    db.execute("CREATE SCHEMA public")
    db.init_schema()
    yield db
    db.close()


def test_postgres_index_equals_sqlite_index(token, admin, issuer, merchant, spender, alice, bob, pg, db,
                                            make_indexer, dumped):
    from servicecoin.statement import statement

    token.issue(alice, 400, 0, web3.keccak(text="o"), {"from": issuer})
    token.issueBatch(web3.keccak(text="b"), [alice, bob, merchant], [10, 20, 30], 5, {"from": issuer})
    token.transfer(merchant, 100, {"from": alice})
    token.spend(alice, 5, {"from": spender})
    make_indexer(pg).run()
    make_indexer(db).run()
    assert dumped(pg) == dumped(db)
    assert statement(pg, str(alice)) == statement(db, str(alice))


def test_postgres_rollback_and_rerun_are_idempotent(token, issuer, alice, pg, make_indexer, dumped):
    token.issue(alice, 1, 0, NOREF, {"from": issuer})
    make_indexer(pg).run()
    first = dumped(pg)
    make_indexer(pg).run()
    assert dumped(pg) == first
    with pg.transaction():
        pg.rollback_to(0)
        pg.set_meta("cursor", int(pg.meta("start_block")) - 1)
        pg.set_meta("cursor_hash", "")
    make_indexer(pg).run()
    assert dumped(pg) == first
