// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/// @title OzLayout — the storage of RewardToken's OpenZeppelin bases, without their code
/// @dev {RewardTokenExt} runs on RewardToken's storage by DELEGATECALL. RewardToken's variables start
///      after those of ERC20, EIP712, Nonces, AccessControl and AccessControlDefaultAdminRules
///      (OpenZeppelin 5, in this order); this contract declares the same variables in the same order
///      so that the extension's {RewardTokenBase} variables land on the same slots, without the
///      ~9 KB of ERC-20, permit and admin code the extension never runs. Only `_roles` is read (the
///      role checks of the extension's functions, as OpenZeppelin's `onlyRole`).
///      tests/contracts/reward_token/test_layout.py compares the two layouts.
abstract contract OzLayout {
    /// @dev OpenZeppelin's admin role (zero).
    bytes32 internal constant DEFAULT_ADMIN_ROLE = 0x00;

    struct RoleData {
        mapping(address account => bool) hasRole;
        bytes32 adminRole;
    }

    // ERC20
    mapping(address account => uint256) private _balances;
    mapping(address account => mapping(address spender => uint256)) private _allowances;
    uint256 private _totalSupply;
    string private _name;
    string private _symbol;
    // EIP712
    string private _nameFallback;
    string private _versionFallback;
    // Nonces
    mapping(address account => uint256) private _nonces;
    // AccessControl
    mapping(bytes32 role => RoleData) private _roles;
    // AccessControlDefaultAdminRules
    address private _pendingDefaultAdmin;
    uint48 private _pendingDefaultAdminSchedule;
    uint48 private _currentDelay;
    address private _currentDefaultAdmin;
    uint48 private _pendingDelay;
    uint48 private _pendingDelaySchedule;

    /// @dev As OpenZeppelin's: reverts with AccessControlUnauthorizedAccount unless the caller has `role`.
    modifier onlyRole(bytes32 role) {
        _checkRole(role);
        _;
    }

    /// @dev Reverts with AccessControlUnauthorizedAccount unless the caller has `role`.
    function _checkRole(bytes32 role) internal view {
        if (!_roles[role].hasRole[msg.sender]) revert IAccessControl.AccessControlUnauthorizedAccount(msg.sender, role);
    }
}
