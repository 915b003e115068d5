"""Published statements and EIP-712 acknowledgements: who acknowledged which figures, and what stays open."""

from tests.contracts.settlement.settlementkit import DIGEST, PERIOD, signed_ack
from tests.tokenkit import reverts_with

OTHER = b"\x22" * 32


def publish(settlement, house, parties):
    return settlement.publish(PERIOD, DIGEST, parties, {"from": house})


def test_publish_records_hash_and_parties(settlement, house, merchant, merchant2):
    tx = publish(settlement, house, [merchant, merchant2])
    s = settlement.statement(PERIOD)
    assert s[0] == "0x" + DIGEST.hex() and s[2] == 2 and s[3] == 0 and s[1] == tx.timestamp
    assert list(tx.events["StatementPublished"]["parties"]) == [merchant, merchant2]
    assert settlement.partyStatus(PERIOD, merchant) == (True, False)


def test_a_period_is_published_once(settlement, house, merchant):
    publish(settlement, house, [merchant])
    with reverts_with("StatementAlreadyPublished"):
        settlement.publish(PERIOD, OTHER, [merchant], {"from": house})


def test_only_the_publisher_publishes(settlement, merchant):
    with reverts_with("AccessControlUnauthorizedAccount"):
        settlement.publish(PERIOD, DIGEST, [merchant], {"from": merchant})


def test_bad_party_lists_revert(settlement, house, merchant):
    with reverts_with("BadPartyCount"):
        settlement.publish(PERIOD, DIGEST, [], {"from": house})
    with reverts_with("DuplicateParty"):
        settlement.publish(PERIOD, DIGEST, [merchant, merchant], {"from": house})


def test_acknowledgement_by_signature_closes_the_statement(settlement, house, merchant, merchant2, stranger):
    publish(settlement, house, [merchant, merchant2])
    tx = settlement.acknowledge(PERIOD, DIGEST, merchant, -1234, signed_ack(settlement, merchant, -1234),
                                {"from": stranger})
    ev = tx.events["Acknowledged"]
    assert ev["party"] == merchant and ev["net"] == -1234 and ev["acknowledged"] == 1 and ev["parties"] == 2
    assert settlement.partyStatus(PERIOD, merchant) == (True, True)
    settlement.acknowledge(PERIOD, DIGEST, merchant2, 1234, signed_ack(settlement, merchant2, 1234), {"from": stranger})
    assert settlement.statement(PERIOD)[3] == 2


def test_acknowledging_twice_reverts(settlement, house, merchant):
    publish(settlement, house, [merchant])
    sig = signed_ack(settlement, merchant, 5)
    settlement.acknowledge(PERIOD, DIGEST, merchant, 5, sig, {"from": merchant})
    with reverts_with("AlreadyAcknowledged"):
        settlement.acknowledge(PERIOD, DIGEST, merchant, 5, sig, {"from": merchant})


def test_other_figures_than_signed_revert(settlement, house, merchant):
    publish(settlement, house, [merchant])
    with reverts_with("InvalidSignature"):
        settlement.acknowledge(PERIOD, DIGEST, merchant, 6, signed_ack(settlement, merchant, 5), {"from": merchant})


def test_someone_elses_signature_reverts(settlement, house, merchant, stranger):
    publish(settlement, house, [merchant])
    with reverts_with("InvalidSignature"):
        settlement.acknowledge(PERIOD, DIGEST, merchant, 5, signed_ack(settlement, merchant, 5, signer=stranger),
                               {"from": stranger})


def test_wrong_hash_unpublished_period_and_outsider_revert(settlement, house, merchant, stranger):
    with reverts_with("StatementNotPublished"):
        settlement.acknowledge(PERIOD, DIGEST, merchant, 5, signed_ack(settlement, merchant, 5), {"from": merchant})
    publish(settlement, house, [merchant])
    with reverts_with("StatementHashMismatch"):
        settlement.acknowledge(PERIOD, OTHER, merchant, 5, signed_ack(settlement, merchant, 5, digest=OTHER),
                               {"from": merchant})
    with reverts_with("NotAParty"):
        settlement.acknowledge(PERIOD, DIGEST, stranger, 5, signed_ack(settlement, stranger, 5), {"from": stranger})


def test_publish_gas_for_many_parties_stays_far_below_the_block_limit(settlement, house):
    parties = ["0x" + f"{i + 1:040x}" for i in range(500)]
    tx = settlement.publish(PERIOD, DIGEST, parties, {"from": house})
    assert tx.gas_used < 16_777_216
