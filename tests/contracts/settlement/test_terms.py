"""Clearing terms: set at deployment, changed only after the notice period, readable by anyone."""

from brownie import chain

from tests.contracts.settlement.settlementkit import EUR, NOTICE, deploy_settlement
from tests.tokenkit import DAY, reverts_with

USD = (b"USD", 20_000, 1)


def test_deployment_terms_apply_at_once(settlement, house):
    current, pending, at = settlement.terms()
    assert (current[0].hex(), current[1], current[2]) == ("455552", 10_000, 0)
    assert at == 0 and settlement.clearingHouse() == house and settlement.noticePeriod() == NOTICE


def test_deployment_emits_terms_and_clearing_house(admin, house):
    tx = deploy_settlement(admin, house).tx
    assert tx.events["ClearingHouseSet"]["clearingHouse"] == house
    assert tx.events["TermsAnnounced"]["valuePerPoint"] == 10_000


def test_announced_terms_wait_for_the_notice_period(settlement, admin):
    tx = settlement.announceTerms(*USD, {"from": admin})
    at = tx.return_value
    assert at == tx.timestamp + NOTICE and tx.events["TermsAnnounced"]["effectiveAt"] == at
    current, pending, pending_at = settlement.terms()
    assert current[1] == 10_000 and pending[1] == 20_000 and pending_at == at
    chain.sleep(NOTICE - 60)
    chain.mine()
    assert settlement.terms()[0][1] == 10_000
    chain.sleep(120)
    chain.mine()
    current, _, pending_at = settlement.terms()
    assert current[1] == 20_000 and current[2] == 1 and pending_at == 0


def test_a_new_announcement_replaces_a_pending_one(settlement, admin):
    settlement.announceTerms(*USD, {"from": admin})
    settlement.announceTerms(b"EUR", 30_000, 0, {"from": admin})
    chain.sleep(NOTICE + 1)
    chain.mine()
    assert settlement.terms()[0][1] == 30_000


def test_an_applied_announcement_stays_after_the_next(settlement, admin):
    settlement.announceTerms(*USD, {"from": admin})
    chain.sleep(NOTICE + 1)
    chain.mine()
    settlement.announceTerms(b"EUR", 30_000, 0, {"from": admin})
    assert settlement.terms()[0][1] == 20_000


def test_only_the_admin_announces(settlement, house):
    with reverts_with("AccessControlUnauthorizedAccount"):
        settlement.announceTerms(*USD, {"from": house})


def test_bad_terms_revert(settlement, admin):
    with reverts_with("InvalidCurrency"):
        settlement.announceTerms(b"eur", 1, 0, {"from": admin})
    with reverts_with("ZeroValue"):
        settlement.announceTerms(b"EUR", 0, 0, {"from": admin})


def test_notice_period_only_lengthens(settlement, admin):
    with reverts_with("NoticePeriodTooShort"):
        settlement.setNoticePeriod(NOTICE - 1, {"from": admin})
    assert settlement.setNoticePeriod(NOTICE + DAY, {"from": admin}).events["NoticePeriodSet"]["seconds_"] == NOTICE + DAY
    with reverts_with("NoticePeriodTooLong"):
        settlement.setNoticePeriod(366 * DAY, {"from": admin})


def test_zero_clearing_house_reverts(admin):
    with reverts_with("ZeroAddress"):
        deploy_settlement(admin, "0x" + "00" * 20, EUR)
