"""Record recycling: a finished direct redemption's storage word serves a later redemption of its item,
ids never repeat, and an old id can never be read as, fulfilled or refunded as the new redemption."""

from brownie import chain, web3
from tests.tokenkit import NOREF, UNIT, key_of, plain, reverts_with
from eth_abi import encode

from tests.contracts.redemption_vault.vaultkit import ANY_PRICE, FULFILLED, OPEN, REFUND_WINDOW, REFUNDED, fund, sign_request

SLOT_MASK = 2**64 - 1
OVERFLOW_SLOT = 2**32
NONE = 0


def slot(rid):
    return rid & SLOT_MASK


def created(rid):
    return (rid >> 64) & (2**32 - 1)


def redeem(vault, item, who, qty=1):
    return vault.redeem(item, qty, ANY_PRICE, {"from": who}).return_value


def later():
    """Let a second pass: a slot freed in this second is reused only from the next one."""
    chain.sleep(1)


def test_fulfilled_redemption_slot_is_reused_with_a_new_id(vault, token, issuer, alice, bob, merchant, gift):
    fund(token, issuer, alice, 100)
    fund(token, issuer, bob, 100)
    old = redeem(vault, gift, alice)
    vault.fulfil(old, NOREF, {"from": merchant})
    later()
    new = redeem(vault, gift, bob)
    assert slot(new) == slot(old) == 1 and new != old and created(new) > created(old)
    assert plain(vault.redemption(new)) == [bob, gift, 100 * UNIT, chain[-1].timestamp, OPEN]


def test_refunded_redemption_slot_is_reused(vault, token, issuer, alice, bob, merchant, gift):
    fund(token, issuer, alice, 100)
    fund(token, issuer, bob, 100)
    old = redeem(vault, gift, alice)
    vault.refund(old, {"from": merchant})
    later()
    new = redeem(vault, gift, bob)
    assert slot(new) == slot(old) and vault.redemption(new)[4] == OPEN


def test_finished_redemption_reads_in_full_until_its_slot_is_reused(vault, token, issuer, alice, merchant, gift):
    fund(token, issuer, alice, 300)
    rid = redeem(vault, gift, alice, qty=3)
    when = chain[-1].timestamp
    vault.fulfil(rid, NOREF, {"from": merchant})
    assert plain(vault.redemption(rid)) == [alice, gift, 300 * UNIT, when, FULFILLED]


def test_old_id_after_reuse_reads_unknown_and_cannot_be_fulfilled_or_refunded(
        vault, token, issuer, alice, bob, merchant, gift):
    fund(token, issuer, alice, 100)
    fund(token, issuer, bob, 100)
    old = redeem(vault, gift, alice)
    vault.refund(old, {"from": merchant})
    later()
    new = redeem(vault, gift, bob)
    assert plain(vault.redemption(old)) == ["0x" + "00" * 20, 0, 0, 0, NONE]
    with reverts_with("UnknownRedemption"):
        vault.fulfil(old, NOREF, {"from": merchant})
    with reverts_with("UnknownRedemption"):
        vault.refund(old, {"from": merchant})
    assert token.balanceOf(alice) == 100 * UNIT  # refunded once, not twice
    vault.fulfil(new, NOREF, {"from": merchant})  # the new one is untouched by the attempts
    assert vault.redemption(new)[4] == FULFILLED


def test_forged_ids_for_a_live_slot_read_unknown(vault, token, issuer, alice, merchant, gift, voucher):
    fund(token, issuer, alice, 100)
    rid = redeem(vault, gift, alice)
    forged = [
        rid + (1 << 64),  # another created time
        rid | (1 << 100),  # stray bits between the time and the item
        (voucher << 224) | (rid & ((1 << 224) - 1)),  # the same slot and time for another item
        rid & ~(((1 << 32) - 1) << 64),  # the bare storage key
    ]
    for fake in forged:
        assert vault.redemption(fake)[4] == NONE
        with reverts_with("UnknownRedemption"):
            vault.fulfil(fake, NOREF, {"from": merchant})
    assert vault.redemption(rid)[4] == OPEN


def test_free_slots_are_reused_last_freed_first_then_new_ones(vault, token, issuer, alice, merchant, voucher):
    fund(token, issuer, alice, 1000)
    first = [redeem(vault, voucher, alice) for _ in range(3)]
    assert [slot(r) for r in first] == [1, 2, 3]
    for rid in first:
        vault.fulfil(rid, NOREF, {"from": merchant})
    later()
    again = [redeem(vault, voucher, alice) for _ in range(4)]
    assert [slot(r) for r in again] == [3, 2, 1, 4]
    assert len(set(first + again)) == 7


def test_redemption_in_the_second_its_slot_was_freed_takes_a_new_slot(
        vault, token, issuer, alice, bob, merchant, gift):
    fund(token, issuer, alice, 100)
    fund(token, issuer, bob, 100)
    when = chain.time() + 100
    old = (gift << 224) | (when << 64) | 1
    web3.provider.make_request("evm_setNextBlockTimestamp", [when])
    web3.provider.make_request("evm_setAutomine", [False])
    try:  # redeem, fulfil and redeem again in one block: all three in the same second
        sent = [vault.redeem(gift, 1, ANY_PRICE, {"from": alice, "required_confs": 0, "gas_limit": 400_000}),
                vault.fulfil(old, NOREF, {"from": merchant, "required_confs": 0, "gas_limit": 400_000}),
                vault.redeem(gift, 1, ANY_PRICE, {"from": bob, "required_confs": 0, "gas_limit": 400_000})]
        web3.provider.make_request("evm_mine", [])
    finally:
        web3.provider.make_request("evm_setAutomine", [True])
    receipts = [web3.eth.wait_for_transaction_receipt(tx.txid) for tx in sent]
    assert [r["status"] for r in receipts] == [1, 1, 1] and len({r["blockNumber"] for r in receipts}) == 1
    new = _redeemed_id(receipts[2])
    assert slot(new) == 2 and created(new) == when == created(old)
    assert vault.redemption(old)[4] == FULFILLED and vault.redemption(new)[4] == OPEN
    later()
    fund(token, issuer, alice, 100)
    assert slot(redeem(vault, gift, alice)) == 1  # from the next second on, the freed slot serves again


def _redeemed_id(receipt):
    topic = web3.keccak(text="Redeemed(uint256,address,uint256,uint256,uint256)")
    (log,) = [lg for lg in receipt["logs"] if lg["topics"][0] == topic]
    return int.from_bytes(log["topics"][1], "big")


def test_reused_slot_has_its_own_refund_window(vault, token, issuer, alice, bob, merchant, gift):
    fund(token, issuer, alice, 100)
    old = redeem(vault, gift, alice)
    vault.fulfil(old, NOREF, {"from": merchant})
    chain.sleep(REFUND_WINDOW)  # the old redemption's window has closed
    fund(token, issuer, bob, 100)
    new = redeem(vault, gift, bob)
    assert slot(new) == slot(old)
    vault.refund(new, {"from": merchant})
    assert token.balanceOf(bob) == 100 * UNIT and vault.redemption(new)[4] == REFUNDED


def test_signed_records_are_never_reused_and_keep_guarding_their_nonce(
        vault, token, issuer, alice, stranger, merchant, gift):
    fund(token, issuer, alice, 500)
    request, sig = sign_request(vault, key_of(alice), alice, gift, 1, 10**12, 5, chain.time() + 3_600)
    signed = vault.redeemBySig(request, sig, {"from": stranger}).return_value
    vault.fulfil(signed, NOREF, {"from": merchant})
    later()
    direct = redeem(vault, gift, alice)
    assert slot(direct) == 1  # a new slot: the signed record is not on the free list
    assert vault.redemption(signed)[4] == FULFILLED
    with reverts_with("NonceUsed"):
        vault.redeemBySig(request, sig, {"from": stranger})


def _item_storage_slot(vault, item_id):
    """Storage position of `_items[item_id]`, found by looking for the item's word."""
    price = vault.item(item_id)["price"]
    for p in range(16):
        key = web3.keccak(encode(["uint256", "uint256"], [item_id, p]))
        word = int.from_bytes(web3.eth.get_storage_at(vault.address, key), "big")
        if word and word & (2**48 - 1) == price:
            return key, word
    raise AssertionError("item word not found")


def test_item_with_all_slots_in_use_takes_never_recycled_slots(vault, token, issuer, alice, bob, merchant, voucher):
    fund(token, issuer, alice, 500)
    fund(token, issuer, bob, 500)
    key, word = _item_storage_slot(vault, voucher)
    full = word | (0xFFFF << 240)  # pretend 65535 slots are in use
    web3.provider.make_request("anvil_setStorageAt", [vault.address, "0x" + key.hex().removeprefix("0x"),
                                                     "0x" + full.to_bytes(32, "big").hex()])
    first = redeem(vault, voucher, alice)
    assert slot(first) == OVERFLOW_SLOT | 1
    vault.fulfil(first, NOREF, {"from": merchant})
    later()
    second = redeem(vault, voucher, bob)
    assert slot(second) == OVERFLOW_SLOT | 2
    assert plain(vault.redemption(first))[:3] == [alice, voucher, 50 * UNIT] and vault.redemption(first)[4] == FULFILLED
    vault.refund(second, {"from": merchant})
    assert vault.redemption(second)[4] == REFUNDED and token.balanceOf(bob) == 500 * UNIT
