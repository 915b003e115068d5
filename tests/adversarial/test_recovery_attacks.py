"""Attacks on wallet recovery. Whoever holds the old key (the customer who did not lose it after
all, or a thief) cannot get points out once a recovery starts, not even by front-running the
completion in the same block, nor through an allowance, a permit or a signed redemption made
earlier; nobody without RECOVERY_ROLE can start, steer or cancel someone else's recovery; a rogue
recovery operator is stopped by the old key's cancel; dust cannot block a completion. The known
limit (SECURITY.md): a thief holding the old key can cancel, so recovery rescues lost keys, not
stolen ones."""

import pytest
from brownie import chain, web3

from servicecoin.eip712 import sign_permit
from tests.adversarial.test_signatures import redeem_request
from tests.contracts.redemption_vault.vaultkit import ANY_PRICE, fund
from tests.tokenkit import DAY, NOREF, UNIT, key_of, reverts_with

DELAY = DAY // 2


@pytest.fixture
def pending(token, admin, issuer, alice, bob):
    """alice (500 points) lost her wallet; the admin started moving her points to bob."""
    token.setRecoveryDelay(DELAY, {"from": admin})
    fund(token, issuer, alice, 500)
    token.startRecovery(alice, bob, {"from": admin})


def wait_out_the_delay():
    chain.sleep(DELAY + 1)
    chain.mine()


def send(sender, contract, fn, *args, gas_price):
    """Send a transaction without mining it (automine is off), as a mempool participant would."""
    data = getattr(contract, fn).encode_input(*args)
    return web3.eth.send_transaction({"from": str(sender), "to": contract.address, "data": data, "gas": 600_000,
                                      "gasPrice": gas_price})


def test_the_old_key_front_running_the_completion_gets_nothing_out(pending, token, vault, gift, merchant, alice, bob,
                                                                  stranger):
    wait_out_the_delay()
    web3.provider.make_request("evm_setAutomine", [False])
    try:
        # The old key sees the completion in the mempool and outbids it, three ways at once.
        escape = [send(alice, token, "transfer", merchant, 100 * UNIT, gas_price=50 * 10**9),
                  send(alice, vault, "redeem", gift, 1, ANY_PRICE, gas_price=50 * 10**9),
                  send(alice, token, "burn", 1, gas_price=50 * 10**9)]
        complete = send(stranger, token, "completeRecovery", alice, gas_price=10**9)
        web3.provider.make_request("evm_mine", [])
    finally:
        web3.provider.make_request("evm_setAutomine", [True])
    receipts = [web3.eth.get_transaction_receipt(h) for h in escape + [complete]]
    assert len({r["blockNumber"] for r in receipts}) == 1
    assert [r["transactionIndex"] for r in receipts] == sorted(r["transactionIndex"] for r in receipts)
    assert [r["status"] for r in receipts] == [0, 0, 0, 1]  # every escape ran first, and reverted
    assert token.balanceOf(bob) == 500 * UNIT and token.balanceOf(alice) == 0
    assert token.balanceOf(merchant) == 0


def test_an_earlier_allowance_permit_or_signed_redemption_cannot_drain_a_pending_wallet(
        token, admin, issuer, vault, gift, alice, bob, stranger):
    """The old key signed things before the wallet was reported lost; whoever holds them tries now."""
    token.setRecoveryDelay(DELAY, {"from": admin})
    fund(token, issuer, alice, 500)
    token.approve(stranger, 100 * UNIT, {"from": alice})
    deadline = chain.time() + 10 * DAY
    v, r, s = sign_permit(key_of(alice), token.name(), chain.id, token.address, alice, stranger, 100 * UNIT,
                          token.nonces(alice), deadline)
    request, sig = redeem_request(vault, alice, gift, nonce=3)
    token.startRecovery(alice, bob, {"from": admin})
    with reverts_with("RecoveryPending"):
        token.transferFrom(alice, stranger, 1, {"from": stranger})
    with reverts_with("RecoveryPending"):
        token.burnFrom(alice, 1, {"from": stranger})
    token.permit(alice, stranger, 100 * UNIT, deadline, v, r, s, {"from": stranger})  # an allowance moves nothing...
    with reverts_with("RecoveryPending"):
        token.transferFrom(alice, stranger, 1, {"from": stranger})  # ...and cannot be used
    with reverts_with("RecoveryPending"):
        vault.redeemBySig(request, sig, {"from": stranger})
    assert token.balanceOf(alice) == 500 * UNIT


def test_nobody_without_the_role_starts_steers_or_cancels(pending, token, admin, issuer, alice, bob, carol, stranger):
    role = token.RECOVERY_ROLE()
    fund(token, issuer, carol, 10)
    for attacker in (stranger, issuer, bob):
        with reverts_with("AccessControlUnauthorizedAccount"):
            token.startRecovery(carol, attacker, {"from": attacker})
        with reverts_with("AccessControlUnauthorizedAccount"):
            token.grantRole(role, attacker, {"from": attacker})
        with reverts_with("AccessControlUnauthorizedAccount"):
            token.setRecoveryDelay(0, {"from": attacker})
    for attacker in (stranger, issuer):  # the target cannot cancel either: only the old key or the role
        with reverts_with("AccessControlUnauthorizedAccount"):
            token.cancelRecovery(alice, {"from": attacker})
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.cancelRecovery(alice, {"from": bob})
    assert token.recoveryOf(alice)[0] == bob


def test_a_rogue_recovery_operator_is_stopped_by_the_old_key(token, admin, issuer, alice, stranger):
    """A recovery key is stolen (or its holder is bribed): the customer sees RecoveryStarted and
    cancels within the delay, each time; nothing ever moves."""
    token.setRecoveryDelay(DELAY, {"from": admin})
    token.grantRole(token.RECOVERY_ROLE(), stranger, {"from": admin})
    fund(token, issuer, alice, 500)
    for _ in range(3):
        token.startRecovery(alice, stranger, {"from": stranger})
        chain.sleep(DELAY // 2)
        token.cancelRecovery(alice, {"from": alice})
    chain.sleep(DELAY)
    with reverts_with("NoRecoveryPending"):
        token.completeRecovery(alice, {"from": stranger})
    assert token.balanceOf(alice) == 500 * UNIT and token.balanceOf(stranger) == 0
    token.revokeRole(token.RECOVERY_ROLE(), stranger, {"from": admin})  # the operator's remedy
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.startRecovery(alice, stranger, {"from": stranger})


def test_dust_sent_to_either_side_does_not_block_the_completion(pending, token, issuer, merchant, alice, bob, carol):
    fund(token, issuer, carol, 10)
    token.transfer(merchant, 1, {"from": carol})
    token.transfer(alice, 1, {"from": merchant})  # dust to the old address: it moves too
    token.issue(bob, 1, 0, NOREF, {"from": issuer})  # dust to the target
    wait_out_the_delay()
    tx = token.completeRecovery(alice, {"from": carol})
    assert tx.return_value == 500 * UNIT + 1 and token.balanceOf(bob) == 500 * UNIT + 2


def test_known_limit_a_thief_with_the_old_key_can_cancel_and_then_spend(pending, token, merchant, alice):
    """Recovery rescues a lost key, not a stolen one: the holder of the old key may cancel (that is
    what protects customers from a rogue operator), and then spend. SECURITY.md says so."""
    token.cancelRecovery(alice, {"from": alice})
    token.transfer(merchant, 500 * UNIT, {"from": alice})
    assert token.balanceOf(alice) == 0
