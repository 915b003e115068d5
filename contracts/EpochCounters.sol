// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRewardToken} from "../interfaces/IRewardToken.sol";

/// @title EpochCounters — the live (unspent) total of each epoch, for RewardToken's supply views
/// @dev Storage layout: four 64-bit counters a slot,
///      ```
///      counters[e >> 2]:  epoch 4k+3 | epoch 4k+2 | epoch 4k+1 | epoch 4k      (64 bits each)
///      ```
///      so epoch e's counter sits at bit 64 * (e & 3) of word e >> 2. After an epoch expires its
///      counter is exactly what expired from it. A debit walks epochs oldest first and caches one
///      word (`index`, `word`) at a time; {NONE} is the index before the first.
library EpochCounters {
    uint256 internal constant MASK = (1 << 64) - 1;
    uint256 internal constant NONE = type(uint256).max;

    /// @dev Adds `amount` to epoch `epoch`'s counter. Reverts with AmountTooLarge past 64 bits.
    function add(mapping(uint256 => uint256) storage counters, uint256 epoch, uint256 amount) internal {
        uint256 index = epoch >> 2;
        uint256 shift = 64 * (epoch & 3);
        uint256 word = counters[index];
        uint256 next = ((word >> shift) & MASK) + amount;
        if (next > MASK) revert IRewardToken.AmountTooLarge(next, MASK);
        counters[index] = word + (amount << shift);
    }

    /// @dev Takes `amount` (at most what it holds) from epoch `epoch`'s counter.
    function sub(mapping(uint256 => uint256) storage counters, uint256 epoch, uint256 amount) internal {
        counters[epoch >> 2] -= amount << (64 * (epoch & 3));
    }

    /// @dev Writes back the word a debit cached, if any.
    function flush(mapping(uint256 => uint256) storage counters, uint256 index, uint256 word) internal {
        if (index != NONE) counters[index] = word;
    }

    /// @dev The sum of the counters of epochs `first` to `last`, both included (0 when first > last).
    function sum(mapping(uint256 => uint256) storage counters, uint256 first, uint256 last)
        internal
        view
        returns (uint256 total)
    {
        if (first > last) return 0;
        uint256 index = NONE;
        uint256 word;
        for (uint256 e = first; e <= last; ++e) {
            if (e >> 2 != index) {
                index = e >> 2;
                word = counters[index];
            }
            total += (word >> (64 * (e & 3))) & MASK;
        }
    }
}
