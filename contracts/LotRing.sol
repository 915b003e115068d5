// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRewardToken} from "../interfaces/IRewardToken.sol";

/// @title LotRing — the storage codec of a RewardToken customer account, and its ring operations
/// @dev Storage layout of one account, `uint256[5]` (RewardToken's `_accounts[a]`):
///      ```
///      slot 0, customer:  flags (8) | count (4) | head (4) | held (2) | floor (2) | qEpoch (16)
///                         bits 248   244         240        238        236         220
///                         | qLast (27) | qCur (27) | lifetime (38) | lot 1 | lot 0
///                           193          166         128             64      0
///      slot 0, acceptor:  flags (8) | balance (248)          flag bit 0 (bit 248) = acceptor
///      slot 1:            lot 5 | lot 4 | lot 3 | lot 2
///      slot 2:            lot 9 | lot 8 | lot 7 | lot 6
///      slot 3:            lot 13 | lot 12 | lot 11 | lot 10
///      slot 4:            lot 14
///      lot (64 bits):     epoch (16) << 48 | amount (48)
///      flags:             bit 248 acceptor ({ACCEPTOR_FLAG}), bit 249 recovery pending ({RECOVERY_FLAG})
///      ```
///      Lots form a ring of `validityEpochs` places, oldest at `head`, `count` of them live; ring
///      place p sits in slot 0 at bit 64p when p < 2, else in slot 1 + (p - 2) / 4 at bit
///      64 * ((p - 2) % 4). An empty ring restarts at place 0, so most customers (at most two lots)
///      touch slot 0 only. Places outside the ring are never cleared (a sweep moves the header, a
///      debit moves the head): they hold stale lots that the next lot written there overwrites, so
///      a later credit pays a nonzero-to-nonzero write instead of a fresh one.
///      The qualification fields (see {TierClock}): `qCur` and `qLast` the qualifying points of the
///      period of epoch `qEpoch` and of the period before it, `floor` the tier that period cannot go
///      below, `held` the tier last reported (`TierChanged`). Lifetime earned saturates at 2^38 - 1.
///      They took the place of a third lot in slot 0 (a customer's third live lot now opens slot 1).
///      A {Ledger} caches the five slots in memory while one operation runs: a slot is read the
///      first time one of its places is, and {store} writes back only the slots that changed.
library LotRing {
    /// @dev Largest amount of a lot, and the mask of a lot's amount field.
    uint256 internal constant AMOUNT_MASK = (1 << 48) - 1;
    /// @dev Largest lifetime earned (it saturates there).
    uint256 internal constant LIFETIME_MASK = (1 << 38) - 1;
    /// @dev Places of the ring (the most epochs of validity).
    uint256 internal constant SLOTS = 5;
    uint256 internal constant LOT_MASK = (1 << 64) - 1;
    /// @dev Slot 0 flag: the account is an acceptor (the rest of the word is its balance).
    uint256 internal constant ACCEPTOR_FLAG = 1 << 248;
    /// @dev Slot 0 flag of a customer: a recovery of the account is pending (see {WalletRecovery}).
    uint256 internal constant RECOVERY_FLAG = 1 << 249;
    uint256 private constant EPOCH_SHIFT = 48;
    uint256 private constant LIFETIME_SHIFT = 128;
    uint256 private constant HEAD_SHIFT = 240;
    uint256 private constant COUNT_SHIFT = 244;
    uint256 private constant NIBBLE = 0xf;
    /// @dev Slot 0's header fields: head and count.
    /// (the qualification fields between bit 166 and 240 are read and written by {TierClock})
    uint256 private constant RING_BITS = (NIBBLE << HEAD_SHIFT) | (NIBBLE << COUNT_SHIFT);

    /// @dev An account's four slots cached in memory: `loaded` and `dirty` have bit i set once
    ///      slot i is read, or changed. Every call that may read or write storage takes the account.
    struct Ledger {
        uint256[5] s;
        uint256 loaded;
        uint256 dirty;
    }

    // =====================================================================================
    // Lot and header words
    // =====================================================================================

    /// @dev The lot word of `amount` points earned in `epoch`.
    function pack(uint256 epoch, uint256 amount) internal pure returns (uint256) {
        return (epoch << EPOCH_SHIFT) | amount;
    }

    function epochOf(uint256 lot) internal pure returns (uint256) {
        return lot >> EPOCH_SHIFT;
    }

    function amountOf(uint256 lot) internal pure returns (uint256) {
        return lot & AMOUNT_MASK;
    }

    /// @dev Ring place of the oldest live lot.
    function head(uint256 s0) internal pure returns (uint256) {
        return (s0 >> HEAD_SHIFT) & NIBBLE;
    }

    /// @dev Number of lots in the ring (expired ones included until they are swept).
    function count(uint256 s0) internal pure returns (uint256) {
        return (s0 >> COUNT_SHIFT) & NIBBLE;
    }

    /// @dev Slot 0 with the ring header set to `head_` and `count_`; an empty ring restarts at place 0.
    function withRing(uint256 s0, uint256 head_, uint256 count_) internal pure returns (uint256) {
        if (count_ == 0) head_ = 0;
        return (s0 & ~RING_BITS) | (head_ << HEAD_SHIFT) | (count_ << COUNT_SHIFT);
    }

    /// @dev Slot 0 of a new holder: `lot` at ring place 0, the only one, over the header `qual`
    ///      (lifetime earned and qualification fields, no lots).
    function firstLot(uint256 lot, uint256 qual) internal pure returns (uint256) {
        return lot | qual | (uint256(1) << COUNT_SHIFT);
    }

    function lifetime(uint256 s0) internal pure returns (uint256) {
        return (s0 >> LIFETIME_SHIFT) & LIFETIME_MASK;
    }

    /// @dev Slot 0 with `add` more lifetime earned, saturating at {LIFETIME_MASK}.
    function addLifetime(uint256 s0, uint256 add) internal pure returns (uint256) {
        uint256 l = lifetime(s0) + add;
        if (l > LIFETIME_MASK) l = LIFETIME_MASK;
        return (s0 & ~(LIFETIME_MASK << LIFETIME_SHIFT)) | (l << LIFETIME_SHIFT);
    }

    /// @dev Ring place → (slot index, bit shift): places 0..1 share slot 0 with the header.
    function locate(uint256 pos) internal pure returns (uint256 index, uint256 shift) {
        if (pos < 2) return (0, 64 * pos);
        unchecked {
            // Overflow not possible: pos >= 2 and pos < 15.
            return (1 + (pos - 2) / 4, 64 * ((pos - 2) % 4));
        }
    }

    /// @dev The lot at ring place `pos`, read straight from storage (`s0` is slot 0, already read).
    function peek(uint256[5] storage acct, uint256 s0, uint256 pos) internal view returns (uint256) {
        (uint256 i, uint256 shift) = locate(pos);
        uint256 word = i == 0 ? s0 : acct[i];
        return (word >> shift) & LOT_MASK;
    }

    /// @dev Live lots (epoch, amount), oldest first, read straight from storage: the ring of
    ///      `validity` places without the lots that expired by epoch `cur`.
    function liveLots(uint256[5] storage acct, uint256 s0, uint256 validity, uint256 cur)
        internal
        view
        returns (uint256[] memory epochs, uint256[] memory amounts)
    {
        uint256 head_ = head(s0);
        uint256 count_ = count(s0);
        epochs = new uint256[](count_);
        amounts = new uint256[](count_);
        uint256 n;
        for (uint256 k; k < count_; ++k) {
            uint256 lot = peek(acct, s0, (head_ + k) % validity);
            uint256 epoch = epochOf(lot);
            if (epoch + validity <= cur) continue;
            epochs[n] = epoch;
            amounts[n] = amountOf(lot);
            ++n;
        }
        // Shrink both arrays to the `n` lots filled (n <= their allocated length).
        assembly ("memory-safe") {
            mstore(epochs, n)
            mstore(amounts, n)
        }
    }

    // =====================================================================================
    // Ledger
    // =====================================================================================

    function open(uint256[5] storage acct) internal view returns (Ledger memory) {
        return openWith(acct[0]);
    }

    /// @dev A ledger whose slot 0 is `s0` (read, and maybe changed, by the caller).
    function openWith(uint256 s0) internal pure returns (Ledger memory l) {
        l.s[0] = s0;
        l.loaded = 1;
    }

    /// @dev The lot at ring place `pos` of the ledger over `acct`.
    function get(Ledger memory l, uint256[5] storage acct, uint256 pos) internal view returns (uint256) {
        (uint256 i, uint256 shift) = locate(pos);
        load(l, acct, i);
        return (l.s[i] >> shift) & LOT_MASK;
    }

    /// @dev Puts `lot` at ring place `pos` of the ledger over `acct`.
    function set(Ledger memory l, uint256[5] storage acct, uint256 pos, uint256 lot) internal view {
        (uint256 i, uint256 shift) = locate(pos);
        load(l, acct, i);
        l.s[i] = (l.s[i] & ~(LOT_MASK << shift)) | (lot << shift);
        l.dirty |= 1 << i;
    }

    /// @dev Sets the ring header of the cached slot 0 (see {withRing}).
    function setRing(Ledger memory l, uint256 head_, uint256 count_) internal pure {
        l.s[0] = withRing(l.s[0], head_, count_);
        l.dirty |= 1;
    }

    /// @dev Reads slot `i` of `acct` into the ledger unless it is there already.
    function load(Ledger memory l, uint256[5] storage acct, uint256 i) internal view {
        if (l.loaded & (1 << i) == 0) {
            l.s[i] = acct[i];
            l.loaded |= 1 << i;
        }
    }

    /// @dev Drops the lots expired by epoch `cur` from the head of the ring by moving the header (the
    ///      places are not cleared), with one `PointsExpired` event for the lot range (their points
    ///      stay counted in their epoch's counter, which is now expired).
    function sweep(Ledger memory l, uint256[5] storage acct, address account, uint256 validity, uint256 cur)
        internal
    {
        uint256 head_ = head(l.s[0]);
        uint256 count_ = count(l.s[0]);
        uint256 swept;
        uint256 total;
        uint256 first;
        uint256 last;
        while (count_ != 0) {
            uint256 lot = get(l, acct, head_);
            uint256 epoch = epochOf(lot);
            if (epoch + validity > cur) break;
            if (swept == 0) first = epoch;
            last = epoch;
            total += amountOf(lot);
            head_ = (head_ + 1) % validity;
            --count_;
            ++swept;
        }
        if (swept != 0) {
            emit IRewardToken.PointsExpired(account, total, first, last);
            setRing(l, head_, count_);
        }
    }

    /// @dev Merges lots taken from another account (`epochs` ascending, all live) into the ring of
    ///      the ledger, whose expired lots the caller swept at the same epoch: lots of one epoch add
    ///      up, and the ring is rewritten from place 0. Every merged lot is from the last `validity`
    ///      epochs, so the ring has a place for each. Reverts with AmountTooLarge past a lot's 48 bits.
    function merge(
        Ledger memory l,
        uint256[5] storage acct,
        uint256[] memory epochs,
        uint256[] memory amounts,
        uint256 validity
    ) internal view {
        uint256 n = epochs.length;
        if (n == 0) return;
        uint256[] memory own = takeAll(l, acct, validity);
        uint256 m; // places written
        uint256 last; // the lot at place m - 1
        uint256 j;
        uint256 k;
        while (k < own.length || j < n) {
            uint256 lot;
            if (j >= n || (k < own.length && epochOf(own[k]) <= epochs[j])) {
                lot = own[k++];
            } else {
                lot = pack(epochs[j], amounts[j]);
                ++j;
            }
            if (m != 0 && epochOf(last) == epochOf(lot)) {
                uint256 sum = amountOf(last) + amountOf(lot);
                if (sum > AMOUNT_MASK) revert IRewardToken.AmountTooLarge(sum, AMOUNT_MASK);
                last = pack(epochOf(lot), sum);
                set(l, acct, m - 1, last);
            } else {
                last = lot;
                set(l, acct, m++, lot);
            }
        }
        setRing(l, 0, m);
    }

    /// @dev Takes every lot out of the ring of the ledger (the caller swept the expired ones) and
    ///      clears slot 0 (header, lifetime earned, qualification, flags): the account is left empty
    ///      once stored.
    ///      Returns the lots oldest first and their total.
    function drain(Ledger memory l, uint256[5] storage acct, uint256 validity)
        internal
        view
        returns (uint256[] memory epochs, uint256[] memory amounts, uint256 total)
    {
        uint256[] memory lots = takeAll(l, acct, validity);
        epochs = new uint256[](lots.length);
        amounts = new uint256[](lots.length);
        for (uint256 i; i < lots.length; ++i) {
            epochs[i] = epochOf(lots[i]);
            amounts[i] = amountOf(lots[i]);
            total += amounts[i];
        }
        l.s[0] = 0;
        l.dirty |= 1;
    }

    /// @dev The lots of the ring, oldest first (the places keep them; the header is the caller's to set).
    function takeAll(Ledger memory l, uint256[5] storage acct, uint256 validity)
        internal
        view
        returns (uint256[] memory lots)
    {
        uint256 head_ = head(l.s[0]);
        lots = new uint256[](count(l.s[0]));
        for (uint256 k; k < lots.length; ++k) {
            uint256 pos = (head_ + k) % validity;
            lots[k] = get(l, acct, pos);
        }
    }

    /// @dev Writes back to `acct` the slots that changed.
    function store(Ledger memory l, uint256[5] storage acct) internal {
        for (uint256 i; i < SLOTS; ++i) {
            if (l.dirty & (1 << i) != 0) acct[i] = l.s[i];
        }
    }
}
