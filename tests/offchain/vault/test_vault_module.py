"""servicecoin.vault and the `svc catalog|redeem|redemptions|discount` commands on brownie's anvil."""

import json

import pytest
from brownie import web3
from click.testing import CliRunner
from web3 import Web3

from servicecoin.chain import dev_account, from_web3
from servicecoin.config import load_config
from servicecoin.deploy import deploy_token, deploy_vault
from servicecoin.roles import grant_issuer
from servicecoin.errors import ChainError, ConfigError
from servicecoin.token import UNIT, Reason
from servicecoin import vault as sv

NOREF = b"\0" * 32


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    # A plain Web3 on brownie's node: brownie's own instance carries a gas-price strategy that adds
    # `gasPrice` to the EIP-1559 transactions Chain builds, which eth-account then refuses.
    chain = from_web3(Web3(Web3.HTTPProvider(web3.provider.endpoint_uri)), "development")
    config = load_config()
    token = deploy_token(chain, config)
    grant_issuer(chain, token, chain.account("operator").address, 10**7)
    vault = sv.vault_contract(chain, deploy_vault(chain, config, token))
    for i in (5, 6):
        chain.transact(token.functions.issue(dev_account(i).address, 1_000 * UNIT, Reason.PURCHASE, NOREF), "operator")
    folder = tmp_path_factory.mktemp("deployments")
    (folder / "development.json").write_text(json.dumps(
        {"chain_id": chain.chain_id, "block": 0,
         "contracts": {"RewardToken": token.address, "RedemptionVault": vault.address}}))
    return chain, token, vault, folder


@pytest.fixture
def env(setup, monkeypatch):
    chain, token, vault, folder = setup
    chain._nonces.clear()  # every test starts from the same chain snapshot (nonces included)
    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(folder))
    monkeypatch.setattr("servicecoin.chain.connect", lambda network, timeout=10: chain)
    return setup


def test_deploy_wires_roles_budget_and_settings(env):
    chain, token, vault, _ = env
    assert token.functions.hasRole(web3.keccak(text="SPENDER_ROLE"), vault.address).call()
    assert token.functions.issuerBudget(vault.address).call()[0] == 1_000_000 * UNIT
    assert vault.functions.hasRole(web3.keccak(text="MERCHANT_ROLE"), chain.account("merchant").address).call()
    assert vault.functions.noticePeriod().call() == 7 * 86_400
    assert sv.discount_terms(chain, vault)["rate"] == 100 * UNIT


def test_catalog_add_and_list(env):
    chain, _, vault, _ = env
    item_id = sv.add_item(chain, sv.Kind.GIFT, 40 * UNIT, 5, metadata_uri="demo://mug", vault=vault)
    items = {i.item_id: i for i in sv.list_items(chain, vault)}
    assert items[item_id].kind == "gift" and items[item_id].stock == 5 and items[item_id].metadata_uri == "demo://mug"


def test_redeem_fulfil_and_list_by_status(env):
    chain, _, vault, _ = env
    item_id = sv.add_item(chain, sv.Kind.GIFT, 40 * UNIT, 5, vault=vault)
    rec = sv.redeem(chain, item_id, 2, dev_account(5), vault)
    assert rec.points == 80 * UNIT and rec.status == "open" and rec.quantity == 2
    done = sv.fulfil(chain, rec.redemption_id, "CODE-1", vault=vault)
    assert done.status == "fulfilled"
    assert done.voucher_hash == "0x" + sv.voucher_hash(rec.redemption_id, "CODE-1").hex().removeprefix("0x")
    listed = sv.list_redemptions(chain, customer=dev_account(5).address, status=sv.Status.FULFILLED, vault=vault)
    assert rec.redemption_id in [r.redemption_id for r in listed]


def test_gasless_redeem_is_paid_by_relayer(env):
    chain, token, vault, _ = env
    item_id = sv.add_item(chain, sv.Kind.DISCOUNT_VOUCHER, 25 * UNIT, None, vault=vault)
    customer = dev_account(6)
    eth_before = web3.eth.get_balance(customer.address)
    points_before = token.functions.balanceOf(customer.address).call()
    rec = sv.redeem_gasless(chain, item_id, 1, customer, vault=vault)
    assert rec.customer == customer.address and rec.redemption_id >> 224 == item_id
    assert web3.eth.get_balance(customer.address) == eth_before
    assert token.functions.balanceOf(customer.address).call() == points_before - 25 * UNIT


def test_refund_and_discount(env):
    chain, token, vault, _ = env
    item_id = sv.add_item(chain, sv.Kind.GIFT, 10 * UNIT, 5, vault=vault)
    rec = sv.redeem(chain, item_id, 1, dev_account(5), vault)
    assert sv.refund(chain, rec.redemption_id, vault=vault).status == "refunded"
    result = sv.discount(chain, 150 * UNIT, "order-77", dev_account(5), vault)
    assert (result.points, result.discount_cents) == (150 * UNIT, 150)
    # A second refund names the redemption by the 0x-hex id the commands print and take, not in decimal.
    with pytest.raises(ChainError, match=rf"RedemptionClosed\({rec.id_hex}, "):
        sv.refund(chain, rec.redemption_id, vault=vault)


def test_revert_is_a_clear_chain_error(env):
    chain, _, vault, _ = env
    with pytest.raises(ChainError, match="UnknownItem"):
        sv.redeem(chain, 999, 1, dev_account(5), vault, max_points=UNIT)


def test_bad_signer_and_kind_are_config_errors(env):
    chain = env[0]
    with pytest.raises(ConfigError, match="--from"):
        sv.resolve_signer(chain, "nobody")
    with pytest.raises(ConfigError, match="unknown item kind"):
        sv.Kind.parse("car")


def test_cli_catalog_redeem_redemptions_discount(env):
    from servicecoin.cli import cli

    runner = CliRunner()
    out = runner.invoke(cli, ["catalog", "add", "--kind", "service", "--price", "12.5", "--stock", "3", "--json",
                              "--network", "development"])
    assert out.exit_code == 0, out.output
    item_id = json.loads(out.output)["item_id"]
    out = runner.invoke(cli, ["redeem", str(item_id), "--qty", "2", "--from", "5", "--network", "development", "--json"])
    assert out.exit_code == 0, out.output
    rid = json.loads(out.output)["redemption_id"]
    out = runner.invoke(cli, ["redemptions", "fulfil", rid, "--voucher", "VIP-9", "--network", "development"])
    assert out.exit_code == 0 and "fulfilled" in out.output
    out = runner.invoke(cli, ["redemptions", "list", "--item", str(item_id), "--network", "development"])
    assert "fulfilled" in out.output and "25.00" in out.output
    out = runner.invoke(cli, ["catalog", "list", "--network", "development"])
    assert "exclusive-service" in out.output and "1 left" in out.output
    out = runner.invoke(cli, ["discount", "--points", "3", "--order", "A-1", "--from", "5", "--network", "development"])
    assert out.exit_code == 0 and "0.03 off" in out.output
    out = runner.invoke(cli, ["redeem", "999", "--from", "5", "--network", "development"])
    assert out.exit_code == 1 and "no such item" in out.output


def test_listed_status_survives_reuse_of_the_record_slot(env):
    chain, _, vault, _ = env
    item_id = sv.add_item(chain, sv.Kind.GIFT, 10 * UNIT, 5, vault=vault)
    first = sv.redeem(chain, item_id, 1, dev_account(5), vault)
    sv.fulfil(chain, first.redemption_id, "CODE-A", vault=vault)
    web3.provider.make_request("evm_increaseTime", [1])  # the slot is reused from the next second on
    second = sv.redeem(chain, item_id, 1, dev_account(6), vault)
    assert sv.redemption_slot(second.redemption_id) == sv.redemption_slot(first.redemption_id)
    assert second.redemption_id != first.redemption_id
    assert vault.functions.redemption(first.redemption_id).call()[4] == sv.Status.NONE  # the chain forgot it
    listed = {r.redemption_id: r for r in sv.list_redemptions(chain, item_id=item_id, vault=vault)}
    assert listed[first.redemption_id].status == "fulfilled" and listed[first.redemption_id].customer == first.customer
    assert listed[first.redemption_id].created_at == first.created_at and listed[first.redemption_id].voucher_hash
    assert listed[second.redemption_id].status == "open" and listed[second.redemption_id].points == 10 * UNIT


def test_redeem_pays_at_most_the_points_seen(env):
    chain, _, vault, _ = env
    item_id = sv.add_item(chain, sv.Kind.GIFT, 10 * UNIT, 5, vault=vault)
    with pytest.raises(ChainError, match="PriceAboveLimit"):
        sv.redeem(chain, item_id, 2, dev_account(5), vault, max_points=19 * UNIT)
    assert sv.redeem(chain, item_id, 2, dev_account(5), vault, max_points=20 * UNIT).points == 20 * UNIT


def test_discount_gives_at_least_the_discount_seen(env):
    chain, _, vault, _ = env
    with pytest.raises(ChainError, match="DiscountBelowMinimum"):
        sv.discount(chain, 150 * UNIT, "order-min", dev_account(5), vault, min_discount=151)
    assert sv.discount(chain, 150 * UNIT, "order-min", dev_account(5), vault, min_discount=150).discount_cents == 150
    terms = sv.discount_terms(chain, vault, customer=dev_account(5).address)
    assert terms["used_today"] == 150 * UNIT and terms["per_customer_day_cap"] > 0


def test_customer_cancels_unfulfilled_redemption(env):
    chain, token, vault, _ = env
    item_id = sv.add_item(chain, sv.Kind.GIFT, 10 * UNIT, 5, vault=vault)
    customer = dev_account(5)
    rec = sv.redeem(chain, item_id, 1, customer, vault)
    with pytest.raises(ChainError, match="FulfilmentNotDue"):
        sv.cancel(chain, rec.redemption_id, customer, vault)
    web3.provider.make_request("evm_increaseTime", [vault.functions.fulfilmentWindow().call() + 1])
    web3.provider.make_request("evm_mine", [])
    before = token.functions.balanceOf(customer.address).call()
    assert sv.cancel(chain, rec.redemption_id, customer, vault).status == "cancelled"
    assert token.functions.balanceOf(customer.address).call() == before + 10 * UNIT
    listed = sv.list_redemptions(chain, item_id=item_id, vault=vault)
    assert [r.status for r in listed] == ["cancelled"]


def test_admin_reassigns_item(env):
    chain, _, vault, _ = env
    item_id = sv.add_item(chain, sv.Kind.GIFT, 10 * UNIT, 5, vault=vault)
    other = dev_account(7).address
    chain.transact(vault.functions.grantRole(web3.keccak(text="MERCHANT_ROLE"), other), "deployer")
    assert sv.reassign_item(chain, item_id, other, vault=vault).merchant == other


def test_cli_passes_the_terms_the_customer_saw(env):
    from servicecoin.cli import cli

    chain, _, vault, _ = env
    runner = CliRunner()
    item_id = sv.add_item(chain, sv.Kind.GIFT, 10 * UNIT, 5, vault=vault)
    net = ["--network", "development"]
    out = runner.invoke(cli, ["redeem", str(item_id), "--qty", "2", "--max-points", "19.99", "--from", "5", *net])
    assert out.exit_code == 4 and "PriceAboveLimit" in out.output  # refused by the chain
    out = runner.invoke(cli, ["redeem", str(item_id), "--max-points", "10", "--from", "5", "--json", *net])
    assert out.exit_code == 0, out.output
    rid = json.loads(out.output)["redemption_id"]
    out = runner.invoke(cli, ["discount", "--points", "3", "--order", "B-1", "--min-discount", "0.04", "--from", "5", *net])
    assert out.exit_code == 4 and "DiscountBelowMinimum" in out.output  # refused by the chain
    out = runner.invoke(cli, ["redemptions", "cancel", rid, "--from", "5", *net])
    assert out.exit_code == 4 and "FulfilmentNotDue" in out.output  # refused by the chain
    other = dev_account(7).address
    chain.transact(vault.functions.grantRole(web3.keccak(text="MERCHANT_ROLE"), other), "deployer")
    out = runner.invoke(cli, ["catalog", "reassign", str(item_id), "--merchant", other, "--json", *net])
    assert out.exit_code == 0 and json.loads(out.output)["merchant"] == other, out.output


def test_index_reads_cancellations_and_reassigned_items(env, tmp_path):
    from servicecoin.index import Indexer, IndexSettings, open_db
    from servicecoin.index.vault import redemptions
    from servicecoin.reports.transparency import transparency

    chain, token, vault, _ = env
    customer = dev_account(5)
    cancelled_item = sv.add_item(chain, sv.Kind.GIFT, 10 * UNIT, 5, vault=vault)
    cancelled = sv.redeem(chain, cancelled_item, 1, customer, vault).redemption_id
    moved_item = sv.add_item(chain, sv.Kind.GIFT, 7 * UNIT, 5, vault=vault)
    other = dev_account(7).address
    chain.transact(vault.functions.grantRole(web3.keccak(text="MERCHANT_ROLE"), other), "deployer")
    moved = sv.redeem(chain, moved_item, 1, customer, vault).redemption_id
    sv.reassign_item(chain, moved_item, other, vault=vault)
    web3.provider.make_request("evm_increaseTime", [vault.functions.fulfilmentWindow().call() + 1])
    web3.provider.make_request("evm_mine", [])
    sv.cancel(chain, cancelled, customer, vault)

    db = open_db(str(tmp_path / "index.sqlite"), "development")
    try:
        Indexer(chain, db, IndexSettings(confirmations=0), log=lambda m: None,
                contracts={"RewardToken": token.address, "RedemptionVault": vault.address}).run()
        rows = {r["id"]: r for r in redemptions(db, customer.address.lower())}  # the index keeps addresses lower case
        assert rows[str(cancelled)]["status"] == "cancelled" and rows[str(cancelled)]["refunded"] == 10 * UNIT
        assert rows[str(moved)]["status"] == "open" and rows[str(moved)]["merchant"] == other.lower()
        assert transparency(db)["refunded"]["vault_refunds"] == 10 * UNIT
    finally:
        db.close()
