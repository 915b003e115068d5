// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Benchmark peer only: a plain OpenZeppelin ERC20 minting to many holders in one call.
contract OZMintLoop is ERC20 {
    constructor() ERC20("OZ peer", "OZP") {}

    /// @notice Mint `amount` to every address in `to`.
    function mintLoop(address[] calldata to, uint256 amount) external {
        for (uint256 i; i < to.length; ++i) {
            _mint(to[i], amount);
        }
    }
}
