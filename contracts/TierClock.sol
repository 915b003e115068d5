// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TierTable} from "./TierTable.sol";

/// @title TierClock — the qualification fields of a RewardToken account and the rolling tier rule
/// @dev The fields live in slot 0 of the account (see {LotRing}):
///      ```
///      held (2) at bit 238 | floor (2) at 236 | qEpoch (16) at 220 | qLast (27) at 193 | qCur (27) at 166
///      ```
///      `qCur` are the qualifying points of the period of epoch `qEpoch` (the epoch of the last
///      touch), `qLast` those of the period before it, `floor` the tier that period cannot go below
///      (set at its start boundary), `held` the tier last reported by `TierChanged`. Periods are
///      `period` epochs long, counted from epoch 0. The tier held in the period of `qEpoch` is
///      `max(floor, tierFor(qCur))`: reaching a threshold lifts it at once. At each boundary the next
///      floor is `tierFor(points of the ending period)`, or with a soft landing
///      `max(that, held at the end - 1)`, so a tier drops at a boundary only, by one level at most
///      with a soft landing. {roll} applies every boundary since `qEpoch` without storage, which
///      makes the tier of an untouched account right at every block. The rule is pure; the token
///      stores the rolled fields when it touches the account anyway.
library TierClock {
    /// @dev Largest qualifying count of a period (the counters saturate there).
    uint256 internal constant MAX_QUALIFYING = (1 << 27) - 1;
    uint256 private constant CUR_SHIFT = 166;
    uint256 private constant LAST_SHIFT = 193;
    uint256 private constant EPOCH_SHIFT = 220;
    uint256 private constant FLOOR_SHIFT = 236;
    uint256 private constant HELD_SHIFT = 238;
    uint256 private constant EPOCH_MASK = 0xffff;
    uint256 private constant TIER_MASK = 3;
    /// @dev Every qualification field (qCur .. held).
    uint256 private constant FIELDS = ((1 << 74) - 1) << CUR_SHIFT;

    function qCur(uint256 s0) internal pure returns (uint256) {
        return (s0 >> CUR_SHIFT) & MAX_QUALIFYING;
    }

    function qLast(uint256 s0) internal pure returns (uint256) {
        return (s0 >> LAST_SHIFT) & MAX_QUALIFYING;
    }

    function qEpoch(uint256 s0) internal pure returns (uint256) {
        return (s0 >> EPOCH_SHIFT) & EPOCH_MASK;
    }

    function floorOf(uint256 s0) internal pure returns (uint256) {
        return (s0 >> FLOOR_SHIFT) & TIER_MASK;
    }

    /// @dev The tier last reported for the account (by `TierChanged`, 0 before any).
    function held(uint256 s0) internal pure returns (uint256) {
        return (s0 >> HELD_SHIFT) & TIER_MASK;
    }

    /// @dev The qualification fields of a word (to be or-ed into slot 0).
    function pack(uint256 cur, uint256 last, uint256 epoch, uint256 floor_, uint256 held_)
        internal
        pure
        returns (uint256)
    {
        return (cur << CUR_SHIFT) | (last << LAST_SHIFT) | (epoch << EPOCH_SHIFT) | (floor_ << FLOOR_SHIFT)
            | (held_ << HELD_SHIFT);
    }

    /// @dev Slot 0 with its qualification fields replaced (`held` kept).
    function withFields(uint256 s0, uint256 cur, uint256 last, uint256 epoch, uint256 floor_)
        internal
        pure
        returns (uint256)
    {
        return (s0 & ~(FIELDS ^ (TIER_MASK << HELD_SHIFT))) | pack(cur, last, epoch, floor_, 0);
    }

    /// @dev Slot 0 with `held` set to `tier`.
    function withHeld(uint256 s0, uint256 tier) internal pure returns (uint256) {
        return (s0 & ~(TIER_MASK << HELD_SHIFT)) | (tier << HELD_SHIFT);
    }

    /// @dev `a + b` capped at {MAX_QUALIFYING}.
    function addSat(uint256 a, uint256 b) internal pure returns (uint256) {
        uint256 s = a + b;
        return s > MAX_QUALIFYING ? MAX_QUALIFYING : s;
    }

    /// @dev Slot 0 with its qualification fields rolled forward to epoch `cur` (periods of `period`
    ///      epochs; `t` the tier table): every boundary since `qEpoch` applied. `held` is kept.
    function roll(uint256 s0, uint256 cur, uint256 period, bool soft, uint256 t) internal pure returns (uint256) {
        uint256 ps = qEpoch(s0) / period;
        uint256 p = cur / period;
        if (p <= ps) return s0; // same period
        uint256 next = nextFloor(s0, soft, t);
        uint256 last = qCur(s0);
        unchecked {
            // p > ps here.
            uint256 gaps = p - ps - 1;
            if (gaps != 0) {
                // Whole periods without a touch earned nothing: each boundary after them lowers the
                // floor by one (soft landing) or to the base tier.
                last = 0;
                next = soft && next > gaps ? next - gaps : 0;
            }
        }
        return withFields(s0, 0, last, cur, next);
    }

    /// @dev The floor after the boundary that ends the period of `s0`: the tier its points reached,
    ///      or with a soft landing one below the tier held at its end if that is better.
    function nextFloor(uint256 s0, bool soft, uint256 t) internal pure returns (uint256 next) {
        next = TierTable.tierFor(t, qCur(s0));
        uint256 fl = floorOf(s0);
        if (soft && fl > next + 1) next = fl - 1;
    }

    /// @dev The tier of rolled slot 0 `s0` in rolling mode: the better of its floor and its current
    ///      period's points.
    function tierNow(uint256 s0, uint256 t) internal pure returns (uint256) {
        uint256 fl = floorOf(s0);
        uint256 earned = TierTable.tierFor(t, qCur(s0));
        return fl > earned ? fl : earned;
    }
}
