"""An amendment must point at a record of its own ticket: verify-log names those that do not, and
every writer (`append`, `append_batch`, batch files, `svc log amend`) refuses to send one."""

import json

import pytest
from click.testing import CliRunner

from servicecoin.chain import dev_account
from servicecoin.cli import cli
from servicecoin.errors import ConfigError
from servicecoin.servicelog import Entry, Kind, append, append_batch, append_file, verify_log
from servicecoin.servicelog import MisdirectedAmendment


def two_tickets(chain, slog, store):
    """Records #1 (ticket 1, open), #2 (ticket 2, open), #3 (ticket 1, reply)."""
    c = dev_account(5).address
    for e in [Entry(Kind.OPENED, 1, c, "one"), Entry(Kind.OPENED, 2, c, "two"), Entry(Kind.REPLY, 1, c, "hi")]:
        append(chain, e, store, sender=dev_account(8), log=slog)
    return c


def raw_amendment(chain, slog, ticket, customer, ref, agent=None):
    """An amendment sent straight to the contract, past the CLI's check (as any agent key could)."""
    entry = Entry(Kind.AMENDMENT, ticket, customer, ref=ref)
    chain.transact(slog.functions.append(entry.call_args(b"\1" * 32)), agent or dev_account(8))


def test_verify_names_an_amendment_of_another_tickets_record(svc_chain, slog, store):
    c = two_tickets(svc_chain, slog, store)
    raw_amendment(svc_chain, slog, 2, c, ref=3)
    result = verify_log(svc_chain, slog)
    assert result.ok and not result.valid  # the hash chain is intact; the rule is broken
    assert result.amendments == [MisdirectedAmendment(seq=4, ticket=2, ref=3, ref_ticket=1)]
    assert "amendment #4 of ticket 2 points at record #3 of ticket 1" in result.summary()


def test_verify_accepts_an_amendment_of_its_own_ticket(svc_chain, slog, store):
    c = two_tickets(svc_chain, slog, store)
    append(svc_chain, Entry(Kind.AMENDMENT, 1, c, "fix", ref=3), store, sender=dev_account(8), log=slog)
    result = verify_log(svc_chain, slog)
    assert result.valid and result.amendments == []


def test_append_refuses_an_amendment_of_another_tickets_record(svc_chain, slog, store):
    c = two_tickets(svc_chain, slog, store)
    with pytest.raises(ConfigError, match=r"amendment of ticket 2 refused: record #1 is of ticket 1"):
        append(svc_chain, Entry(Kind.AMENDMENT, 2, c, "wrong", ref=1), store, sender=dev_account(8), log=slog)
    assert slog.functions.count().call() == 3


def test_append_batch_refuses_a_ref_to_an_earlier_entry_of_another_ticket(svc_chain, slog, store):
    c = two_tickets(svc_chain, slog, store)
    entries = [Entry(Kind.OPENED, 3, c, "three"), Entry(Kind.AMENDMENT, 1, c, "wrong", ref=4)]
    with pytest.raises(ConfigError, match=r"record 2 of the batch: .*record #4 will be record 1 of the batch, of ticket 3"):
        append_batch(svc_chain, entries, store, sender=dev_account(8), log=slog)
    assert slog.functions.count().call() == 3


def test_append_batch_accepts_a_ref_to_an_earlier_entry_of_the_same_ticket(svc_chain, slog, store):
    c = two_tickets(svc_chain, slog, store)
    entries = [Entry(Kind.OPENED, 3, c, "three"), Entry(Kind.AMENDMENT, 3, c, "fix", ref=4)]
    assert [r.seq for r in append_batch(svc_chain, entries, store, sender=dev_account(8), log=slog)] == [4, 5]
    assert verify_log(svc_chain, slog).valid


def test_batch_file_refusal_names_file_and_line(svc_chain, slog, store, tmp_path):
    c = two_tickets(svc_chain, slog, store)
    path = tmp_path / "b.csv"
    path.write_text(f"kind,ticket,customer,text,outcome,ref\nreply,2,{c},ok,,\namend,2,{c},wrong,,3\n")
    with pytest.raises(ConfigError, match=r"b.csv:3: amendment of ticket 2 refused: record #3 is of ticket 1"):
        append_file(svc_chain, path, store, sender=dev_account(8), log=slog)
    assert slog.functions.count().call() == 3


def test_cli_verify_log_and_amend(tmp_path, monkeypatch):
    """`svc log amend` refuses with one error line; `svc verify-log` exits 1 and names the amendment."""
    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(tmp_path))
    monkeypatch.setattr("servicecoin.paths.DATA_DIR", tmp_path / "data")
    run = lambda *args: CliRunner().invoke(cli, [*args, "--network", "development"])  # noqa: E731
    assert run("deploy").exit_code == 0
    c = dev_account(5).address
    for kind, ticket in (("open", "1"), ("open", "2")):
        assert run("log", kind, ticket, c, "--text", "x").exit_code == 0
    refused = run("log", "amend", "2", c, "--ref", "1", "--text", "wrong")
    assert refused.exit_code == 2 and refused.output.strip().splitlines() == [
        "error: the amendment: amendment of ticket 2 refused: record #1 is of ticket 1; an amendment must point at "
        "a record of its own ticket"]
    from servicecoin.chain import connect
    from servicecoin.servicelog import log_contract

    chain = connect("development")
    raw_amendment(chain, log_contract(chain), 2, c, ref=1, agent=chain.account("agent"))
    checked = run("verify-log", "--json")
    assert checked.exit_code == 1
    data = json.loads(checked.output)
    assert data["ok"] and not data["valid"]
    assert data["amendments"] == [{"seq": 3, "ticket": 2, "ref": 1, "ref_ticket": 1}]
    assert "amendment #3 of ticket 2 points at record #1 of ticket 1" in run("verify-log").output
