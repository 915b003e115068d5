// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRewardToken} from "../interfaces/IRewardToken.sol";
import {LotRing} from "./LotRing.sol";
import {RewardTokenBase} from "./RewardTokenBase.sol";
import {TierClock} from "./TierClock.sol";
import {TierTable} from "./TierTable.sol";
import {WalletRecovery} from "./WalletRecovery.sol";

/// @title RewardTokenExt — the less frequent functions of RewardToken, run by DELEGATECALL
/// @notice Not a token: {RewardToken} deploys one in its constructor and forwards these functions
///         to it (views through a STATICCALL to itself), so they run on the token's storage, with
///         the token's caller as `msg.sender`. Called directly, it only sees its own empty storage.
/// @dev Same storage layout as RewardToken (both are {RewardTokenBase}). A forwarded call costs
///      about 2.7k gas more (the cold DELEGATECALL), a forwarded view about 3.5k more.
contract RewardTokenExt is RewardTokenBase {
    using LotRing for LotRing.Ledger;

    /// @param genesis_ The token's start of epoch 0.
    /// @param epochLength_ The token's epoch length.
    /// @param validityEpochs_ The token's validity.
    constructor(uint256 genesis_, uint256 epochLength_, uint256 validityEpochs_)
        RewardTokenBase("", "", msg.sender, genesis_, epochLength_, validityEpochs_, 0)
    {}

    /// @dev When points of `epoch` expire.
    function _expiryOf(uint256 epoch) private view returns (uint256) {
        return _genesis + (epoch + _validity) * _epochLength;
    }

    /// @notice See {IRewardToken}.
    function lotsOf(address account) external view returns (IRewardToken.Lot[] memory lots) {
        uint256 s0 = _accounts[account][0];
        if (s0 & ACCEPTOR_FLAG != 0) return lots;
        (uint256[] memory epochs, uint256[] memory amounts) = _liveLots(account, s0);
        lots = new IRewardToken.Lot[](epochs.length);
        for (uint256 i; i < epochs.length; ++i) {
            lots[i] = IRewardToken.Lot(epochs[i], amounts[i], _expiryOf(epochs[i]));
        }
    }

    /// @notice See {IRewardToken}.
    function expiringBefore(address account, uint256 timestamp) external view returns (uint256 sum) {
        uint256 s0 = _accounts[account][0];
        if (s0 & ACCEPTOR_FLAG != 0) return 0;
        (uint256[] memory epochs, uint256[] memory amounts) = _liveLots(account, s0);
        for (uint256 i; i < epochs.length; ++i) {
            if (_expiryOf(epochs[i]) <= timestamp) sum += amounts[i];
        }
    }

    /// @notice See {IRewardToken}.
    function qualifyingPoints(address account) external view returns (uint256 current, uint256 last) {
        (uint256 s0,) = _tierState(account);
        return (TierClock.qCur(s0), TierClock.qLast(s0));
    }

    /// @notice See {IRewardToken}.
    function nextTierReview(address) external view returns (uint256 timestamp) {
        uint256 cfg = _config;
        if (cfg & CFG_ROLLING == 0) return 0;
        uint256 period = (cfg >> CFG_PERIOD_SHIFT) & 0xff;
        return _genesis + (_epochNow() / period + 1) * period * _epochLength;
    }

    /// @notice See {IRewardToken}.
    function tierProgress(address account) external view returns (uint8 tier, uint256 toKeep, uint256 toNext) {
        (uint256 s0, uint256 t) = _tierState(account);
        tier = uint8(t);
        bool rolling = _config & CFG_ROLLING != 0;
        uint256 points = rolling ? TierClock.qCur(s0) : LotRing.lifetime(s0);
        (uint256 keep,) = TierTable.thresholdOf(_tierTable, t);
        if (rolling && keep > points) toKeep = keep - points;
        (uint256 next, bool exists) = TierTable.thresholdOf(_tierTable, t + 1);
        if (exists && next > points) toNext = next - points;
    }

    /// @notice See {IRewardToken}.
    function tiers() external view returns (uint256[] memory thresholds, uint256[] memory multipliersBps) {
        return TierTable.decode(_tierTable);
    }

    /// @notice See {IRewardToken}.
    function setTiers(uint256[] calldata thresholds, uint256[] calldata multipliersBps)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        _tierTable = TierTable.encode(thresholds, multipliersBps);
        emit IRewardToken.TiersSet(thresholds, multipliersBps);
    }

    /// @notice See {IRewardToken}.
    function setAcceptor(address account, bool accepted) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (account == address(0)) revert IRewardToken.ZeroAddress();
        uint256 s0 = _accounts[account][0];
        bool isAcc = s0 & ACCEPTOR_FLAG != 0;
        if (isAcc == accepted) {
            emit IRewardToken.AcceptorSet(account, accepted);
            return;
        }
        if (accepted) {
            if (s0 & RECOVERY_FLAG != 0) WalletRecovery.revertPending(_recoveries, account);
            uint256[5] storage acct = _accounts[account];
            LotRing.Ledger memory l = LotRing.open(acct);
            l.sweep(acct, account, _validity, _epochNow());
            if (LotRing.count(l.s[0]) != 0) revert IRewardToken.AccountHoldsPoints(account, _balance(account));
            // An acceptor starts from a clean account (its lifetime earned and tier no longer apply;
            // lots that expired unswept stay counted in their expired epochs).
            _accounts[account][0] = ACCEPTOR_FLAG;
        } else {
            // Anyone can send an acceptor dust, so a balance cannot block its removal: it is burned.
            uint256 bal = s0 & ACCEPTOR_BALANCE_MASK;
            _accounts[account][0] = 0;
            if (bal != 0) {
                _acceptorSupply -= bal;
                emit Transfer(account, address(0), bal);
                emit IRewardToken.AcceptorBalanceBurned(account, bal);
            }
        }
        emit IRewardToken.AcceptorSet(account, accepted);
    }

    /// @notice See {IRewardToken}.
    function completeRecovery(address from) external returns (uint256 amount) {
        if (_config & CFG_PAUSED != 0) revert IRewardToken.EnforcedPause();
        address to = WalletRecovery.take(_accounts, _recoveries, from);
        uint256 cur = _epochNow();
        uint256[5] storage acct = _accounts[from];
        (uint256 s0,) = _rolled(acct[0], cur, _config, _tierTable);
        LotRing.Ledger memory l = LotRing.openWith(s0);
        l.sweep(acct, from, _validity, cur);
        uint256 lifetime = LotRing.lifetime(s0);
        uint256[] memory epochs;
        uint256[] memory amounts;
        (epochs, amounts, amount) = l.drain(acct, _validity);
        l.store(acct);
        if (TierClock.held(s0) != 0) emit IRewardToken.TierChanged(from, uint8(TierClock.held(s0)), 0);
        _mergeLots(to, epochs, amounts, cur, s0);
        emit Transfer(from, to, amount);
        emit IRewardToken.WalletRecovered(from, to, amount, lifetime, epochs, amounts);
    }
}
