"""Pending points (the return window): not spendable nor in the balance until released, released by
themselves without a transaction, counted toward the tier only from their release on (in the period of
the release), cancellable by their issuer before release (budget back; nothing counted toward the tier
yet), and the supply identity with pending and cancelled points."""

from brownie import chain

from tests.tokenkit import DAY, NOREF, REASON, batch_id, plain, reverts_with

WINDOW = 2 * DAY
PURCHASE = REASON["purchase"]


def pending_on(token, admin, window=WINDOW):
    return token.setPendingPolicy(1 << PURCHASE, window, {"from": admin})


def ref(label):
    return batch_id(label)


def identity(token):
    issued = token.totalIssued()
    parts = (token.totalSupply(), token.totalPending(), token.totalExpired(), token.totalBurned(),
             token.totalCancelled())
    assert issued == sum(parts), (issued, parts)
    return parts


def sleep(seconds):
    chain.sleep(int(seconds))
    chain.mine()


def test_policy_settings_and_refusals(token, admin, stranger):
    assert plain(token.pendingPolicy()) == [0, 0]
    tx = pending_on(token, admin)
    assert tx.events["PendingPolicySet"] == {"reasonMask": 1, "window": WINDOW}
    assert plain(token.pendingPolicy()) == [1, WINDOW]
    with reverts_with("InvalidPendingPolicy"):
        token.setPendingPolicy(1 << REASON["refund"], WINDOW, {"from": admin})
    with reverts_with("InvalidPendingPolicy"):
        token.setPendingPolicy(1, 91 * DAY, {"from": admin})
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.setPendingPolicy(1, WINDOW, {"from": stranger})


def test_pending_credit_is_neither_balance_nor_spendable_and_vests_by_itself(token, admin, issuer, alice, merchant):
    pending_on(token, admin)
    token.issue(alice, 300, REASON["feedback"], NOREF, {"from": issuer})
    tx = token.issue(alice, 1_000, PURCHASE, ref("order-1"), {"from": issuer})
    release = chain[tx.block_number].timestamp + WINDOW
    assert tx.events["Issued"]["amount"] == 1_000
    assert token.balanceOf(alice) == 300
    assert plain(token.pendingOf(alice)) == [[1_000], [release]]
    assert token.totalPending() == 1_000 and token.totalSupply() == 300
    identity(token)
    with reverts_with("ERC20InsufficientBalance"):
        token.transfer(merchant, 301, {"from": alice})
    sleep(WINDOW + 1)
    assert token.balanceOf(alice) == 1_300 and plain(token.pendingOf(alice)) == [[], []]
    assert token.totalPending() == 0 and token.totalSupply() == 1_300
    identity(token)
    token.transfer(merchant, 1_250, {"from": alice})  # settles the released credit, then spends it
    assert token.balanceOf(alice) == 50
    identity(token)


def test_cancel_by_issuer_before_release_gives_the_budget_back_and_the_tier_never_moved(token, admin, issuer, alice):
    pending_on(token, admin)
    token.setTiers([0, 500], [10_000, 12_000], {"from": admin})
    token.setTierPolicy(1, 12, True, {"from": admin})
    used = token.issuerBudget(issuer)[1]
    tx = token.issue(alice, 600, PURCHASE, ref("order-2"), {"from": issuer})
    # Not counted toward the tier before its release (a return could still take it back).
    assert "TierChanged" not in tx.events and token.tierOf(alice) == 0
    assert plain(token.qualifyingPoints(alice)) == [0, 0] and token.lifetimeEarned(alice) == 0
    assert token.issuerBudget(issuer)[1] == used + 600
    tx = token.cancelPending(ref("order-2"), alice, {"from": issuer})
    assert tx.return_value == 600
    assert tx.events["PendingCancelled"] == {"issuer": issuer, "key": "0x" + ref("order-2").hex(), "recipient": alice,
                                             "amount": 600}
    assert "TierChanged" not in tx.events
    assert token.tierOf(alice) == 0 and plain(token.qualifyingPoints(alice)) == [0, 0]
    assert token.issuerBudget(issuer)[1] == used and token.lifetimeEarned(alice) == 0
    assert token.totalCancelled() == 600 and token.totalPending() == 0
    identity(token)
    sleep(WINDOW + 1)
    assert token.balanceOf(alice) == 0 and token.tierOf(alice) == 0 and token.lifetimeEarned(alice) == 0


def test_pending_counts_toward_the_tier_from_its_release_without_a_transaction(token, admin, issuer, alice):
    pending_on(token, admin)
    token.setTiers([0, 500], [10_000, 12_000], {"from": admin})
    token.setTierPolicy(1, 12, True, {"from": admin})
    token.issue(alice, 600, PURCHASE, ref("order-v"), {"from": issuer})
    assert token.tierOf(alice) == 0 and plain(token.tierProgress(alice)) == [0, 0, 500]
    sleep(WINDOW + 1)
    # Released: in the balance, the lifetime, the qualification and the tier, untouched.
    assert token.balanceOf(alice) == 600 and token.lifetimeEarned(alice) == 600
    assert token.tierOf(alice) == 1 and plain(token.qualifyingPoints(alice)) == [600, 0]
    # The next credit applies the tier the vested points reached, and the touch reports it.
    tx = token.issue(alice, 100, REASON["campaign"], NOREF, {"from": issuer})
    assert tx.events["Issued"]["amount"] == 120
    assert tx.events["TierChanged"] == {"account": alice, "fromTier": 0, "toTier": 1}
    assert plain(token.qualifyingPoints(alice)) == [720, 0] and token.lifetimeEarned(alice) == 720
    assert plain(token.pendingOf(alice)) == [[], []] and token.balanceOf(alice) == 720
    identity(token)


def test_pending_released_in_the_next_period_counts_in_that_period(token, admin, issuer, alice):
    pending_on(token, admin)  # a 2-day window: released in the next 2-day period whatever the hour
    token.setTiers([0, 500], [10_000, 10_000], {"from": admin})
    token.setTierPolicy(1, 2, False, {"from": admin})
    start = token.currentEpoch()
    token.issue(alice, 600, PURCHASE, ref("order-p"), {"from": issuer})
    sleep(WINDOW + 1)
    assert token.currentEpoch() // 2 == start // 2 + 1
    assert plain(token.qualifyingPoints(alice)) == [600, 0] and token.tierOf(alice) == 1
    sleep(2 * DAY)  # the period of the release ends: it becomes the last period, and holds the tier
    assert plain(token.qualifyingPoints(alice)) == [0, 600] and token.tierOf(alice) == 1
    sleep(2 * DAY)  # a period without points: straight down (no soft landing)
    assert plain(token.qualifyingPoints(alice)) == [0, 0] and token.tierOf(alice) == 0


def test_cancel_refusals(token, admin, issuer, alice, bob, stranger):
    pending_on(token, admin)
    token.issue(alice, 100, PURCHASE, ref("order-3"), {"from": issuer})
    with reverts_with("PendingKeyUsed"):
        token.issue(bob, 100, PURCHASE, ref("order-3"), {"from": issuer})
    token.grantRole(token.ISSUER_ROLE(), stranger, {"from": admin})
    with reverts_with("NoPendingCredit"):
        token.cancelPending(ref("order-3"), alice, {"from": stranger})  # not the issuer that made it
    with reverts_with("NoPendingCredit"):
        token.cancelPending(ref("order-3"), bob, {"from": issuer})  # not its recipient
    sleep(WINDOW + 1)
    with reverts_with("PendingReleased"):
        token.cancelPending(ref("order-3"), alice, {"from": issuer})


def test_pending_batch_one_record_cancel_one_recipient(token, admin, issuer, alice, bob, carol, merchant):
    pending_on(token, admin)
    tx = token.issueBatch(batch_id("purchases"), [alice, bob, merchant], [100, 200, 50], PURCHASE, {"from": issuer})
    assert tx.events["BatchIssued"]["total"] == 350
    assert token.batchIssuedAt(issuer, batch_id("purchases")) == tx.block_number
    assert token.balanceOf(merchant) == 50  # acceptors are never pending
    assert token.totalPending() == 300
    token.cancelPending(batch_id("purchases"), bob, {"from": issuer})
    assert token.totalPending() == 100 and token.totalCancelled() == 200
    assert plain(token.pendingOf(bob)) == [[], []]
    identity(token)
    with reverts_with("BatchAlreadyUsed"):
        token.issueBatch(batch_id("purchases"), [carol], [1], PURCHASE, {"from": issuer})
    sleep(WINDOW + 1)
    assert token.balanceOf(alice) == 100 and token.balanceOf(bob) == 0
    identity(token)


def test_pending_that_expires_before_release_counts_as_expired(token, admin, issuer, alice, merchant):
    pending_on(token, admin, window=10 * DAY)  # longer than validity (3 one-day epochs)
    token.issue(alice, 100, PURCHASE, ref("order-4"), {"from": issuer})
    sleep(4 * DAY)
    assert token.totalPending() == 0 and token.totalExpired() == 100
    identity(token)
    sleep(7 * DAY)
    assert token.balanceOf(alice) == 0
    assert token.lifetimeEarned(alice) == 0  # it expired before its release: never vested
    tx = token.issue(alice, 5, REASON["feedback"], NOREF, {"from": issuer})  # a credit settles it first
    assert tx.events["PointsExpired"]["amount"] == 100
    assert token.balanceOf(alice) == 5 and token.lifetimeEarned(alice) == 5
    assert plain(token.pendingOf(alice)) == [[], []]
    identity(token)
    tx = token.transfer(merchant, 1, {"from": alice})
    assert "PointsExpired" not in tx.events


def test_at_most_fifteen_pending_per_account(token, admin, issuer, alice):
    pending_on(token, admin)
    for i in range(15):
        token.issue(alice, 1, PURCHASE, ref(f"o-{i}"), {"from": issuer})
    with reverts_with("TooManyLots"):
        token.issue(alice, 1, PURCHASE, ref("o-15"), {"from": issuer})
    sleep(WINDOW + 1)
    token.issue(alice, 1, PURCHASE, ref("o-16"), {"from": issuer})  # the released ones were settled
    assert len(token.pendingOf(alice)[0]) == 1 and token.balanceOf(alice) == 15


def test_recovery_moves_pending_credits(token, admin, issuer, alice, bob):
    pending_on(token, admin)
    token.setRecoveryDelay(0, {"from": admin})
    token.issue(alice, 100, REASON["feedback"], NOREF, {"from": issuer})
    token.issue(alice, 40, PURCHASE, ref("order-5"), {"from": issuer})
    token.startRecovery(alice, bob, {"from": admin})
    token.completeRecovery(alice, {"from": bob})
    assert token.balanceOf(bob) == 100 and plain(token.pendingOf(bob))[0] == [40]
    assert plain(token.pendingOf(alice)) == [[], []]
    identity(token)
    sleep(WINDOW + 1)
    assert token.balanceOf(bob) == 140


# ---------------------------------------------------------------- a pending credit kept in slot 0 (inline)
def test_first_pending_credit_of_an_account_without_lots_writes_one_word(token, admin, issuer, alice, bob):
    pending_on(token, admin)
    token.issue(bob, 100, PURCHASE, ref("warm"), {"from": issuer})  # the record mapping is warm either way
    fresh = token.issue(alice, 100, PURCHASE, ref("inline"), {"from": issuer}).gas_used
    second = token.issue(alice, 100, PURCHASE, ref("listed"), {"from": issuer}).gas_used  # a word of its own
    assert second - fresh > 15_000, (fresh, second)  # the second opens a fresh entry word (22,100 gas)
    assert sorted(plain(token.pendingOf(alice))[0]) == [100, 100] and token.balanceOf(alice) == 0
    identity(token)
    sleep(WINDOW + 1)
    assert token.balanceOf(alice) == 200 and token.lifetimeEarned(alice) == 200


def test_inline_pending_credit_survives_every_touch_before_its_release(token, admin, issuer, alice, merchant):
    pending_on(token, admin)
    tx = token.issue(alice, 500, PURCHASE, ref("buy"), {"from": issuer})
    release = chain[tx.block_number].timestamp + WINDOW
    token.issue(merchant, 1_000, REASON["campaign"], NOREF, {"from": issuer})
    token.transfer(alice, 30, {"from": merchant})  # a merchant pays a customer: a lot is written
    token.issue(alice, 20, REASON["feedback"], NOREF, {"from": issuer})  # a plain credit
    assert token.balanceOf(alice) == 50 and plain(token.pendingOf(alice)) == [[500], [release]]
    token.transfer(merchant, 50, {"from": alice})  # a spend of the spendable part
    with reverts_with("ERC20InsufficientBalance"):
        token.transfer(merchant, 1, {"from": alice})
    assert plain(token.pendingOf(alice)) == [[500], [release]]
    identity(token)
    sleep(WINDOW + 1)
    assert token.balanceOf(alice) == 500 and plain(token.pendingOf(alice)) == [[], []]
    token.transfer(merchant, 500, {"from": alice})
    assert token.balanceOf(alice) == 0
    identity(token)


def test_inline_pending_credit_cancelled_then_account_reused(token, admin, issuer, alice, merchant):
    pending_on(token, admin)
    token.issue(alice, 300, PURCHASE, ref("returned"), {"from": issuer})
    tx = token.cancelPending(ref("returned"), alice, {"from": issuer})
    assert tx.return_value == 300 and plain(token.pendingOf(alice)) == [[], []]
    with reverts_with("NoPendingCredit"):
        token.cancelPending(ref("returned"), alice, {"from": issuer})
    token.issue(alice, 70, REASON["feedback"], NOREF, {"from": issuer})  # the places are reused
    token.issue(alice, 80, PURCHASE, ref("again"), {"from": issuer})
    assert token.balanceOf(alice) == 70 and plain(token.pendingOf(alice))[0] == [80]
    sleep(WINDOW + 1)
    assert token.balanceOf(alice) == 150 and token.lifetimeEarned(alice) == 150
    identity(token)


def test_inline_pending_credit_moves_with_a_recovery_and_blocks_acceptor_status(token, admin, issuer, alice, bob):
    pending_on(token, admin)
    token.setRecoveryDelay(0, {"from": admin})
    token.issue(alice, 40, PURCHASE, ref("order-r"), {"from": issuer})
    with reverts_with("AccountHoldsPoints"):
        token.setAcceptor(alice, True, {"from": admin})
    token.startRecovery(alice, bob, {"from": admin})
    token.completeRecovery(alice, {"from": bob})
    assert plain(token.pendingOf(bob))[0] == [40] and plain(token.pendingOf(alice)) == [[], []]
    tx = token.cancelPending(ref("order-r"), bob, {"from": issuer})
    assert tx.return_value == 40
    identity(token)
