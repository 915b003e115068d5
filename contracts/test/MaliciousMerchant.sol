// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title MaliciousMerchant — TEST ONLY: a merchant (or customer) that is a contract
/// @notice Forwards any call, so tests can make it list items, redeem, fulfil and refund, and can
///         make a hooked token call it back in the middle of a vault operation.
contract MaliciousMerchant {
    /// @notice Call `target` with `data` as this contract; bubbles up a revert.
    function exec(address target, bytes calldata data) external returns (bytes memory ret) {
        bool ok;
        (ok, ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}
