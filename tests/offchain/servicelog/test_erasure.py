"""Per-customer erasure: one content key per customer in a key store apart from the content store; destroying
it erases every text (and salt) of the customer at once, backups of the content store included; signed
tombstones tell an erasure apart from a deleted row or a forged tombstone; `reconcile` after a restore."""

import shutil
import sqlite3

import pytest
from eth_account import Account

from servicecoin.chain import dev_account
from servicecoin.contentkeys import ContentKeys
from servicecoin.contentstore import ContentStore, commitment_of
from servicecoin.servicelog import Entry, Kind, append, append_batch, check_contents, fetch_records, verify_log
from servicecoin.servicelog.erasure import erase_customer, erase_record, reconcile, register_eraser
from servicecoin.servicelog.helpdesk import event_salt
from servicecoin.servicelog.tombstones import judge, tombstones

AGENT, ALICE, BOB = dev_account(8), dev_account(5), dev_account(6)


@pytest.fixture
def sealed(tmp_path):
    with ContentStore(tmp_path / "content.sqlite", ContentKeys(tmp_path / "keys" / "content-keys.sqlite")) as s:
        yield s


def two_customers(chain, slog, store):
    """#1–#3 Alice (open, reply, resolve on ticket 1), #4–#5 Bob (open, reply on ticket 2, packed)."""
    a, b = ALICE.address, BOB.address
    for e in [Entry(Kind.OPENED, 1, a, "alice: charged twice"), Entry(Kind.REPLY, 1, a, "alice: refunding"),
              Entry(Kind.RESOLVED, 1, a, "alice: refunded")]:
        append(chain, e, store, sender=AGENT, log=slog)
    append_batch(chain, [Entry(Kind.OPENED, 2, b, "bob: late parcel"), Entry(Kind.REPLY, 2, b, "bob: on its way")],
                 store, sender=AGENT, log=slog)


def raw_rows(store):
    return store.db.execute("SELECT seq, salt, text, sealed FROM content WHERE seq IS NOT NULL ORDER BY seq").fetchall()


def test_texts_and_salts_are_kept_sealed_with_the_customers_key(svc_chain, slog, sealed):
    two_customers(svc_chain, slog, sealed)
    for seq, salt, text, blob in raw_rows(sealed):
        assert salt is None and text is None and blob  # nothing readable without the key
    assert b"charged twice" not in sealed.path.read_bytes()
    assert sealed.get(slog.address, 1).text == "alice: charged twice"
    checked = check_contents(sealed, slog.address, fetch_records(svc_chain, slog), judge(svc_chain, slog, sealed))
    assert checked.matching == 5 and checked.ok


def test_erasing_a_customer_makes_every_text_unreadable_and_the_chain_still_verifies(svc_chain, slog, sealed,
                                                                                     tmp_path):
    two_customers(svc_chain, slog, sealed)
    salts = [sealed.get(slog.address, seq).salt for seq in (1, 2, 3)]
    alice_key = sealed.keys.key_for(ALICE.address)[1]
    backup = tmp_path / "backup-content.sqlite"
    shutil.copy(sealed.path, backup)  # a backup of .servicecoin/ taken before the erasure

    done = erase_customer(svc_chain, sealed, ALICE.address, log=slog, signer=AGENT)
    assert done.keys_destroyed == 1 and done.rows_erased == 3 and len(done.tombstones) == 1
    assert [sealed.get(slog.address, s).text for s in (1, 2, 3)] == [None, None, None]
    assert sealed.get(slog.address, 4).text == "bob: late parcel"  # other customers untouched
    assert alice_key not in sealed.keys.path.read_bytes()  # secure_delete + VACUUM: the key's bytes are gone
    stored = sealed.path.read_bytes()
    assert not any(salt in stored for salt in salts)  # nobody can confirm a guessed text against the commitment
    assert verify_log(svc_chain, slog).valid
    checked = check_contents(sealed, slog.address, fetch_records(svc_chain, slog), judge(svc_chain, slog, sealed))
    assert checked.erased == 3 and checked.matching == 2 and checked.ok

    with ContentStore(backup, sealed.keys) as restored:  # the old backup, read with today's key store
        assert [restored.get(slog.address, s).text for s in (1, 2, 3)] == [None, None, None]
        assert restored.get(slog.address, 5).text == "bob: on its way"


def test_a_customer_who_comes_back_gets_a_new_key(svc_chain, slog, sealed):
    two_customers(svc_chain, slog, sealed)
    erase_customer(svc_chain, sealed, ALICE.address, log=slog, signer=AGENT)
    append(svc_chain, Entry(Kind.OPENED, 3, ALICE.address, "alice again"), sealed, sender=AGENT, log=slog)
    assert sealed.get(slog.address, 6).text == "alice again"
    assert sealed.get(slog.address, 1).text is None
    checked = check_contents(sealed, slog.address, fetch_records(svc_chain, slog), judge(svc_chain, slog, sealed))
    assert checked.erased == 3 and checked.matching == 3 and checked.ok


def test_a_help_desk_events_salt_cannot_be_recomputed_after_erasure(svc_chain, slog, sealed):
    append_batch(svc_chain, [Entry(Kind.OPENED, 7, ALICE.address, "by phone", event_id="zd-1")], sealed,
                 sender=AGENT, log=slog)
    held = sealed.get(slog.address, 1)
    key = sealed.customer_key(ALICE.address)
    assert held.salt == event_salt(AGENT.key, slog.address, "zd-1", key)
    assert held.salt != event_salt(AGENT.key, slog.address, "zd-1")  # the agent key alone does not give it
    erase_customer(svc_chain, sealed, ALICE.address, log=slog, signer=AGENT)
    fresh = sealed.customer_key(ALICE.address)  # a new key: the old salt is gone for good
    assert commitment_of(event_salt(AGENT.key, slog.address, "zd-1", fresh), "by phone") != held.commitment


def test_a_row_deleted_without_a_tombstone_is_an_error(svc_chain, slog, sealed):
    two_customers(svc_chain, slog, sealed)
    with sealed.db:
        sealed.db.execute("DELETE FROM content WHERE seq = 2")
        sealed.db.execute("UPDATE content SET sealed = NULL, erased_at = 1 WHERE seq = 4")
    checked = check_contents(sealed, slog.address, fetch_records(svc_chain, slog), judge(svc_chain, slog, sealed))
    assert checked.unexplained == [2, 4] and checked.missing == 1 and not checked.ok
    assert verify_log(svc_chain, slog).valid  # the chain itself is fine: it is the content store that is not


def test_a_record_erasure_leaves_a_valid_tombstone(svc_chain, slog, sealed):
    two_customers(svc_chain, slog, sealed)
    t = erase_record(svc_chain, sealed, 2, log=slog, signer=AGENT)
    assert t.scope == "record" and t.customer == ALICE.address.lower() and t.signed_by() == AGENT.address
    with sealed.db:
        sealed.db.execute("DELETE FROM content WHERE seq = 2")  # even the emptied row may go: the tombstone stays
    checked = check_contents(sealed, slog.address, fetch_records(svc_chain, slog), judge(svc_chain, slog, sealed))
    assert checked.erased == 1 and checked.matching == 4 and checked.ok


def test_forged_tombstones_are_named(svc_chain, slog, sealed):
    two_customers(svc_chain, slog, sealed)
    erase_record(svc_chain, sealed, 1, log=slog, signer=AGENT)
    erase_record(svc_chain, sealed, 4, log=slog, signer=Account.create())  # a key without AGENT_ROLE
    erase_record(svc_chain, sealed, 5, log=slog, signer=AGENT)
    with sealed.db:  # someone edits a genuine tombstone to cover another record
        sealed.db.execute("UPDATE tombstone SET seq = 2 WHERE seq = 1")
        sealed.db.execute("UPDATE content SET sealed = NULL, erased_at = 1 WHERE seq = 2")
    checked = check_contents(sealed, slog.address, fetch_records(svc_chain, slog), judge(svc_chain, slog, sealed))
    assert checked.forged == [2, 4] and checked.unexplained == [1] and checked.erased == 1 and not checked.ok


def test_reconcile_after_restoring_either_store(svc_chain, slog, sealed, tmp_path):
    two_customers(svc_chain, slog, sealed)
    old_keys, old_content = tmp_path / "old-keys.sqlite", tmp_path / "old-content.sqlite"
    shutil.copy(sealed.keys.path, old_keys)
    shutil.copy(sealed.path, old_content)
    erase_customer(svc_chain, sealed, ALICE.address, log=slog, signer=AGENT)
    new_content = tmp_path / "new-content.sqlite"
    shutil.copy(sealed.path, new_content)

    # the key store restored from a backup older than the erasure: Alice's key is back until reconciled
    with ContentStore(new_content, ContentKeys(old_keys)) as store:
        assert store.get(slog.address, 1).text is None  # the rows were emptied, but the key must go too
        done = reconcile(store)
        assert done["keys_destroyed"] == 1 and done["tombstones_copied"] == 0
        assert all(k != ALICE.address.lower() for k in store.keys.customers())
    # the content store restored from before the erasure: its rows are unreadable, its tombstones come back
    with ContentStore(old_content, ContentKeys(sealed.keys.path)) as store:
        assert store.get(slog.address, 2).text is None
        assert reconcile(store)["tombstones_copied"] == 1
        checked = check_contents(store, slog.address, fetch_records(svc_chain, slog), judge(svc_chain, slog, store))
        assert checked.erased == 3 and checked.ok
        left = sqlite3.connect(old_content).execute(
            "SELECT count(*) FROM content WHERE customer = ? AND sealed IS NOT NULL", (ALICE.address.lower(),))
        assert left.fetchone()[0] == 0


def test_erase_customer_reaches_the_registered_stores(svc_chain, slog, sealed, monkeypatch):
    calls = []
    monkeypatch.setattr("servicecoin.servicelog.erasure.ERASERS", {})  # only this test's store (not the ingest queue)
    register_eraser("ingestion queue", lambda network, address: calls.append((network, address)) or 2)
    two_customers(svc_chain, slog, sealed)
    done = erase_customer(svc_chain, sealed, BOB.address.lower(), log=slog, signer=AGENT)
    assert calls == [("development", BOB.address)] and done.others == {"ingestion queue": 2}
    assert [t.customer for t in tombstones(sealed, slog.address)] == [BOB.address.lower()]


def test_rows_written_before_the_key_store_are_erased_too(svc_chain, slog, sealed, tmp_path):
    with ContentStore(sealed.path) as plain:  # an older writer: no key store, no customer on the row
        append(svc_chain, Entry(Kind.OPENED, 1, ALICE.address, "old plain text"), plain, sender=AGENT, log=slog)
    assert sealed.get(slog.address, 1).text == "old plain text"
    done = erase_customer(svc_chain, sealed, ALICE.address, log=slog, signer=AGENT)
    assert done.rows_erased == 1 and sealed.get(slog.address, 1).text is None
    assert b"old plain text" not in sealed.path.read_bytes()


def test_cli_erase_customer_verify_log_and_export(tmp_path, monkeypatch):
    """`svc log erase --customer` leaves `svc verify-log` green (erased, not missing); `svc customer export` gives
    the records, texts, points and the consent note before, and no text after; a deleted row fails verify-log."""
    import json

    from click.testing import CliRunner

    from servicecoin.cli import cli

    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(tmp_path))
    monkeypatch.setattr("servicecoin.paths.DATA_DIR", tmp_path / "data")
    run = lambda *args: CliRunner().invoke(cli, [*args, "--network", "development"])  # noqa: E731
    assert run("deploy").exit_code == 0
    a, b = ALICE.address, BOB.address
    for args in (("open", "1", a, "--text", "alice: charged twice"), ("resolve", "1", a, "--text", "alice: done"),
                 ("open", "2", b, "--text", "bob: late")):
        assert run("log", *args).exit_code == 0
    assert (tmp_path / "data" / "development" / "keys" / "content-keys.sqlite").exists()

    before = run("customer", "export", a, "--json")
    assert before.exit_code == 0, before.output
    data = json.loads(before.output)
    assert [(r["seq"], r["kind"], r["text"]) for r in data["records"]] == [
        (1, "opened", "alice: charged twice"), (2, "resolved", "alice: done")]
    assert data["consent"]["held"] == [] and "notices" in data["consent"]["note"]
    assert "balance" in data["points"] and "address" in data["public"] and data["erasures"] == []

    erased = run("log", "erase", "--customer", a)
    assert erased.exit_code == 0 and "1 content key(s) destroyed, 2 row(s) emptied" in erased.output, erased.output
    checked = run("verify-log", "--json")
    assert checked.exit_code == 0, checked.output
    contents = json.loads(checked.output)["contents"]
    assert contents["erased"] == 2 and contents["matching"] == 1 and not contents["unexplained"]
    after = json.loads(run("customer", "export", a, "--json", "--no-points").output)
    assert [r["content"] for r in after["records"]] == ["erased", "erased"]
    assert after["erasures"][0]["scope"] == "customer"
    assert "service records: 2 (0 with text held, 2 erased)" in run("customer", "export", a, "--no-points").output

    with sqlite3.connect(tmp_path / "data" / "development" / "content.sqlite") as db:
        db.execute("DELETE FROM content WHERE seq = 3")  # Bob's row, gone without an erasure
    broken = run("verify-log")
    assert broken.exit_code == 1 and "GONE WITHOUT A TOMBSTONE at 3" in broken.output
    assert run("log", "erase").output.strip() == "error: give one of: SEQ, --customer ADDRESS, --after-restore"
