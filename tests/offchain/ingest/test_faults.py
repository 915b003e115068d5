"""Faults under the queue (SQLite and PostgreSQL): a full disk refuses the write (503, nothing accepted, nothing
recorded), and once space is back every accepted event reaches the chain once (ingestkit.fill_disk says how the
"disk" is filled); the node stopped for a while."""

from servicecoin.servicelog.events import fetch_records
from servicecoin.servicelog.records import ANCHOR
from tests.offchain.ingest.ingestkit import event, fill_disk, post, request, running, status, wait_state


def test_a_full_disk_refuses_with_503_and_only_accepted_events_reach_the_chain(svc_chain, slog, store, queue_file):
    t = 1_700_002_000
    with running(svc_chain, slog, store, queue_file) as svc:
        port = svc.server_address[1]
        assert post(port, event("f-0", 950, "opened", t))[0] == 202
        wait_state(port, "f-0", "confirmed")
        fill_disk(svc.queue)
        accepted, refused = [], []
        for i in range(1, 40):
            code, headers, answer = post(port, event(f"f-{i}", 950, "reply", t + i, text="x" * 8000))
            if code == 503:
                assert headers["retry-after"] == "5" and "try again later" in answer["error"]
                refused.append(f"f-{i}")
                break
            assert code == 202
            accepted.append(f"f-{i}")
        assert refused, "the capped queue never filled up"
        assert request(port, "GET", f"/events/{refused[0]}")[0] == 404
        fill_disk(svc.queue, False)  # space again: the help desk's retry is taken
        assert post(port, event(refused[0], 950, "reply", t + 100))[0] == 202
        for eid in ["f-0", *accepted, refused[0]]:
            wait_state(port, eid, "confirmed")
    records = [r for r in fetch_records(svc_chain, slog) if r.form != ANCHOR and r.ticket == 950]
    assert len(records) == len(accepted) + 2 and len({r.commitment for r in records}) == len(records)


def test_the_node_stopped_for_a_while_then_every_accepted_event_is_on_chain_once(svc_chain, slog, store, queue_file):
    from urllib.parse import urlparse

    from web3 import Web3

    from servicecoin.chain import Chain
    from servicecoin.networks import Network
    from tests.offchain.ingest.ingestkit import wait_for
    from tests.offchain.ingest.nodeproxy import NodeProxy

    proxy = NodeProxy(urlparse(svc_chain.w3.provider.endpoint_uri).port)
    chain = Chain(Network("development", proxy.url, True), Web3(Web3.HTTPProvider(proxy.url, exception_retry_configuration=None)))
    log = chain.contract("ServiceLog", slog.address)
    t = 1_700_003_000
    with running(chain, log, store, queue_file) as svc:
        port = svc.server_address[1]
        assert post(port, event("n-0", 960, "opened", t))[0] == 202
        wait_state(port, "n-0", "confirmed")
        proxy.stop()
        ids = [f"n-{i}" for i in range(1, 21)]
        for i, eid in enumerate(ids, 1):  # accepted while the node is down
            assert post(port, event(eid, 960, "reply", t + i))[0] == 202
        wait_for(lambda: any("flush failed" in line for line in svc.lines), what="a flush failing on the stopped node")
        assert post(port, event("n-3", 960, "reply", t + 3))[2]["duplicate"] is True
        assert status(port, "n-20")["state"] in ("queued", "sent")
        proxy.start()
        for eid in ids:
            wait_state(port, eid, "confirmed")
    proxy.stop()
    records = [r for r in fetch_records(svc_chain, slog) if r.form != ANCHOR and r.ticket == 960]
    assert [r.time for r in records] == [t + i for i in range(21)]


def test_postgresql_connections_cut_by_the_server_are_opened_again(svc_chain, slog, store, queue_file):
    """The server ends every session of the queue's database (as a restart does): the write that met the closed
    connection is refused (503, not accepted), and the next ones, and the flusher, go on."""
    import pytest

    from servicecoin.ingest.backend import connect, is_url

    if not is_url(queue_file):
        pytest.skip("PostgreSQL only")
    t = 1_700_004_000
    with running(svc_chain, slog, store, queue_file) as svc:
        port = svc.server_address[1]
        assert post(port, event("c-0", 970, "opened", t))[0] == 202
        wait_state(port, "c-0", "confirmed")
        admin = connect(queue_file)
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                      "AND pid <> pg_backend_pid()")
        admin.close()
        accepted = []
        for i in range(1, 6):
            code = post(port, event(f"c-{i}", 970, "reply", t + i))[0]
            assert code in (202, 503)
            if code == 202:
                accepted.append(f"c-{i}")
        assert len(accepted) >= 4
        for eid in accepted:
            wait_state(port, eid, "confirmed", timeout=30)
    records = [r for r in fetch_records(svc_chain, slog) if r.form != ANCHOR and r.ticket == 970]
    assert len(records) == len(accepted) + 1 and len({r.commitment for r in records}) == len(records)
