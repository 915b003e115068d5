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
    ///      {LotRing} for the layout.
    function _creditFast(address to, uint256 amount, uint256 cur, uint256 cfg, uint256 t)
        internal
        returns (uint256 minted)
    {
        uint256[5] storage acct = _accounts[to];
        uint256 s0 = acct[0];
        // Not for an acceptor, nor an account with pending credits (they may vest first: {_creditIssued}).
        if (amount > MAX_LOT_AMOUNT || s0 >> PCOUNT_SHIFT != 0 || s0 & ACCEPTOR_FLAG != 0) return 0;
        unchecked {
            bool rolling = cfg & CFG_ROLLING != 0;
            uint256 earned; // the tier the points reach (the floor aside)
            uint256 tier;
            if (s0 != 0) {
                uint256 period = (cfg >> CFG_PERIOD_SHIFT) & 0xff;
                if (((s0 >> 220) & 0xffff) / period != cur / period) return 0;
                earned = _tierAt(t, rolling ? (s0 >> 166) & MAX_QUALIFYING : (s0 >> 128) & LotRing.LIFETIME_MASK, 0);
                tier = rolling && (s0 >> 236) & 3 > earned ? (s0 >> 236) & 3 : earned;
            }
            minted = amount;
            if (cfg & FAST_ELIGIBLE != 0) {
                uint256 m = (t >> (64 * tier + 48)) & 0xffff;
                if (m != TierTable.BPS) minted = (amount * m) / TierTable.BPS;
            }
            if (minted == 0 || minted > MAX_LOT_AMOUNT) return 0;
            s0 = s0 == 0
                ? (cur << 48) | minted | (minted << 128) | (minted << 166) | (cur << 220) | (uint256(1) << 244)
                : _fastLot(s0, minted, cur);
            if (s0 == 0) return 0;
            // The points only grew: the tier they reach is `earned` or above.
            uint256 now_ =
                _tierAt(t, rolling ? (s0 >> 166) & MAX_QUALIFYING : (s0 >> 128) & LotRing.LIFETIME_MASK, earned);
            if (rolling && (s0 >> 236) & 3 > now_) now_ = (s0 >> 236) & 3;
            uint256 was = (s0 >> 238) & 3;
            if (now_ != was) {
                emit IRewardToken.TierChanged(to, uint8(was), uint8(now_));
                s0 = (s0 & ~(uint256(3) << 238)) | (now_ << 238);
            }
        }
        acct[0] = s0;
    }

    /// @dev The lot part of {_creditFast} for a holder: `s0` with `minted` added to its lot of epoch
    ///      `cur` or as its second lot, and to lifetime earned and qualification; 0 when the fast path
    ///      does not apply. (A new holder's word: lot 0, lifetime and qualification `minted`, count 1.)
    function _fastLot(uint256 s0, uint256 minted, uint256 cur) internal view returns (uint256) {
        unchecked {
            uint256 count = (s0 >> 244) & 0xf;
            uint256 head = (s0 >> 240) & 0xf;
            if (count == 0 || head > 1) return 0;
            uint256 tail = head + count - 1;
            if (tail >= _validity) tail -= _validity;
            if (tail > 1 || ((s0 >> (64 * head + 48)) & 0xffff) + _validity <= cur) return 0;
            uint256 last = (s0 >> (64 * tail)) & LotRing.LOT_MASK;
            if (last >> 48 == cur) {
                if ((last & LotRing.AMOUNT_MASK) + minted > MAX_LOT_AMOUNT) return 0;
                s0 += minted << (64 * tail);
            } else if (count == 1 && head == 0 && _validity > 1) {
                s0 = ((s0 & ~(LotRing.LOT_MASK << 64)) | (((cur << 48) | minted) << 64)) + (uint256(1) << 244);
            } else {
                return 0;
            }
            uint256 lifetime = ((s0 >> 128) & LotRing.LIFETIME_MASK) + minted;
            if (lifetime > LotRing.LIFETIME_MASK) lifetime = LotRing.LIFETIME_MASK;
            uint256 q = ((s0 >> 166) & MAX_QUALIFYING) + minted;
            if (q > MAX_QUALIFYING) q = MAX_QUALIFYING;
            return (s0 & ~(((uint256(1) << 65) - 1) << 128)) | (lifetime << 128) | (q << 166);
        }
    }

    /// @dev {TierTable-tierFor}, spelled out for the fast path, starting at tier `from` (reached already).
    function _tierAt(uint256 t, uint256 points, uint256 from) internal pure returns (uint256 tier) {
        tier = from;
        unchecked {
            while (tier < 3) {
                uint256 next = t >> (64 * (tier + 1));
                if ((next >> 48) & 0xffff == 0 || points < next & LotRing.AMOUNT_MASK) break;
                ++tier;
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

    /// @dev Fast path of a debit (burn, spend, payment to an acceptor) when every lot sits in slot 0
    ///      (at most two): works on the one word without the memory ledger (about 4.9k gas less per
    ///      spend). A spent lot is left in its place, outside the ring. Returns false (having changed nothing) when the lots wrap into other slots.
    function _debitSlotZero(address account, uint256 s0, uint256 amount, uint256 cur) internal returns (bool) {
        uint256 head = LotRing.head(s0);
        uint256 count = LotRing.count(s0);
        if (head + count > (_validity < 2 ? _validity : 2)) return false;
        uint256 remaining = amount;
        uint256 bucketIndex = EpochCounters.NONE;
        uint256 bucket;
        uint256 expired; // amount (64 bits) | last epoch << 64 | first epoch << 80
        while (count != 0) {
            uint256 shift = 64 * head;
            uint256 lot = (s0 >> shift) & LotRing.LOT_MASK;
            uint256 epoch = LotRing.epochOf(lot);
            uint256 lotAmount = LotRing.amountOf(lot);
            if (epoch + _validity <= cur) {
                if (expired == 0) expired = epoch << 80;
                expired = ((expired + lotAmount) & ~(uint256(0xffff) << 64)) | (epoch << 64);
            } else {
                if (remaining == 0) break;
                uint256 take = lotAmount < remaining ? lotAmount : remaining;
                remaining -= take;
                if (epoch >> 2 != bucketIndex) {
                    _epochBuckets.flush(bucketIndex, bucket);
                    bucketIndex = epoch >> 2;
                    bucket = _epochBuckets[bucketIndex];
                }
                bucket -= take << (64 * (epoch & 3));
                if (take != lotAmount) {
                    s0 -= take << shift;
                    break;
                }
            }
            ++head;
            --count;
        }
        if (remaining != 0) revert IERC20Errors.ERC20InsufficientBalance(account, amount - remaining, amount);
        if (expired != 0) emit IRewardToken.PointsExpired(account, uint64(expired), uint16(expired >> 80), uint16(expired >> 64));
        _epochBuckets.flush(bucketIndex, bucket);
        _accounts[account][0] = LotRing.withRing(s0, head, count);
        return true;
    }

    /// @dev Takes `amount` from the customer's oldest live lots and from the epoch counters;
    ///      returns what was taken from each epoch, oldest first.
    function _debitLots(address account, uint256 amount, uint256 cur)
        internal
        returns (uint256[] memory epochs, uint256[] memory amounts)
    {
        uint256[5] storage acct = _accounts[account];
        LotRing.Ledger memory l = LotRing.open(acct);
        l.sweep(acct, account, _validity, cur);
        uint256 s0 = l.s[0];
        uint256 head = LotRing.head(s0);
        uint256 count = LotRing.count(s0);
        uint256 remaining = amount;
        uint256 bucketIndex = EpochCounters.NONE;
        uint256 bucket;
        epochs = new uint256[](count);
        amounts = new uint256[](count);
        uint256 taken;
        while (remaining != 0 && count != 0) {
            uint256 lot = l.get(acct, head);
            uint256 epoch = LotRing.epochOf(lot);
            uint256 lotAmount = LotRing.amountOf(lot);
            uint256 take = lotAmount < remaining ? lotAmount : remaining;
            remaining -= take;
            epochs[taken] = epoch;
            amounts[taken] = take;
            ++taken;
            if (epoch >> 2 != bucketIndex) {
                _epochBuckets.flush(bucketIndex, bucket);
                bucketIndex = epoch >> 2;
                bucket = _epochBuckets[bucketIndex];
            }
            bucket -= take << (64 * (epoch & 3));
            if (take == lotAmount) {
                if (ZERO_SPENT_LOTS) l.set(acct, head, 0);
                head = (head + 1) % _validity;
                --count;
            } else {
                l.set(acct, head, LotRing.pack(epoch, lotAmount - take));
            }
        }
        if (remaining != 0) revert IERC20Errors.ERC20InsufficientBalance(account, amount - remaining, amount);
        _epochBuckets.flush(bucketIndex, bucket);
        l.setRing(head, count);
        l.store(acct);
        // Shrink both arrays to the `taken` entries filled (taken <= their allocated length).
        assembly ("memory-safe") {
            mstore(epochs, taken)
            mstore(amounts, taken)
        }
    }
}
