"""Wallet recovery: RECOVERY_ROLE starts moving a lost wallet's points, the old address is frozen
for debits while it pends, the old key (or the role) can cancel, anyone completes it after the
delay, and every live lot (with its epoch), lifetime earned and tier move in one event. Every
refusal is a custom error; the supply counters never change."""

import pytest
from brownie import RewardToken, chain, web3

from tests.tokenkit import DAY, EPOCH, NOREF, UNIT, VALIDITY, deploy_token, reverts_with

ZERO = "0x" + "00" * 20
WEEK = 7 * DAY
DELAY = DAY // 2  # the tests' recovery delay: shorter than an epoch, so points outlive it


@pytest.fixture(autouse=True)
def short_delay(token, admin):
    token.setRecoveryDelay(DELAY, {"from": admin})


def sleep(seconds):
    chain.sleep(int(seconds))
    chain.mine()


def lots(token, who):
    return [(int(l[0]), int(l[1]), int(l[2])) for l in token.lotsOf(who)]


def pending(token, who):
    """recoveryOf as plain values: (target, ready at)."""
    to, ready_at = token.recoveryOf(who)
    return str(to), int(ready_at)


def counters(token):
    """The supply counters, checked against the identity on the way."""
    supply, issued, expired, burned = token.totalSupply(), token.totalIssued(), token.totalExpired(), token.totalBurned()
    assert issued == supply + expired + burned
    return supply, issued, expired, burned


def earn(token, issuer, *customers, amount=100):
    """Each customer earns `amount` (a purchase credit: lifetime earned too)."""
    for who in customers:
        token.issue(who, amount, 0, NOREF, {"from": issuer})


def start(token, admin, old, new):
    return token.startRecovery(old, new, {"from": admin})


def ready(token, old):
    """Let time pass until the recovery of `old` can be completed."""
    sleep(max(0, token.recoveryOf(old)[1] - chain.time()) + 1)


# ---------------------------------------------------------------------------- start


def test_the_admin_holds_the_role(token, admin):
    assert token.hasRole(token.RECOVERY_ROLE(), admin)
    assert token.MAX_RECOVERY_DELAY() == 365 * DAY


def test_start_records_the_target_and_when_it_is_ready(token, admin, issuer, alice, bob):
    earn(token, issuer, alice)
    tx = start(token, admin, alice, bob)
    ready_at = tx.timestamp + DELAY
    assert tx.return_value == ready_at
    assert tx.events["RecoveryStarted"] == {"from": alice, "to": bob, "operator": admin, "readyAt": ready_at}
    assert pending(token, alice) == (bob, ready_at)
    assert pending(token, bob) == (ZERO, 0)
    assert token.balanceOf(alice) == 100  # nothing moves yet


def test_a_separate_recovery_operator_needs_only_its_role(token, admin, issuer, alice, bob, carol):
    token.grantRole(token.RECOVERY_ROLE(), carol, {"from": admin})
    earn(token, issuer, alice)
    start(token, carol, alice, bob)
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.setRecoveryDelay(0, {"from": carol})


def test_start_without_the_role_reverts(token, issuer, alice, bob, stranger):
    earn(token, issuer, alice)
    for who in (stranger, issuer, bob, alice):
        with reverts_with("AccessControlUnauthorizedAccount"):
            token.startRecovery(alice, bob, {"from": who})


START_REFUSALS = [  # (old, new, what happened before, error)
    ("alice", "alice", None, "InvalidRecovery"),
    ("alice", "zero", None, "ZeroAddress"),
    ("zero", "alice", None, "ZeroAddress"),
    ("merchant", "bob", None, "AcceptorNotRecoverable"),  # acceptors are neither recovered...
    ("alice", "merchant", None, "AcceptorNotRecoverable"),  # ...nor recovered into
    ("stranger", "alice", None, "NothingToRecover"),  # never held points
    ("alice", "carol", "alice to bob", "RecoveryPending"),  # a second start while one pends
    ("alice", "bob", "alice to bob", "RecoveryPending"),
    ("alice", "bob", "bob to carol", "RecoveryPending"),  # a target with its own recovery pending...
    ("carol", "bob", "bob to carol", "RecoveryPending"),  # ...so pending recoveries never form a cycle
    ("alice", "bob", "paused", "EnforcedPause"),
]


@pytest.mark.parametrize("old, new, before, error", START_REFUSALS)
def test_start_refusals(old, new, before, error, token, admin, issuer, pauser, merchant, alice, bob, carol,
                        stranger):
    who = {"alice": alice, "bob": bob, "carol": carol, "merchant": merchant, "stranger": stranger, "zero": ZERO}
    earn(token, issuer, alice, bob, carol)
    token.transfer(merchant, 10, {"from": alice})
    if before == "paused":
        token.pause({"from": pauser})
    elif before:
        first, _, second = before.split()
        start(token, admin, who[first], who[second])
    with reverts_with(error):
        start(token, admin, who[old], who[new])


# ---------------------------------------------------------------------------- while pending


def test_the_old_address_cannot_spend_pay_transfer_or_burn(token, admin, issuer, spender, merchant, alice, bob,
                                                          stranger):
    token.setTransfersOpen(True, {"from": admin})
    earn(token, issuer, alice)
    token.approve(stranger, 100, {"from": alice})
    start(token, admin, alice, bob)
    with reverts_with("RecoveryPending"):
        token.transfer(merchant, 1, {"from": alice})
    with reverts_with("RecoveryPending"):
        token.transfer(bob, 1, {"from": alice})
    with reverts_with("RecoveryPending"):
        token.burn(1, {"from": alice})
    with reverts_with("RecoveryPending"):
        token.burnFrom(alice, 1, {"from": stranger})
    with reverts_with("RecoveryPending"):
        token.transferFrom(alice, merchant, 1, {"from": stranger})
    with reverts_with("RecoveryPending"):
        token.spend(alice, 1, {"from": spender})
    assert token.balanceOf(alice) == 100


def test_the_refusal_names_the_pending_recovery(token, admin, issuer, merchant, alice, bob):
    earn(token, issuer, alice)
    tx = start(token, admin, alice, bob)
    with reverts_with(f"RecoveryPending: {alice.address.lower()}, {bob.address.lower()}, {tx.return_value}"):
        token.transfer(merchant, 1, {"from": alice})


def test_the_old_address_cannot_become_an_acceptor(token, admin, issuer, alice, bob):
    earn(token, issuer, alice)
    start(token, admin, alice, bob)
    with reverts_with("RecoveryPending"):
        token.setAcceptor(alice, True, {"from": admin})


def test_others_and_the_target_keep_spending(token, admin, issuer, merchant, alice, bob):
    earn(token, issuer, alice, bob)
    start(token, admin, alice, bob)
    token.transfer(merchant, 10, {"from": bob})
    token.transfer(bob, 5, {"from": merchant})
    assert token.balanceOf(bob) == 95


def test_points_credited_while_pending_move_too(token, admin, issuer, merchant, alice, bob):
    earn(token, issuer, alice)
    token.issue(bob, 11, 0, NOREF, {"from": issuer})
    token.transfer(merchant, 10, {"from": bob})
    start(token, admin, alice, bob)
    token.issue(alice, 30, 0, NOREF, {"from": issuer})
    token.issueBatch(web3.keccak(text="pending-batch"), [alice], [20], 5, {"from": issuer})
    token.transfer(alice, 10, {"from": merchant})  # a merchant pays the old address
    ready(token, alice)
    tx = token.completeRecovery(alice, {"from": bob})
    assert tx.return_value == 160
    assert token.balanceOf(bob) == 161 and token.balanceOf(alice) == 0
    assert token.lifetimeEarned(bob) == 11 + 150


# ---------------------------------------------------------------------------- cancel


def test_the_old_key_cancels_and_can_spend_again(token, admin, issuer, merchant, alice, bob):
    earn(token, issuer, alice)
    start(token, admin, alice, bob)
    tx = token.cancelRecovery(alice, {"from": alice})
    assert tx.events["RecoveryCancelled"] == {"from": alice, "to": bob, "by": alice}
    assert pending(token, alice) == (ZERO, 0)
    token.transfer(merchant, 10, {"from": alice})
    sleep(DELAY + 1)
    with reverts_with("NoRecoveryPending"):
        token.completeRecovery(alice, {"from": bob})
    assert token.balanceOf(alice) == 90 and token.balanceOf(bob) == 0


def test_the_recovery_role_cancels_a_mistaken_target(token, admin, issuer, alice, bob, carol):
    earn(token, issuer, alice)
    start(token, admin, alice, carol)
    tx = token.cancelRecovery(alice, {"from": admin})
    assert tx.events["RecoveryCancelled"]["by"] == admin
    start(token, admin, alice, bob)
    assert token.recoveryOf(alice)[0] == bob


def test_the_old_key_may_cancel_after_the_delay_until_completion(token, admin, issuer, alice, bob):
    earn(token, issuer, alice)
    start(token, admin, alice, bob)
    ready(token, alice)
    token.cancelRecovery(alice, {"from": alice})
    with reverts_with("NoRecoveryPending"):
        token.completeRecovery(alice, {"from": bob})


def test_nobody_else_cancels(token, admin, issuer, alice, bob, stranger):
    earn(token, issuer, alice)
    start(token, admin, alice, bob)
    for who in (stranger, bob, issuer):
        with reverts_with("AccessControlUnauthorizedAccount"):
            token.cancelRecovery(alice, {"from": who})


def test_cancel_without_a_pending_recovery_reverts(token, admin, alice):
    with reverts_with("NoRecoveryPending"):
        token.cancelRecovery(alice, {"from": alice})
    with reverts_with("NoRecoveryPending"):
        token.cancelRecovery(alice, {"from": admin})


def test_cancel_works_while_paused(token, admin, issuer, pauser, alice, bob):
    earn(token, issuer, alice)
    start(token, admin, alice, bob)
    token.pause({"from": pauser})
    token.cancelRecovery(alice, {"from": alice})
    assert pending(token, alice) == (ZERO, 0)


# ---------------------------------------------------------------------------- complete


def test_complete_before_the_delay_reverts(token, admin, issuer, alice, bob):
    earn(token, issuer, alice)
    ready_at = start(token, admin, alice, bob).return_value
    sleep(DELAY - 60)
    with reverts_with(f"RecoveryNotReady: {alice.address.lower()}, {ready_at}"):
        token.completeRecovery(alice, {"from": bob})


def test_complete_without_a_pending_recovery_reverts(token, alice, bob):
    with reverts_with("NoRecoveryPending"):
        token.completeRecovery(alice, {"from": bob})


def test_anyone_completes_and_everything_moves_in_one_event(token, admin, issuer, alice, bob, stranger):
    token.setTiers([0, 150], [10_000, 10_000], {"from": admin})
    earn(token, issuer, alice)
    sleep(EPOCH)
    token.issue(alice, 60, 0, NOREF, {"from": issuer})
    token.issue(alice, 7, 7, NOREF, {"from": issuer})  # a refund: no lifetime earned
    before = lots(token, alice)
    assert token.tierOf(alice) == 1 and token.lifetimeEarned(alice) == 160
    supply = counters(token)
    start(token, admin, alice, bob)
    ready(token, alice)
    tx = token.completeRecovery(alice, {"from": stranger})
    assert tx.return_value == 167
    ev = tx.events["WalletRecovered"]
    assert (ev["from"], ev["to"], ev["amount"], ev["lifetime"]) == (alice, bob, 167, 160)
    assert list(zip(ev["epochs"], ev["amounts"])) == [(e, a) for e, a, _ in before]
    assert tx.events["Transfer"][-1] == {"from": alice, "to": bob, "value": 167}
    assert lots(token, bob) == before  # same epochs, so the same expiry
    assert (token.balanceOf(bob), token.lifetimeEarned(bob), token.tierOf(bob)) == (167, 160, 1)
    assert (token.balanceOf(alice), token.lifetimeEarned(alice), token.tierOf(alice), lots(token, alice)) == (0, 0, 0, [])
    assert pending(token, alice) == (ZERO, 0)
    assert counters(token) == supply


def test_expired_lots_stay_behind(token, admin, issuer, alice, bob):
    earn(token, issuer, alice)
    e0 = token.currentEpoch()
    sleep(EPOCH)
    token.issue(alice, 40, 0, NOREF, {"from": issuer})
    start(token, admin, alice, bob)
    sleep((VALIDITY - 1) * EPOCH)  # the first lot expires (not swept yet), the second lives on
    live = lots(token, alice)
    assert [(e, a) for e, a, _ in live] == [(e0 + 1, 40)]
    supply = counters(token)
    tx = token.completeRecovery(alice, {"from": bob})
    assert tx.events["PointsExpired"] == {"account": alice, "amount": 100, "fromEpoch": e0, "toEpoch": e0}
    assert lots(token, bob) == live and tx.return_value == 40
    assert tx.events["WalletRecovered"]["epochs"] == [e0 + 1]
    assert counters(token) == supply


def test_an_account_whose_points_all_expired_still_moves_its_tier(token, admin, issuer, alice, bob):
    token.setTiers([0, 50], [10_000, 12_000], {"from": admin})
    earn(token, issuer, alice)
    sleep(VALIDITY * EPOCH + 1)
    assert token.balanceOf(alice) == 0 and token.tierOf(alice) == 1
    start(token, admin, alice, bob)
    ready(token, alice)
    tx = token.completeRecovery(alice, {"from": bob})
    assert tx.return_value == 0 and tx.events["PointsExpired"]["amount"] == 100
    assert token.tierOf(bob) == 1 and token.lifetimeEarned(bob) == 100
    assert token.issue(bob, 100, 0, NOREF, {"from": issuer}).return_value == 120  # bob earns at alice's tier


def test_into_an_address_that_holds_points_the_lots_merge_by_epoch(token, admin, issuer, alice, bob):
    token.setRecoveryDelay(0, {"from": admin})
    e0 = token.currentEpoch()
    earn(token, issuer, alice)
    token.issue(bob, 5, 0, NOREF, {"from": issuer})
    sleep(EPOCH)
    token.issue(bob, 7, 0, NOREF, {"from": issuer})
    sleep(EPOCH)
    token.issue(alice, 30, 0, NOREF, {"from": issuer})
    start(token, admin, alice, bob)
    token.completeRecovery(alice, {"from": bob})
    assert [(e, a) for e, a, _ in lots(token, bob)] == [(e0, 105), (e0 + 1, 7), (e0 + 2, 30)]
    assert token.lifetimeEarned(bob) == 142 and token.balanceOf(bob) == 142


@pytest.mark.parametrize("validity", [3, 15])
def test_merging_two_full_rings_fits(validity, admin, issuer, pauser, merchant, spender, alice, bob, stranger):
    """Both accounts hold a lot in every live epoch, overlapping and not: the merged ring fills all
    `validity` places (wrapping into every slot) and nothing is lost."""
    token = deploy_token(admin, issuer, pauser, merchant, spender, validity=validity)
    token.setRecoveryDelay(0, {"from": admin})
    for e in range(validity + 2):  # the rings wrap: their head is not at place 0
        if e % 2 == 0 or e >= validity:
            token.issue(alice, 1_000 + e, 0, NOREF, {"from": issuer})
        if e % 2 == 1 or e >= validity:
            token.issue(bob, 10 + e, 0, NOREF, {"from": issuer})
        sleep(EPOCH)
    token.issue(alice, 3, 0, NOREF, {"from": issuer})
    want = {}
    for who in (alice, bob):
        for x, a, _ in lots(token, who):
            want[x] = want.get(x, 0) + a
    assert len(want) == validity
    supply = counters(token)
    start(token, admin, alice, bob)
    token.completeRecovery(alice, {"from": stranger})
    assert [(x, a) for x, a, _ in lots(token, bob)] == sorted(want.items())
    assert token.balanceOf(bob) == sum(want.values()) and token.balanceOf(alice) == 0
    assert counters(token) == supply
    # the merged ring works on: spend all of it oldest first, then earn again
    token.transfer(merchant, sum(want.values()), {"from": bob})
    token.issue(bob, 1, 0, NOREF, {"from": issuer})
    assert [(x, a) for x, a, _ in lots(token, bob)] == [(token.currentEpoch(), 1)]


def test_complete_while_paused_reverts(token, admin, issuer, pauser, alice, bob):
    earn(token, issuer, alice)
    start(token, admin, alice, bob)
    ready(token, alice)
    token.pause({"from": pauser})
    with reverts_with("EnforcedPause"):
        token.completeRecovery(alice, {"from": bob})
    token.unpause({"from": pauser})
    token.completeRecovery(alice, {"from": bob})


def test_complete_into_a_target_that_became_an_acceptor_reverts(token, admin, issuer, alice, bob):
    earn(token, issuer, alice)
    start(token, admin, alice, bob)
    token.setAcceptor(bob, True, {"from": admin})
    ready(token, alice)
    with reverts_with("AcceptorNotRecoverable"):
        token.completeRecovery(alice, {"from": bob})
    token.cancelRecovery(alice, {"from": admin})  # the operator's way out
    token.burn(1, {"from": alice})


def test_complete_into_a_target_with_its_own_recovery_pending_reverts(token, admin, issuer, alice, bob, carol):
    earn(token, issuer, alice, bob)
    start(token, admin, alice, bob)
    start(token, admin, bob, carol)  # bob (the target) turns out lost too
    ready(token, bob)
    with reverts_with("RecoveryPending"):
        token.completeRecovery(alice, {"from": carol})
    token.completeRecovery(bob, {"from": carol})
    token.completeRecovery(alice, {"from": carol})  # now into bob, whose next recovery takes it on
    start(token, admin, bob, carol)
    ready(token, bob)
    token.completeRecovery(bob, {"from": carol})
    assert token.balanceOf(carol) == 200 and token.lifetimeEarned(carol) == 200


def test_the_old_address_is_plain_again_after_completion(token, admin, issuer, merchant, alice, bob):
    earn(token, issuer, alice)
    start(token, admin, alice, bob)
    ready(token, alice)
    token.completeRecovery(alice, {"from": bob})
    with reverts_with("NoRecoveryPending"):
        token.completeRecovery(alice, {"from": bob})
    token.issue(alice, 9, 0, NOREF, {"from": issuer})  # a stray credit lands on the old address...
    assert token.balanceOf(alice) == 9
    start(token, admin, alice, bob)  # ...and a second recovery takes it on
    ready(token, alice)
    token.completeRecovery(alice, {"from": bob})
    assert token.balanceOf(bob) == 109 and token.lifetimeEarned(bob) == 109


# ---------------------------------------------------------------------------- delay


def test_the_admin_sets_the_delay_for_recoveries_started_later(token, admin, issuer, alice, bob, carol):
    earn(token, issuer, alice, carol)
    slow = start(token, admin, alice, bob).return_value
    tx = token.setRecoveryDelay(DAY, {"from": admin})
    assert tx.events["RecoveryDelaySet"]["delay"] == DAY and token.recoveryDelay() == DAY
    assert token.recoveryOf(alice)[1] == slow  # a pending recovery keeps its time
    fast = start(token, admin, carol, bob)
    assert fast.return_value == fast.timestamp + DAY


def test_a_zero_delay_completes_at_once(token, admin, issuer, alice, bob):
    token.setRecoveryDelay(0, {"from": admin})
    earn(token, issuer, alice)
    start(token, admin, alice, bob)
    token.completeRecovery(alice, {"from": bob})
    assert token.balanceOf(bob) == 100


def test_the_delay_is_bounded_and_the_admins(token, admin, stranger):
    with reverts_with("RecoveryDelayTooLong"):
        token.setRecoveryDelay(365 * DAY + 1, {"from": admin})
    token.setRecoveryDelay(365 * DAY, {"from": admin})
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.setRecoveryDelay(DAY, {"from": stranger})


def test_the_other_settings_keep_the_delay(token, admin):
    token.setRecoveryDelay(3 * DAY, {"from": admin})
    token.setTransfersOpen(True, {"from": admin})
    token.setTierEligibleReasons(1, {"from": admin})
    assert token.recoveryDelay() == 3 * DAY and token.transfersOpen() and token.tierEligibleReasons() == 1


def test_a_fresh_token_starts_with_a_week(admin):
    t = RewardToken.deploy("n", "s", admin, 0, EPOCH, VALIDITY, 0, {"from": admin})
    assert t.recoveryDelay() == WEEK and not t.hasRole(t.RECOVERY_ROLE(), admin)  # granted by deploy, not built in
