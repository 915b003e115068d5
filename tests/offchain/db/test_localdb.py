"""`svc db start|stop|status`: a local PostgreSQL under a folder of its own, whose data survives restarts.

The lifecycle runs through the command line on its own cluster (not the session's pg_cluster, which
other tests keep using); skipped, with the reason, only where the server cannot run here.
"""

import json
import shutil
import socket
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from servicecoin import localdb
from servicecoin.cli import cli


@pytest.fixture
def own_cluster(monkeypatch):
    reason = localdb.available()
    if reason:
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="svc-pgtest-"))
    folder.chmod(0o755)
    cluster = localdb.LocalDb(folder=folder / "postgres", settings=("fsync=off",))
    monkeypatch.setattr(localdb, "DEFAULT", cluster)
    yield cluster
    localdb.stop(cluster)
    shutil.rmtree(folder, ignore_errors=True)


def svc(*args):
    return CliRunner().invoke(cli, list(args))


def test_start_status_url_stop_restart_keeps_data(own_cluster):
    import psycopg

    assert svc("db", "status").exit_code == 3
    port = localdb.free_port()
    started = svc("db", "start", "--port", str(port))
    assert started.exit_code == 0, started.output
    assert "started: postgresql://svc:" in started.output and f"@127.0.0.1:{port}/servicecoin" in started.output

    status = svc("db", "status", "--json")
    assert status.exit_code == 0, status.output
    data = json.loads(status.output)
    assert data["running"] and data["port"] == port and data["version"]
    url = data["url"]
    assert url.startswith("postgresql://svc:") and url.endswith(f"@127.0.0.1:{port}/servicecoin")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE kept (x int)")
        conn.execute("INSERT INTO kept VALUES (42)")
    assert "already running" in svc("db", "start").output
    assert svc("db", "url").output.strip() == url
    live = svc("db", "url", "--database", "svc_live").output.strip()  # a second network's index
    assert live == url.rsplit("/", 1)[0] + "/svc_live"
    psycopg.connect(live).close()
    assert "a database name is" in svc("db", "url", "--database", "x; DROP").output

    assert svc("db", "stop").output.strip() == "local PostgreSQL stopped"
    assert svc("db", "status").exit_code == 3
    assert "not running: svc db start" in svc("db", "url").output
    assert svc("db", "stop").output.strip() == "local PostgreSQL was not running"

    restarted = svc("db", "start")  # no --port: the one saved at the first start, so the URL is the same
    assert restarted.exit_code == 0, restarted.output
    assert json.loads(svc("db", "status", "--json").output)["url"] == url
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT x FROM kept").fetchall() == [(42,)]


def test_the_index_opens_on_the_local_cluster(pg_cluster):
    from servicecoin.index import open_db

    db = open_db(localdb.status(pg_cluster).url, "development")
    try:
        assert db.dialect == "postgresql" and db.meta("schema_version") is not None
    finally:
        db.close()


def test_only_loopback_and_a_password(pg_cluster):
    import psycopg

    url = localdb.status(pg_cluster).url
    with psycopg.connect(url) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
    wrong = url.replace(url.split(":")[2].split("@")[0], "wrong")
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(wrong, connect_timeout=3)
    assert (pg_cluster.password_file.stat().st_mode & 0o077) == 0


def test_a_busy_port_is_refused_with_its_number(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        cluster = replace(localdb.DEFAULT, folder=tmp_path / "pg", port=port)
        if localdb.available():
            pytest.skip(localdb.available())
        with pytest.raises(localdb.LocalDbError, match=f"port {port} is already in use"):
            localdb.start(cluster)


def test_status_of_a_cluster_never_started(tmp_path):
    st = localdb.status(localdb.LocalDb(folder=tmp_path / "none"))
    assert not st.running and st.pid is None and st.url is None
