// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IRewardToken} from "../interfaces/IRewardToken.sol";
import {EpochCounters} from "./EpochCounters.sol";
import {LotRing} from "./LotRing.sol";
import {RewardTokenBase} from "./RewardTokenBase.sol";
import {TierTable} from "./TierTable.sol";

/// @title RewardTokenCredits — RewardToken's hot paths on an account's words
/// @dev The credit fast path (one word, no memory ledger), the placing of a lot, the dormant-ring drop
///      and the two debits (slot 0 alone, or through the ledger). Only {RewardToken} inherits it (no
///      state of its own; the layout is {RewardTokenBase}'s).
abstract contract RewardTokenCredits is RewardTokenBase {
    using LotRing for LotRing.Ledger;
    using EpochCounters for mapping(uint256 => uint256);

    /// @dev {_creditFast}'s flag (in the settings word, above them) that the reason takes the multiplier.
    uint256 internal constant FAST_ELIGIBLE = 1 << 247;
    /// @dev Where `issueBatch` puts the reason in the context word it hands its loop (above the settings).
    uint256 internal constant CTX_REASON_SHIFT = 248;

    /// @dev The common credits in one word, without helpers or memory: a new holder, a lot of this
    ///      epoch growing, or a second lot, when the oldest and newest lots sit in slot 0, none expired
    ///      and the qualification period is the one of the last touch (nothing to roll). Same result
    ///      as {_qualify} then {_placeLot}; returns 0, having changed nothing, when it does not apply
    ///      (or when the general path must revert; for an acceptor too). Not for refunds. `cfg` is
    ///      the settings word with {FAST_ELIGIBLE} set when the reason takes the multiplier. See
    ///      {LotRing} for the layout, {TierTable} for `t`'s. Written in assembly, inlined for gas: the
    ///      hot path of every batch credit (see benchmarks/assembly.md).
    // slither-disable-next-line divide-before-multiply — the multiplied amount is shifted into its field, not scaled
    function _creditFast(address to, uint256 amount, uint256 cur, uint256 cfg, uint256 t)
        internal
        returns (uint256 minted)
    {
        uint256 validity = _validity;
        assembly ("memory-safe") {
            // Holder word `s` with `m` points added to its lot of epoch `e` or as its second lot, and
            // to lifetime earned and qualification (saturating); 0 when the fast path does not apply.
            // A new holder (`s` = 0): lot 0 of epoch e, qEpoch e, count 1.
            function addLot(s, m, e, validity_) -> r {
                switch s
                case 0 { r := or(or(shl(48, e), m), or(shl(220, e), shl(244, 1))) }
                default {
                    let count := and(shr(244, s), 0xf)
                    let head := and(shr(240, s), 0xf)
                    if or(iszero(count), gt(head, 1)) { leave }
                    let tail := sub(add(head, count), 1) // ring place of the newest lot
                    if iszero(lt(tail, validity_)) { tail := sub(tail, validity_) }
                    // The newest lot outside slot 0, or the oldest one expired: the general path.
                    if or(gt(tail, 1), iszero(gt(add(and(shr(add(shl(6, head), 48), s), 0xffff), validity_), e))) {
                        leave
                    }
                    let last := and(shr(shl(6, tail), s), 0xffffffffffffffff)
                    switch eq(shr(48, last), e)
                    case 1 {
                        // The lot of this epoch grows (AmountTooLarge past 48 bits: the general path).
                        if gt(add(and(last, 0xffffffffffff), m), 0xffffffffffff) { leave }
                        r := add(s, shl(shl(6, tail), m))
                    }
                    default {
                        // The second lot, at ring place 1.
                        if iszero(and(and(eq(count, 1), iszero(head)), gt(validity_, 1))) { leave }
                        r := add(or(and(s, not(shl(64, 0xffffffffffffffff))), shl(64, or(shl(48, e), m))), shl(244, 1))
                    }
                }
                let lifetime := add(and(shr(128, r), 0x3fffffffff), m)
                if gt(lifetime, 0x3fffffffff) { lifetime := 0x3fffffffff }
                let q := add(and(shr(166, r), 0x7ffffff), m)
                if gt(q, 0x7ffffff) { q := 0x7ffffff }
                r := or(and(r, not(shl(128, sub(shl(65, 1), 1)))), or(shl(128, lifetime), shl(166, q)))
            }
            mstore(0x00, to)
            mstore(0x20, _accounts.slot)
            let slot := keccak256(0x00, 0x40) // _accounts[to][0]
            let s0 := sload(slot)
            // One pass; `break` leaves with minted = 0 and nothing written.
            for {} 1 {} {
                // Too large for a lot (MAX_LOT_AMOUNT), an acceptor (ACCEPTOR_FLAG), or an account with
                // pending credits (released ones vest first, in {_creditIssued}).
                if or(or(gt(amount, 0xffffffffffff), and(s0, shl(248, 1))), shr(PCOUNT_SHIFT, s0)) { break }
                let rolling := and(cfg, shl(64, 1)) // CFG_ROLLING
                let earned := 0 // the tier the points reach (the floor aside)
                let next := shr(64, t) // the entry of tier earned + 1 in the table (TierTable)
                if s0 {
                    let pts := and(shr(128, s0), 0x3fffffffff) // lifetime earned (38 bits)
                    if rolling { pts := and(shr(166, s0), 0x7ffffff) } // or qCur (27 bits)
                    {
                        let period := and(shr(CFG_PERIOD_SHIFT, cfg), 0xff) // at least 1
                        // Another qualification period than the last touch's: the general path rolls it.
                        if iszero(eq(div(and(shr(220, s0), 0xffff), period), div(cur, period))) { break }
                    }
                    // Up while the next tier exists (multiplier != 0) and its threshold is reached.
                    for {} and(lt(earned, 3), and(iszero(iszero(and(shr(48, next), 0xffff))), iszero(lt(pts, and(next, 0xffffffffffff))))) {} {
                        earned := add(earned, 1)
                        next := shr(64, next)
                    }
                    if and(cfg, shl(247, 1)) {
                        // FAST_ELIGIBLE: the multiplier of the tier held, the better of the floor and earned.
                        pts := earned
                        if and(iszero(iszero(rolling)), gt(and(shr(236, s0), 3), earned)) { pts := and(shr(236, s0), 3) }
                        pts := and(shr(add(shl(6, pts), 48), t), 0xffff)
                        if iszero(eq(pts, 10000)) { amount := div(mul(amount, pts), 10000) } // no overflow: 48 x 16 bits
                    }
                }
                if and(iszero(s0), and(cfg, shl(247, 1))) {
                    let bps := and(shr(48, t), 0xffff) // the base tier's multiplier
                    if iszero(eq(bps, 10000)) { amount := div(mul(amount, bps), 10000) }
                }
                if or(iszero(amount), gt(amount, 0xffffffffffff)) { break }
                s0 := addLot(s0, amount, cur, validity)
                if iszero(s0) { break }
                {
                    // The points only grew: the tier they reach is `earned` or above.
                    let pts := and(shr(128, s0), 0x3fffffffff)
                    if rolling { pts := and(shr(166, s0), 0x7ffffff) }
                    for {} and(lt(earned, 3), and(iszero(iszero(and(shr(48, next), 0xffff))), iszero(lt(pts, and(next, 0xffffffffffff))))) {} {
                        earned := add(earned, 1)
                        next := shr(64, next)
                    }
                }
                // The tier now: the better of the floor (rolling) and earned; was: the tier held.
                if and(iszero(iszero(rolling)), gt(and(shr(236, s0), 3), earned)) { earned := and(shr(236, s0), 3) }
                if iszero(eq(earned, and(shr(238, s0), 3))) {
                    // emit TierChanged(to, was, now): topic keccak256("TierChanged(address,uint8,uint8)")
                    mstore(0x00, and(shr(238, s0), 3))
                    mstore(0x20, earned)
                    log2(0x00, 0x40, 0xb7ec60b12ca5295d12a82241bcce2a7d06f5bf3a82c536321f6078d77e6587c6, to)
                    s0 := or(and(s0, not(shl(238, 3))), shl(238, earned))
                }
                sstore(slot, s0)
                minted := amount
                break
            }
        }
    }

    /// @dev Adds a lot of `minted` points of epoch `cur` to the ring of `to`, whose slot 0 becomes `s0`
    ///      (header changes included). Most credits stay in slot 0 (a new holder, a lot of this epoch,
    ///      a second lot) and work on that one word; the rest go through the ledger.
    function _placeLot(uint256[5] storage acct, address to, uint256 s0, uint256 minted, uint256 cur) internal {
        uint256 lot = LotRing.pack(cur, minted);
        uint256 count = LotRing.count(s0);
        if (count == 0 || _allExpired(acct, to, s0, cur)) {
            // New holder, an empty ring, or one whose lots all expired (dropped, not cleared): one lot at
            // ring place 0.
            acct[0] = LotRing.firstLot(lot, LotRing.withRing(s0, 0, 0) & ~LotRing.LOT_MASK);
            return;
        }
        uint256 head = LotRing.head(s0);
        // slither-disable-next-line weak-prng — a ring place, not randomness
        uint256 tail = (head + count - 1) % _validity;
        if (head < 2 && tail < 2 && LotRing.epochOf((s0 >> (64 * head)) & LotRing.LOT_MASK) + _validity > cur) {
            // The oldest and the newest lot sit in slot 0, and none expired.
            uint256 last = (s0 >> (64 * tail)) & LotRing.LOT_MASK;
            if (LotRing.epochOf(last) == cur) {
                if (LotRing.amountOf(last) + minted > MAX_LOT_AMOUNT) {
                    revert IRewardToken.AmountTooLarge(LotRing.amountOf(last) + minted, MAX_LOT_AMOUNT);
                }
                acct[0] = s0 + (minted << (64 * tail));
                return;
            }
            if (count == 1 && head == 0 && _validity > 1) {
                // The second lot, at ring place 1.
                acct[0] = LotRing.withRing((s0 & ~(LotRing.LOT_MASK << 64)) | (lot << 64), 0, 2);
                return;
            }
        }
        LotRing.Ledger memory l = LotRing.openWith(s0);
        l.dirty = 1;
        _addToNewestLot(l, acct, to, minted, cur);
        l.store(acct);
    }

    /// @dev Whether the newest lot of the ring of `account` (slot 0 `s0`, at least one lot) expired by
    ///      epoch `cur`, so that every lot did; if so emits the one `PointsExpired` of the sweep (each lot
    ///      read once for the total, from a word cache), and the caller restarts the ring. A dormant
    ///      account's credit costs no ledger and no write but slot 0.
    function _allExpired(uint256[5] storage acct, address account, uint256 s0, uint256 cur) internal returns (bool) {
        uint256 head = LotRing.head(s0);
        // The oldest lot still live (read free from slot 0 when it sits there): none expired.
        if (head < 2 && LotRing.epochOf((s0 >> (64 * head)) & LotRing.LOT_MASK) + _validity > cur) return false;
        uint256 count = LotRing.count(s0);
        // slither-disable-next-line weak-prng — a ring place, not randomness
        uint256 newest = LotRing.peek(acct, s0, (head + count - 1) % _validity);
        if (LotRing.epochOf(newest) + _validity > cur) return false;
        uint256 total;
        uint256 index;
        uint256 word = s0;
        unchecked {
            // No overflow: at most 15 lots of 48 bits each.
            for (uint256 k; k < count; ++k) {
                // slither-disable-next-line weak-prng — a ring place, not randomness
                (uint256 i, uint256 shift) = LotRing.locate((head + k) % _validity);
                if (i != index) {
                    index = i;
                    word = i == 0 ? s0 : acct[i];
                }
                total += LotRing.amountOf(word >> shift);
            }
        }
        // The oldest lot's epoch, from slot 0's cached head lot when it sits there.
        uint256 oldest = head < 2 ? (s0 >> (64 * head)) & LotRing.LOT_MASK : LotRing.peek(acct, s0, head);
        emit IRewardToken.PointsExpired(account, total, LotRing.epochOf(oldest), LotRing.epochOf(newest));
        return true;
    }

    /// @dev Takes `amount` from the live lots of customer `account` (slot 0 `s0`), oldest first, and
    ///      from the epoch counters, after dropping the lots expired by epoch `cur` from the head of its
    ///      ring (one `PointsExpired`). With `record`, returns what was taken from each epoch, oldest
    ///      first (else two empty arrays). Works on the account's words without the memory ledger:
    ///      each slot is read once and only the changed ones are written (slot 0, and the slot of a
    ///      lot left partly spent); each epoch-counter word is read and written once.
    function _debit(address account, uint256 s0, uint256 amount, uint256 cur, bool record)
        internal
        returns (uint256[] memory epochs, uint256[] memory amounts)
    {
        uint256[5] storage acct = _accounts[account];
        s0 = _sweepHead(acct, account, s0, cur);
        if (record) {
            epochs = new uint256[](LotRing.count(s0));
            amounts = new uint256[](LotRing.count(s0));
        }
        (uint256 remaining, uint256 taken) = _take(acct, s0, amount, epochs, amounts);
        if (remaining != 0) revert IERC20Errors.ERC20InsufficientBalance(account, amount - remaining, amount);
        if (record) {
            // Shrink both arrays to the `taken` entries filled (taken <= their allocated length).
            assembly ("memory-safe") {
                mstore(epochs, taken)
                mstore(amounts, taken)
            }
        }
    }

    /// @dev `s0` with the lots expired by epoch `cur` dropped from the head of the ring (the header
    ///      moves, the places keep them), and the one `PointsExpired` of the sweep. Writes nothing.
    function _sweepHead(uint256[5] storage acct, address account, uint256 s0, uint256 cur)
        internal
        returns (uint256)
    {
        uint256 head = LotRing.head(s0);
        uint256 count = LotRing.count(s0);
        uint256 total;
        uint256 first = type(uint256).max;
        uint256 last;
        while (count != 0) {
            uint256 lot = LotRing.peek(acct, s0, head);
            if (LotRing.epochOf(lot) + _validity > cur) break;
            last = LotRing.epochOf(lot);
            if (first == type(uint256).max) first = last;
            unchecked {
                // No overflow: at most 15 lots of 48 bits; head < _validity.
                total += LotRing.amountOf(lot);
                head = head + 1 == _validity ? 0 : head + 1;
                --count;
            }
        }
        if (first == type(uint256).max) return s0;
        emit IRewardToken.PointsExpired(account, total, first, last);
        return LotRing.withRing(s0, head, count);
    }

    /// @dev The debit part of {_debit} on a swept ring (every lot live): writes the account's changed
    ///      slots and the epoch counters; returns what is left to take (0 unless the lots do not cover
    ///      `remaining`) and the number of lots taken, recorded in `epochs` and `amounts` when they are
    ///      not empty (allocated for every lot).
    function _take(
        uint256[5] storage acct,
        uint256 s0,
        uint256 remaining,
        uint256[] memory epochs,
        uint256[] memory amounts
    ) internal returns (uint256, uint256 taken) {
        uint256 head = LotRing.head(s0);
        uint256 count = LotRing.count(s0);
        uint256 bucketIndex = EpochCounters.NONE;
        uint256 bucket;
        uint256 word; // the slot (1..4) of the lot at place `head`: read when the walk enters it
        while (remaining != 0 && count != 0) {
            uint256 lot;
            unchecked {
                // head >= 2: place head sits in slot 1 + (head - 2) / 4 at bit 64 * ((head - 2) % 4).
                if (head < 2) {
                    lot = (s0 >> (head << 6)) & LotRing.LOT_MASK;
                } else {
                    if ((head - 2) & 3 == 0 || word == 0) word = acct[1 + ((head - 2) >> 2)];
                    lot = (word >> (((head - 2) & 3) << 6)) & LotRing.LOT_MASK;
                }
            }
            uint256 take = LotRing.amountOf(lot) < remaining ? LotRing.amountOf(lot) : remaining;
            unchecked {
                remaining -= take;
            }
            if (epochs.length != 0) {
                epochs[taken] = LotRing.epochOf(lot);
                amounts[taken] = take;
            }
            unchecked {
                ++taken; // at most 15
            }
            if (LotRing.epochOf(lot) >> 2 != bucketIndex) {
                _epochBuckets.flush(bucketIndex, bucket);
                bucketIndex = LotRing.epochOf(lot) >> 2;
                bucket = _epochBuckets[bucketIndex];
            }
            bucket -= take << (64 * (LotRing.epochOf(lot) & 3));
            if (take != LotRing.amountOf(lot) || ZERO_SPENT_LOTS) {
                // A lot left partly spent (or, clearing spent lots, emptied) changes its word.
                lot = take == LotRing.amountOf(lot) ? 0 : lot - take;
                if (head < 2) {
                    s0 = (s0 & ~(LotRing.LOT_MASK << (head << 6))) | (lot << (head << 6));
                } else {
                    unchecked {
                        uint256 shift = ((head - 2) & 3) << 6;
                        word = (word & ~(LotRing.LOT_MASK << shift)) | (lot << shift);
                        // Written when the walk leaves the slot or ends here.
                        if (lot != 0 || remaining == 0 || count == 1 || shift == 192 || head + 1 == _validity) {
                            acct[1 + ((head - 2) >> 2)] = word;
                        }
                    }
                }
                if (lot != 0) break;
            }
            unchecked {
                // head < _validity, count > 0.
                head = head + 1 == _validity ? 0 : head + 1;
                --count;
            }
        }
        _epochBuckets.flush(bucketIndex, bucket);
        acct[0] = LotRing.withRing(s0, head, count);
        return (remaining, taken);
    }
}
