"""Publish, acknowledge, status and verify: the statement's hash on chain and who acknowledged which figures."""

import json

import pytest
from click.testing import CliRunner

from servicecoin.chain import dev_account
from servicecoin.cli import cli
from servicecoin.errors import ConfigError
from servicecoin.settlement.document import canonical
from servicecoin.settlement.onchain import acknowledge, publish, published, verify
from tests.offchain.settlement.test_clearing import statement_of, worked_history


@pytest.fixture
def settled(token, vault, alliance, house, merchant, merchant2, alice, bob, db, index_into):
    worked_history(token, vault, alliance, house, merchant, merchant2, alice, bob)
    index_into(db)
    return statement_of(db, 0)


def test_published_statement_stays_open_until_every_merchant_acknowledges(settled, fresh_chain, db, index_into,
                                                                          merchant, merchant2):
    r = publish(fresh_chain, settled, sender=dev_account(1))
    assert r["parties"] == sorted([str(merchant).lower(), str(merchant2).lower()]) and r["gas"] < 16_777_216
    s = published(index_into(db))["epoch-0"]
    assert s["open"] and s["acknowledged"] == 0 and s["hash"] == r["hash"]
    acknowledge(fresh_chain, settled, dev_account(3), sender=dev_account(1))  # merchant signs, the operator relays
    s = published(index_into(db))["epoch-0"]
    assert s["open"] and s["parties"][str(merchant).lower()]["net_atoms"] == -200_000_000
    assert s["parties"][str(merchant2).lower()] is None
    acknowledge(fresh_chain, settled, dev_account(8))
    with pytest.raises(ConfigError, match="already acknowledged"):
        acknowledge(fresh_chain, settled, dev_account(8))
    assert not published(index_into(db))["epoch-0"]["open"]


def test_verify_tells_a_matching_file_from_an_edited_one(settled, fresh_chain, db, index_into, merchant):
    publish(fresh_chain, settled, sender=dev_account(1))
    acknowledge(fresh_chain, settled, dev_account(3))
    index_into(db)
    v = verify(db, json.loads(json.dumps(settled, indent=2)))  # a pretty-printed copy still matches
    assert v["matches"] and v["open"]
    assert [(p["acknowledged"], p["acknowledged_net_matches"]) for p in v["parties"]] == [(True, True), (False, False)] \
        or [(p["acknowledged"], p["acknowledged_net_matches"]) for p in v["parties"]] == [(False, False), (True, True)]
    edited = json.loads(json.dumps(settled))
    edited["merchants"][0]["net"] = "0.00"
    assert not verify(db, edited)["matches"]


def test_publishing_a_period_twice_is_refused(settled, fresh_chain):
    publish(fresh_chain, settled, sender=dev_account(1))
    with pytest.raises(ConfigError, match="already published"):
        publish(fresh_chain, settled, sender=dev_account(1))


def test_a_stranger_cannot_acknowledge(settled, fresh_chain):
    publish(fresh_chain, settled, sender=dev_account(1))
    with pytest.raises(ConfigError, match="not a party"):
        acknowledge(fresh_chain, settled, dev_account(9))


def test_cli_exports_canonical_json_and_csv(settled, db, tmp_path):
    base = ["settlement", "statement", "0", "--period-kind", "epoch", "--db", db.url, "--no-update"]
    out = CliRunner().invoke(cli, base + ["--json", "--out", str(tmp_path / "s.json")])
    assert out.exit_code == 0, out.output
    assert out.output.encode() == canonical(settled) + b"\n" and (tmp_path / "s.json").read_bytes() == canonical(settled)
    rows = CliRunner().invoke(cli, base + ["--csv"]).output.splitlines()
    assert rows[0].startswith("period,currency,role,address,issued_points") and any(r.endswith(",-2.00") for r in rows)
    text = CliRunner().invoke(cli, base).output
    assert "Who pays whom" in text and "1.10 EUR" in text


def test_cli_verify_exits_1_on_a_file_that_does_not_match(settled, db, tmp_path):
    path = tmp_path / "s.json"
    path.write_bytes(canonical(settled))
    out = CliRunner().invoke(cli, ["settlement", "verify", str(path), "--db", db.url, "--no-update"])
    assert out.exit_code == 1 and "no statement published" in out.output


def test_announced_terms_show_as_pending_until_the_notice_ends(alliance, fresh_chain):
    from brownie import chain

    from servicecoin.money import Terms
    from servicecoin.settlement.onchain import announce_terms, terms_on_chain

    address = alliance["settlement"].address
    new = Terms.from_config({"currency": "EUR", "value_per_point": "0.02", "breakage": "kept_by_operator"})
    r = announce_terms(fresh_chain, new, dev_account(0), address)
    t = terms_on_chain(fresh_chain, address)
    assert t["current"]["value_per_point"] == "0.01" and t["pending"] == new.as_json()
    assert t["pending_at"] == r["effective_at"]
    chain.sleep(7 * 86_400 + 1)
    chain.mine()
    assert terms_on_chain(fresh_chain, address) == {"current": new.as_json(), "pending": None, "pending_at": None}
