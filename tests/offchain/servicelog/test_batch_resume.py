"""`svc log batch` exactly once: a rerun, an interrupted run and a lost answer never append a record twice
or skip one; the on-chain log keeps the file's order."""

import pytest
from click.testing import CliRunner

from servicecoin.chain import dev_account
from servicecoin.cli import cli
from servicecoin.errors import ChainError
from servicecoin.servicelog import append_file, fetch_records, verify_log

AGENT = dev_account(8)


def batch_file(tmp_path, n=7, name="b.csv"):
    c = dev_account(6).address
    rows = []
    for t in range(1, n + 1):
        rows.append(f"open,{t},{c},ticket {t},," if t % 3 else f"open,{t},{c},,,")  # some lines without text
    path = tmp_path / name
    path.write_text("kind,ticket,customer,text,outcome,ref\n" + "\n".join(rows) + "\n")
    return path


def on_chain(chain, slog):
    return [(r.ticket, r.commitment) for r in fetch_records(chain, slog)]


def test_rerun_of_a_finished_file_sends_nothing(svc_chain, slog, store, tmp_path):
    path = batch_file(tmp_path)
    first = append_file(svc_chain, path, store, sender=AGENT, batch_size=3, log=slog)
    assert [r.ticket for r in first.appended] == list(range(1, 8)) and first.already == 0
    again = append_file(svc_chain, path, store, sender=AGENT, batch_size=3, log=slog)
    assert again.appended == [] and again.already == 7 and again.batch == first.batch
    assert [t for t, _ in on_chain(svc_chain, slog)] == list(range(1, 8))
    assert len({c for _, c in on_chain(svc_chain, slog)}) == 7  # every line has its own commitment
    assert store.get(slog.address, 1).text == "ticket 1" and store.get(slog.address, 3).text == ""


def test_run_interrupted_between_transactions_resumes_where_it_stopped(svc_chain, slog, store, tmp_path):
    path = batch_file(tmp_path)

    def interrupt(done):
        raise KeyboardInterrupt  # Ctrl-C right after the first transaction was mined

    with pytest.raises(KeyboardInterrupt):
        append_file(svc_chain, path, store, sender=AGENT, batch_size=3, log=slog, progress=interrupt)
    assert [t for t, _ in on_chain(svc_chain, slog)] == [1, 2, 3]
    seen = []
    rest = append_file(svc_chain, path, store, sender=AGENT, batch_size=3, log=slog, progress=seen.append)
    assert rest.already == 3 and [r.ticket for r in rest.appended] == [4, 5, 6, 7]
    assert sum(seen) == 7  # the progress bar counts what was already there too
    assert [t for t, _ in on_chain(svc_chain, slog)] == list(range(1, 8))
    assert verify_log(svc_chain, slog).ok


def test_answer_lost_after_the_node_mined_it_is_found_not_resent(svc_chain, slog, store, tmp_path, monkeypatch):
    path = batch_file(tmp_path)
    real_wait = svc_chain.wait
    calls = {"n": 0}

    def lossy_wait(tx_hash, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the second transaction is mined, but its receipt never reaches us
            real_wait(tx_hash, *args, **kwargs)
            raise ChainError("transaction not mined within 120s")
        return real_wait(tx_hash, *args, **kwargs)

    monkeypatch.setattr(svc_chain, "wait", lossy_wait)
    with pytest.raises(ChainError):
        append_file(svc_chain, path, store, sender=AGENT, batch_size=3, log=slog)
    monkeypatch.setattr(svc_chain, "wait", real_wait)
    assert [t for t, _ in on_chain(svc_chain, slog)] == [1, 2, 3, 4, 5, 6]
    assert store.seq_of(slog.address, on_chain(svc_chain, slog)[4][1]) is None  # the journal never saw it mined
    rest = append_file(svc_chain, path, store, sender=AGENT, batch_size=3, log=slog)
    assert rest.already == 6 and [r.ticket for r in rest.appended] == [7]
    assert [t for t, _ in on_chain(svc_chain, slog)] == list(range(1, 8))
    assert store.get(slog.address, 5).text == "ticket 5"  # found on chain and given its record number


def test_cli_says_what_was_already_there(svc_chain, slog, store, tmp_path, monkeypatch, admin):
    from brownie import ServiceLog

    from servicecoin.servicelog import batch

    log = ServiceLog.at(slog.address)  # the CLI appends as the network's agent account
    log.grantRole(log.AGENT_ROLE(), svc_chain.account("agent").address, {"from": admin})
    path = batch_file(tmp_path, n=4)
    monkeypatch.setattr(batch, "log_contract", lambda chain: chain.contract("ServiceLog", slog.address))
    monkeypatch.setattr("servicecoin.cli.log._ctx", lambda network: (svc_chain, store))
    first = CliRunner().invoke(cli, ["log", "batch", str(path), "--network", "development", "--batch-size", "2"])
    assert first.exit_code == 0, first.output
    assert "appended 4 records (#1–#4) in 2 transaction(s)" in first.output
    store_again = type(store)(store.path)
    monkeypatch.setattr("servicecoin.cli.log._ctx", lambda network: (svc_chain, store_again))
    again = CliRunner().invoke(cli, ["log", "batch", str(path), "--network", "development"])
    assert again.exit_code == 0, again.output
    assert "4 record(s) of" in again.output and "already on chain" in again.output and "appended" not in again.output
