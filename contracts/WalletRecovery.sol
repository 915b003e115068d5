// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRewardToken} from "../interfaces/IRewardToken.sol";
import {LotRing} from "./LotRing.sol";

/// @title WalletRecovery — RewardToken's pending recoveries of lost wallets
/// @dev Storage layout (RewardToken's `_recoveries` and slot 0 of `_accounts`, see {LotRing}):
///      ```
///      pending[from]:         readyAt (48) << 160 | to (160)        zero when none is pending
///      accounts[from][0]:     {LotRing-RECOVERY_FLAG} set while one is pending
///      ```
///      The flag sits in the word every debit reads anyway, so refusing a debit of an account with
///      a recovery pending costs no extra storage read; `pending` is read only to start, cancel or
///      complete a recovery, or to explain a refusal. The token moves the points itself
///      ({LotRing-drain}, {LotRing-merge}); this library holds the rules around the move.
library WalletRecovery {
    uint256 private constant READY_SHIFT = 160;

    /// @dev The pending recovery of `from`: its target and when it is ready (zeros when none).
    function record(mapping(address => uint256) storage pending, address from)
        internal
        view
        returns (address to, uint256 readyAt)
    {
        uint256 r = pending[from];
        return (address(uint160(r)), r >> READY_SHIFT);
    }

    /// @dev Checks a recovery of `from` to `to` and records it, ready `delay` seconds from now;
    ///      `from` cannot spend from here on. See {IRewardToken-startRecovery} for the refusals.
    function start(
        mapping(address => uint256[5]) storage accounts,
        mapping(address => uint256) storage pending,
        address from,
        address to,
        uint256 delay
    ) internal returns (uint256 readyAt) {
        if (from == address(0) || to == address(0)) revert IRewardToken.ZeroAddress();
        if (from == to) revert IRewardToken.InvalidRecovery(from, to);
        uint256 s0 = accounts[from][0];
        if (s0 & LotRing.ACCEPTOR_FLAG != 0) revert IRewardToken.AcceptorNotRecoverable(from);
        if (s0 & LotRing.RECOVERY_FLAG != 0) revertPending(pending, from);
        if (s0 == 0) revert IRewardToken.NothingToRecover(from);
        checkTarget(accounts, pending, to);
        readyAt = block.timestamp + delay;
        accounts[from][0] = s0 | LotRing.RECOVERY_FLAG;
        pending[from] = (readyAt << READY_SHIFT) | uint160(to);
        emit IRewardToken.RecoveryStarted(from, to, msg.sender, readyAt);
    }

    /// @dev Forgets the pending recovery of `from` and lets it spend again.
    function cancel(
        mapping(address => uint256[5]) storage accounts,
        mapping(address => uint256) storage pending,
        address from
    ) internal {
        (address to,) = record(pending, from);
        if (to == address(0)) revert IRewardToken.NoRecoveryPending(from);
        delete pending[from];
        accounts[from][0] &= ~LotRing.RECOVERY_FLAG;
        emit IRewardToken.RecoveryCancelled(from, to, msg.sender);
    }

    /// @dev The checks of a completion: the recovery of `from` is pending and ready, and its target
    ///      can still receive it. Deletes the record and returns the target; the caller moves the
    ///      points, and emptying `from` clears its flag.
    function take(
        mapping(address => uint256[5]) storage accounts,
        mapping(address => uint256) storage pending,
        address from
    ) internal returns (address to) {
        uint256 readyAt;
        (to, readyAt) = record(pending, from);
        if (to == address(0)) revert IRewardToken.NoRecoveryPending(from);
        if (block.timestamp < readyAt) revert IRewardToken.RecoveryNotReady(from, readyAt);
        checkTarget(accounts, pending, to);
        delete pending[from];
    }

    /// @dev Reverts unless `to` can receive a recovery: not an acceptor, and no recovery of its own pending.
    function checkTarget(
        mapping(address => uint256[5]) storage accounts,
        mapping(address => uint256) storage pending,
        address to
    ) internal view {
        uint256 t0 = accounts[to][0];
        if (t0 & LotRing.ACCEPTOR_FLAG != 0) revert IRewardToken.AcceptorNotRecoverable(to);
        if (t0 & LotRing.RECOVERY_FLAG != 0) revertPending(pending, to);
    }

    /// @dev Reverts with RecoveryPending, naming the recovery `account` has pending.
    function revertPending(mapping(address => uint256) storage pending, address account) internal view {
        (address to, uint256 readyAt) = record(pending, account);
        revert IRewardToken.RecoveryPending(account, to, readyAt);
    }
}
