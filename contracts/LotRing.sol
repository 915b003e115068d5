// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title LotRing — the storage codec of a RewardToken customer account
/// @dev Storage layout of one account, `uint256[4]` (RewardToken's `_accounts[a]`):
///      ```
///      slot 0, customer:  flags (8) | count (4) | head (4) | lifetime (48) | lot 2 | lot 1 | lot 0
///                         bits 248   244         240        192             128     64      0
///      slot 0, acceptor:  flags (8) | balance (248)          flag bit 0 (bit 248) = acceptor
///      slot 1:            lot 6 | lot 5 | lot 4 | lot 3
///      slot 2:            lot 10 | lot 9 | lot 8 | lot 7
///      slot 3:            lot 14 | lot 13 | lot 12 | lot 11
///      lot (64 bits):     epoch (16) << 48 | amount (48)
///      ```
///      Lots form a ring of `validityEpochs` places, oldest at `head`, `count` of them live; ring
///      place p sits in slot 0 at bit 64p when p < 3, else in slot 1 + (p - 3) / 4 at bit
///      64 * ((p - 3) % 4). An empty ring restarts at place 0, so most customers (at most three lots)
///      touch slot 0 only.
///      A {Ledger} caches the four slots in memory while one operation runs: a slot is read the
///      first time one of its places is, and {store} writes back only the slots that changed.
library LotRing {
    /// @dev Largest amount of a lot, and the mask of a lot's amount field (also of lifetime earned).
    uint256 internal constant AMOUNT_MASK = (1 << 48) - 1;
    uint256 internal constant LOT_MASK = (1 << 64) - 1;
    uint256 private constant EPOCH_SHIFT = 48;
    uint256 private constant LIFETIME_SHIFT = 192;
    uint256 private constant HEAD_SHIFT = 240;
    uint256 private constant COUNT_SHIFT = 244;
    uint256 private constant NIBBLE = 0xf;
    /// @dev Slot 0's header fields: head and count.
    uint256 private constant RING_BITS = (NIBBLE << HEAD_SHIFT) | (NIBBLE << COUNT_SHIFT);

    /// @dev An account's four slots cached in memory: `loaded` and `dirty` have bit i set once
    ///      slot i is read, or changed. Every call that may read or write storage takes the account.
    struct Ledger {
        uint256[4] s;
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

    /// @dev Slot 0 of a new holder: `lot` at ring place 0, the only one, and `lifetime_` earned.
    function firstLot(uint256 lot, uint256 lifetime_) internal pure returns (uint256) {
        return lot | (lifetime_ << LIFETIME_SHIFT) | (uint256(1) << COUNT_SHIFT);
    }

    function lifetime(uint256 s0) internal pure returns (uint256) {
        return (s0 >> LIFETIME_SHIFT) & AMOUNT_MASK;
    }

    function withLifetime(uint256 s0, uint256 lifetime_) internal pure returns (uint256) {
        return (s0 & ~(AMOUNT_MASK << LIFETIME_SHIFT)) | (lifetime_ << LIFETIME_SHIFT);
    }

    /// @dev Ring place → (slot index, bit shift): places 0..2 share slot 0 with the header.
    function locate(uint256 pos) internal pure returns (uint256 index, uint256 shift) {
        if (pos < 3) return (0, 64 * pos);
        unchecked {
            // Overflow not possible: pos >= 3 and pos < 15.
            return (1 + (pos - 3) / 4, 64 * ((pos - 3) % 4));
        }
    }

    /// @dev The lot at ring place `pos`, read straight from storage (`s0` is slot 0, already read).
    function peek(uint256[4] storage acct, uint256 s0, uint256 pos) internal view returns (uint256) {
        (uint256 i, uint256 shift) = locate(pos);
        uint256 word = i == 0 ? s0 : acct[i];
        return (word >> shift) & LOT_MASK;
    }

    /// @dev Live lots (epoch, amount), oldest first, read straight from storage: the ring of
    ///      `validity` places without the lots that expired by epoch `cur`.
    function liveLots(uint256[4] storage acct, uint256 s0, uint256 validity, uint256 cur)
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

    function open(uint256[4] storage acct) internal view returns (Ledger memory) {
        return openWith(acct[0]);
    }

    /// @dev A ledger whose slot 0 is `s0` (read, and maybe changed, by the caller).
    function openWith(uint256 s0) internal pure returns (Ledger memory l) {
        l.s[0] = s0;
        l.loaded = 1;
    }

    /// @dev The lot at ring place `pos` of the ledger over `acct`.
    function get(Ledger memory l, uint256[4] storage acct, uint256 pos) internal view returns (uint256) {
        (uint256 i, uint256 shift) = locate(pos);
        load(l, acct, i);
        return (l.s[i] >> shift) & LOT_MASK;
    }

    /// @dev Puts `lot` at ring place `pos` of the ledger over `acct`.
    function set(Ledger memory l, uint256[4] storage acct, uint256 pos, uint256 lot) internal view {
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
    function load(Ledger memory l, uint256[4] storage acct, uint256 i) internal view {
        if (l.loaded & (1 << i) == 0) {
            l.s[i] = acct[i];
            l.loaded |= 1 << i;
        }
    }

    /// @dev Writes back to `acct` the slots that changed.
    function store(Ledger memory l, uint256[4] storage acct) internal {
        for (uint256 i; i < 4; ++i) {
            if (l.dirty & (1 << i) != 0) acct[i] = l.s[i];
        }
    }
}
