// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ReentrantToken — TEST ONLY: a token that calls back into the vault while it is spending
/// @notice Stands in for a compromised token or a token with receiver hooks: on `spend`, `burnFrom`
///         and `issue` it first makes the configured call (`hookTarget.call(hookData)`) and bubbles
///         up its revert, so a test sees exactly what the vault answered to the reentrant call.
contract ReentrantToken {
    address public hookTarget;
    bytes public hookData;
    mapping(address => uint256) public balanceOf;
    uint256 public spends;
    uint256 public issues;

    /// @notice Set the call made during the next spend/issue (target 0 disables it).
    function setHook(address target, bytes calldata data) external {
        hookTarget = target;
        hookData = data;
    }

    /// @notice Give `account` points without any hook.
    function mint(address account, uint256 amount) external {
        balanceOf[account] += amount;
    }

    function spend(address account, uint256 amount) external {
        _hook();
        balanceOf[account] -= amount;
        ++spends;
    }

    function burnFrom(address account, uint256 amount) external {
        _hook();
        balanceOf[account] -= amount;
        ++spends;
    }

    function issue(address to, uint256 amount, uint8, bytes32) external returns (uint256) {
        _hook();
        balanceOf[to] += amount;
        ++issues;
        return amount;
    }

    function tierOf(address) external pure returns (uint8) {
        return 0;
    }

    function allowance(address, address) external pure returns (uint256) {
        return type(uint256).max;
    }

    function permit(address, address, uint256, uint256, uint8, bytes32, bytes32) external pure {}

    function _hook() private {
        address target = hookTarget;
        if (target == address(0)) return;
        (bool ok, bytes memory ret) = target.call(hookData);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}
