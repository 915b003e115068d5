"""The same index on a real local PostgreSQL (Debian package `postgresql`), started by the test.

Skipped, with the reason, when the server binaries are not installed.
"""

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from brownie import web3

PORT = 8760
NOREF = "0x" + "00" * 32


def _bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory):
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl or not os.path.exists(os.path.join(os.path.dirname(pg_ctl), "postgres")):
        pytest.skip("PostgreSQL server binaries not found (apt-get install -y postgresql)")
    pytest.importorskip("psycopg")
    data = Path(tempfile.mkdtemp(prefix="svc-pg-"))  # outside pytest's root-only folders
    prefix = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(data, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    run = lambda *cmd: subprocess.run(prefix + list(cmd), check=True, capture_output=True, timeout=120)
    run(initdb, "-D", str(data / "db"), "-A", "trust", "-U", "svc")
    run(pg_ctl, "-D", str(data / "db"), "-l", str(data / "log"), "-w", "-o",
        f"-p {PORT} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    yield f"postgresql://svc@127.0.0.1:{PORT}/postgres"
    run(pg_ctl, "-D", str(data / "db"), "-m", "fast", "-w", "stop")
    shutil.rmtree(data, ignore_errors=True)


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
