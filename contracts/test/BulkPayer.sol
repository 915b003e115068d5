// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title BulkPayer — benchmark double: a customer account that pays a merchant many times per transaction
/// @notice Builds a merchant with hundreds of thousands of history rows on a local chain in a few hundred
///         transactions (benchmarks/bench_merchant.py); each payment is one real ERC-20 Transfer the indexer reads.
contract BulkPayer {
    /// @notice Pay `to` `amount` raw points, `times` times over.
    function pay(IERC20 token, address to, uint256 amount, uint256 times) external {
        for (uint256 i; i < times; ++i) {
            token.transfer(to, amount);
        }
    }
}
