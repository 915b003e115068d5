"""issue / issueBatch: credits, reasons, references, budgets, batch ids."""

from brownie import ZERO_ADDRESS, chain
from tests.tokenkit import NOREF, plain, BUDGET, REASON, UNIT, batch_id, reverts_with


def test_issue_credits_and_emits_reason_and_ref(token, issuer, alice):
    ref = b"order-42".ljust(32, b"\0")
    tx = token.issue(alice, 150 * UNIT, REASON["feedback"], ref, {"from": issuer})
    assert token.balanceOf(alice) == 150 * UNIT
    ev = tx.events["Issued"]
    assert ev["to"] == alice and ev["issuer"] == issuer
    assert ev["reason"] == REASON["feedback"] and ev["amount"] == 150 * UNIT and ev["baseAmount"] == 150 * UNIT
    assert ev["ref"] == "0x" + ref.hex()
    assert tx.events["Transfer"]["from"] == ZERO_ADDRESS and tx.events["Transfer"]["value"] == 150 * UNIT
    assert tx.return_value == 150 * UNIT


def test_issue_updates_supply_and_counters(token, issuer, alice, bob):
    token.issue(alice, 100, 0, NOREF, {"from": issuer})
    token.issue(bob, 50, 0, NOREF, {"from": issuer})
    assert token.totalSupply() == 150
    assert token.totalIssued() == 150
    assert token.totalExpired() == 0
    assert token.totalBurned() == 0


def test_issue_zero_address_reverts(token, issuer):
    with reverts_with("ZeroAddress"):
        token.issue(ZERO_ADDRESS, 1, 0, NOREF, {"from": issuer})


def test_issue_zero_amount_reverts(token, issuer, alice):
    with reverts_with("ZeroAmount"):
        token.issue(alice, 0, 0, NOREF, {"from": issuer})


def test_issue_without_role_reverts(token, stranger, alice):
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.issue(alice, 1, 0, NOREF, {"from": stranger})


def test_issue_over_budget_reverts(token, admin, issuer, alice):
    token.setIssuerBudget(issuer, 100, {"from": admin})
    token.issue(alice, 60, 0, NOREF, {"from": issuer})
    with reverts_with("OverBudget"):
        token.issue(alice, 41, 0, NOREF, {"from": issuer})
    token.issue(alice, 40, 0, NOREF, {"from": issuer})
    assert plain(token.issuerBudget(issuer)) == [100, 100, 0]


def test_budget_counts_minted_amount_after_multiplier(token, admin, issuer, alice):
    token.setTiers([0, 100], [10_000, 20_000], {"from": admin})
    token.issue(alice, 100, REASON["purchase"], NOREF, {"from": issuer})  # reaches tier 1
    token.issue(alice, 100, REASON["purchase"], NOREF, {"from": issuer})  # doubled
    assert token.issuerBudget(issuer)[1] == 300


def test_set_budget_keeps_use_and_emits(token, admin, issuer, alice):
    token.issue(alice, 70, 0, NOREF, {"from": issuer})
    tx = token.setIssuerBudget(issuer, 100, {"from": admin})
    assert tx.events["IssuerBudgetSet"]["used"] == 70
    assert plain(token.issuerBudget(issuer)) == [100, 70, 30]
    token.setIssuerBudget(issuer, 50, {"from": admin})
    assert plain(token.issuerBudget(issuer)) == [50, 70, 0]


def test_set_budget_only_admin(token, issuer, stranger):
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.setIssuerBudget(issuer, 1, {"from": stranger})


def test_set_budget_zero_address_and_too_large_revert(token, admin, issuer):
    with reverts_with("ZeroAddress"):
        token.setIssuerBudget(ZERO_ADDRESS, 1, {"from": admin})
    with reverts_with("AmountTooLarge"):
        token.setIssuerBudget(issuer, 2**128, {"from": admin})


def test_batch_credits_everyone_once(token, issuer, alice, bob, carol):
    bid = batch_id("campaign-1/batch-0")
    tx = token.issueBatch(bid, [alice, bob, carol], [10, 20, 30], REASON["campaign"], {"from": issuer})
    assert [token.balanceOf(a) for a in (alice, bob, carol)] == [10, 20, 30]
    ev = tx.events["BatchIssued"]
    assert ev["batchId"] == "0x" + bid.hex() and ev["recipients"] == 3 and ev["total"] == 60
    assert len(tx.events["Transfer"]) == 3
    assert token.isBatchUsed(issuer, bid)
    assert token.batchIssuedAt(issuer, bid) == tx.block_number
    assert token.issuerBudget(issuer)[1] == 60


def test_batch_replay_reverts(token, issuer, alice):
    bid = batch_id("b")
    token.issueBatch(bid, [alice], [10], 5, {"from": issuer})
    with reverts_with("BatchAlreadyUsed"):
        token.issueBatch(bid, [alice], [10], 5, {"from": issuer})
    assert token.balanceOf(alice) == 10


def test_unused_batch_reads_unused(token, issuer):
    assert not token.isBatchUsed(issuer, batch_id("never"))
    assert token.batchIssuedAt(issuer, batch_id("never")) == 0


def test_batch_length_mismatch_reverts(token, issuer, alice):
    with reverts_with("LengthMismatch"):
        token.issueBatch(batch_id("x"), [alice], [1, 2], 5, {"from": issuer})


def test_batch_empty_reverts(token, issuer):
    with reverts_with("EmptyBatch"):
        token.issueBatch(batch_id("x"), [], [], 5, {"from": issuer})


def test_batch_zero_entries_revert(token, issuer, alice):
    with reverts_with("ZeroAddress"):
        token.issueBatch(batch_id("x"), [alice, ZERO_ADDRESS], [1, 1], 5, {"from": issuer})
    with reverts_with("ZeroAmount"):
        token.issueBatch(batch_id("y"), [alice], [0], 5, {"from": issuer})


def test_failed_batch_leaves_id_unused(token, admin, issuer, alice):
    token.setIssuerBudget(issuer, 5, {"from": admin})
    with reverts_with("OverBudget"):
        token.issueBatch(batch_id("z"), [alice], [10], 5, {"from": issuer})
    assert not token.isBatchUsed(issuer, batch_id("z"))


def test_batch_same_recipient_twice_merges(token, issuer, alice):
    token.issueBatch(batch_id("m"), [alice, alice], [5, 7], 5, {"from": issuer})
    assert token.balanceOf(alice) == 12
    assert len(token.lotsOf(alice)) == 1


def test_batch_without_role_reverts(token, stranger, alice):
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.issueBatch(batch_id("r"), [alice], [1], 5, {"from": stranger})


def test_issue_to_acceptor_never_expires(token, issuer, merchant):
    token.issue(merchant, 500, REASON["compensation"], NOREF, {"from": issuer})
    chain.sleep(86_400 * 30)
    chain.mine()
    assert token.balanceOf(merchant) == 500
    assert token.totalSupply() == 500
    assert token.lotsOf(merchant) == []


def test_budget_default_is_zero(token, admin, stranger, alice):
    token.grantRole(token.ISSUER_ROLE(), stranger, {"from": admin})
    with reverts_with("OverBudget"):
        token.issue(alice, 1, 0, NOREF, {"from": stranger})
    assert plain(token.issuerBudget(stranger)) == [0, 0, 0]


def test_large_lot_amount_reverts(token, issuer, alice):
    with reverts_with("AmountTooLarge"):
        token.issue(alice, 2**48, 0, NOREF, {"from": issuer})
    assert plain(token.issuerBudget(issuer)) == [BUDGET, 0, BUDGET]
