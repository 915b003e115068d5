// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRewardToken} from "../interfaces/IRewardToken.sol";

/// @title TierTable — RewardToken's tier thresholds and multipliers in one word
/// @dev Storage layout, one word, tier i (0..3) at bit 64 * i:
///      ```
///      tier i:  multiplier bps (16) << 48 | threshold (48, lifetime raw units)
///      ```
///      A multiplier of 0 ends the table; tier 0 has threshold 0 and is always present.
library TierTable {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant MAX_TIERS = 4;
    /// @dev The table of one base tier at 1x.
    uint256 internal constant BASE = BPS << 48;
    uint256 private constant THRESHOLD_MASK = (1 << 48) - 1;
    uint256 private constant MULTIPLIER_MASK = 0xffff;

    /// @dev The word of a table; reverts with InvalidTiers unless there are 1..4 tiers, the first
    ///      threshold is 0, thresholds ascend and fit 48 bits, and multipliers are 1x..6.5535x.
    function encode(uint256[] calldata thresholds, uint256[] calldata multipliersBps) internal pure returns (uint256 t) {
        uint256 n = thresholds.length;
        if (n != multipliersBps.length) revert IRewardToken.LengthMismatch(n, multipliersBps.length);
        if (n == 0 || n > MAX_TIERS || thresholds[0] != 0) revert IRewardToken.InvalidTiers();
        for (uint256 i; i < n; ++i) {
            if (i > 0 && thresholds[i] <= thresholds[i - 1]) revert IRewardToken.InvalidTiers();
            if (thresholds[i] > THRESHOLD_MASK) revert IRewardToken.InvalidTiers();
            if (multipliersBps[i] < BPS || multipliersBps[i] > MULTIPLIER_MASK) revert IRewardToken.InvalidTiers();
            t |= (thresholds[i] | (multipliersBps[i] << 48)) << (64 * i);
        }
    }

    /// @dev The thresholds and multipliers of table `t`, lowest tier first.
    function decode(uint256 t) internal pure returns (uint256[] memory thresholds, uint256[] memory multipliersBps) {
        uint256 n;
        while (n < MAX_TIERS && ((t >> (64 * n + 48)) & MULTIPLIER_MASK) != 0) ++n;
        thresholds = new uint256[](n);
        multipliersBps = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            thresholds[i] = (t >> (64 * i)) & THRESHOLD_MASK;
            multipliersBps[i] = (t >> (64 * i + 48)) & MULTIPLIER_MASK;
        }
    }

    /// @dev The multiplier (basis points) of tier `tier` of table `t`.
    function multiplierOf(uint256 t, uint256 tier) internal pure returns (uint256) {
        return (t >> (64 * tier + 48)) & MULTIPLIER_MASK;
    }

    /// @dev The threshold of tier `tier` of table `t`, and whether the table has that tier.
    function thresholdOf(uint256 t, uint256 tier) internal pure returns (uint256 threshold, bool exists) {
        if (tier >= MAX_TIERS) return (0, false);
        return ((t >> (64 * tier)) & THRESHOLD_MASK, multiplierOf(t, tier) != 0);
    }

    /// @dev The index of the highest tier whose threshold `lifetime` reaches (0 is the base tier).
    ///      (`points` is lifetime earned in lifetime mode, a period's qualifying points in rolling mode.)
    function tierFor(uint256 t, uint256 points) internal pure returns (uint256 tier) {
        while (tier + 1 < MAX_TIERS && (t >> (64 * tier + 112)) & MULTIPLIER_MASK != 0
            && points >= (t >> (64 * tier + 64)) & THRESHOLD_MASK) ++tier;
    }
}
