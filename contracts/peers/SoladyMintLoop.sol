// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "solady/src/tokens/ERC20.sol";

/// @notice Benchmark peer only: a plain Solady ERC20 minting to many holders in one call.
contract SoladyMintLoop is ERC20 {
    /// @notice Token name.
    function name() public pure override returns (string memory) {
        return "Solady peer";
    }

    /// @notice Token symbol.
    function symbol() public pure override returns (string memory) {
        return "SDP";
    }

    /// @notice Mint `amount` to every address in `to`.
    function mintLoop(address[] calldata to, uint256 amount) external {
        for (uint256 i; i < to.length; ++i) {
            _mint(to[i], amount);
        }
    }
}
