// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {RewardTokenBase} from "./RewardTokenBase.sol";
import {RewardTokenCredits} from "./RewardTokenCredits.sol";
import {RewardTokenExt} from "./RewardTokenExt.sol";
import {IRewardToken} from "../interfaces/IRewardToken.sol";
import {EpochCounters} from "./EpochCounters.sol";
import {LotRing} from "./LotRing.sol";
import {TierClock} from "./TierClock.sol";
import {TierTable} from "./TierTable.sol";
import {WalletRecovery} from "./WalletRecovery.sol";

/// @title RewardToken — ServiceCoin loyalty points
/// @notice See {IRewardToken}. Storage and its layout: {RewardTokenBase}.
/// @dev The hot paths (credits, spends, transfers, balances) run here; the rest (lot views, tier
///      views and table, acceptors, recovery completion, pending cancels, migration) in
///      {RewardTokenExt}, deployed by the constructor and reached by DELEGATECALL.
contract RewardToken is IRewardToken, ERC20Permit, AccessControlDefaultAdminRules, RewardTokenCredits {
    using LotRing for LotRing.Ledger;
    using EpochCounters for mapping(uint256 => uint256);

    /// @dev keccak256("Transfer(address,address,uint256)"), the ERC-20 event's topic.
    bytes32 private constant TRANSFER_TOPIC = 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef;
    /// @dev A STATICCALL to itself with this selector runs the rest of the calldata in the extension.
    bytes4 private constant VIEW_HOP = 0xffffffff;
    /// @dev The extension's address.
    address private immutable _ext;

    /// @param name_ Token name (also the EIP-712 domain name for permit).
    /// @param symbol_ Token symbol.
    /// @param admin Receives DEFAULT_ADMIN_ROLE (handed over in two steps, see {AccessControlDefaultAdminRules}).
    /// @param genesis_ Start of epoch 0 in unix seconds; 0 means the deployment block's time.
    /// @param epochLength_ Seconds per epoch, at least one day.
    /// @param validityEpochs_ Epochs a credit stays valid, 1..15.
    /// @param adminDelay Seconds between scheduling an admin handover and the new admin accepting it.
    constructor(
        string memory name_,
        string memory symbol_,
        address admin,
        uint256 genesis_,
        uint256 epochLength_,
        uint256 validityEpochs_,
        uint48 adminDelay
    )
        ERC20(name_, symbol_)
        ERC20Permit(name_)
        AccessControlDefaultAdminRules(adminDelay, admin)
        RewardTokenBase(genesis_, epochLength_, validityEpochs_)
    {
        _ext = address(new RewardTokenExt(genesis_ == 0 ? block.timestamp : genesis_, epochLength_, validityEpochs_));
    }

    // =====================================================================================
    // ERC-20 surface
    // =====================================================================================

    /// @notice Points have two decimals (hundredths of a point).
    function decimals() public pure override returns (uint8) {
        return 2;
    }

    /// @inheritdoc IERC20
    // slither-disable-next-line incorrect-return — with pending credits the extension answers (_forwardView)
    function balanceOf(address account) public view override(ERC20, IERC20) returns (uint256) {
        uint256 s0 = _accounts[account][0];
        if (s0 & ACCEPTOR_FLAG != 0) return s0 & ACCEPTOR_BALANCE_MASK;
        if (s0 >> PCOUNT_SHIFT != 0) _forwardView(); // released pending credits count: the extension adds them
        return _lotBalance(account, s0);
    }

    /// @inheritdoc IERC20
    function totalSupply() public view override(ERC20, IERC20) returns (uint256) {
        uint256 cur = currentEpoch();
        uint256 first = cur + 1 > _validity ? cur + 1 - _validity : 0;
        return _acceptorSupply + _epochBuckets.sum(first, cur) - this.totalPending();
    }

    // =====================================================================================
    // Issuance
    // =====================================================================================

    /// @inheritdoc IRewardToken
    // slither-disable-next-line incorrect-return — a pending credit returns the extension's answer (_forward)
    function issue(address to, uint256 amount, Reason reason, bytes32 ref)
        external
        onlyRole(ISSUER_ROLE)
        returns (uint256 minted)
    {
        uint256 cfg = _config;
        if (_isPending(cfg, reason)) _forward();
        if (cfg & CFG_PAUSED != 0) revert EnforcedPause();
        if (to == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        uint256 cur = currentEpoch();
        bool acceptor;
        (minted, acceptor) = _creditIssued(to, amount, cur, cfg, reason, _tierTable);
        _chargeBudget(msg.sender, minted);
        _issued += minted;
        if (acceptor) _acceptorSupply += minted;
        else _epochBuckets.add(cur, minted);
        emit Transfer(address(0), to, minted);
        emit Issued(to, msg.sender, reason, minted, amount, ref);
    }

    /// @inheritdoc IRewardToken
    // slither-disable-next-line incorrect-return — a pending credit returns the extension's answer (_forward)
    function issueBatch(bytes32 batchId, address[] calldata recipients, uint256[] calldata amounts, Reason reason)
        external
        onlyRole(ISSUER_ROLE)
        returns (uint256 total)
    {
        uint256 cfg = _config;
        if (_isPending(cfg, reason)) _forward();
        if (cfg & CFG_PAUSED != 0) revert EnforcedPause();
        uint256 n = recipients.length;
        if (n != amounts.length) revert LengthMismatch(n, amounts.length);
        if (n == 0) revert EmptyBatch();
        _useBatch(batchId);

        uint256 cur = currentEpoch();
        uint256 toAcceptors;
        if (cur > MAX_EPOCH) revert EpochOverflow(cur); // checked once here for the fast path
        if (_isEligible(cfg, reason)) cfg |= FAST_ELIGIBLE;
        (total, toAcceptors) = _creditBatch(recipients, amounts, cur, cfg | (uint256(uint8(reason)) << CTX_REASON_SHIFT));
        _chargeBudget(msg.sender, total);
        _issued += total;
        if (toAcceptors != 0) _acceptorSupply += toAcceptors;
        if (total != toAcceptors) _epochBuckets.add(cur, total - toAcceptors);
        emit BatchIssued(batchId, msg.sender, reason, n, total);
    }

    /// @dev Marks the caller's `batchId` used in this block, or reverts if it already was.
    function _useBatch(bytes32 batchId) private {
        mapping(bytes32 => uint256) storage used = _batchBlock[msg.sender];
        uint256 usedAt = used[batchId];
        if (usedAt != 0) revert BatchAlreadyUsed(msg.sender, batchId, uint64(usedAt));
        used[batchId] = block.number;
    }

    /// @dev The loop of `issueBatch`: credits every recipient and emits its Transfer. `ctx` is the
    ///      settings word, with {FAST_ELIGIBLE} and the reason at {CTX_REASON_SHIFT}.
    function _creditBatch(
        address[] calldata recipients,
        uint256[] calldata amounts,
        uint256 cur,
        uint256 ctx
    ) private returns (uint256 total, uint256 toAcceptors) {
        uint256 tierTable = _tierTable;
        for (uint256 i; i < recipients.length;) {
            uint256 word;
            uint256 amount;
            assembly ("memory-safe") {
                // In bounds: both arrays have recipients.length entries, checked by the ABI decoder.
                word := calldataload(add(recipients.offset, shl(5, i)))
                amount := calldataload(add(amounts.offset, shl(5, i)))
            }
            // A zero or malformed (more than 160 bits) address.
            if (word == 0 || word >> 160 != 0) revert ZeroAddress();
            address to = address(uint160(word));
            if (amount == 0) revert ZeroAmount();
            uint256 minted;
            if (ctx >> CTX_REASON_SHIFT != uint8(Reason.Refund)) minted = _creditFast(to, amount, cur, ctx, tierTable);
            if (minted == 0) {
                bool acceptor;
                (minted, acceptor) = _creditIssued(to, amount, cur, ctx, Reason(uint8(ctx >> CTX_REASON_SHIFT)), tierTable);
                if (acceptor) toAcceptors += minted;
            }
            assembly ("memory-safe") {
                // emit Transfer(address(0), to, minted), without the encoder.
                mstore(0, minted)
                log3(0, 32, TRANSFER_TOPIC, 0, to)
            }
            unchecked {
                // No overflow: at most 2^48 per credit, fewer than 2^64 credits.
                total += minted;
                ++i;
            }
        }
    }

    /// @inheritdoc IRewardToken
    function batchIssuedAt(address issuer, bytes32 batchId) external view returns (uint256) {
        return uint64(_batchBlock[issuer][batchId]); // a pending batch's record id sits above
    }

    /// @inheritdoc IRewardToken
    function isBatchUsed(address issuer, bytes32 batchId) external view returns (bool) {
        return _batchBlock[issuer][batchId] != 0;
    }

    // =====================================================================================
    // Spending
    // =====================================================================================

    /// @inheritdoc IRewardToken
    function burn(uint256 amount) external {
        _burn(msg.sender, amount);
    }

    /// @inheritdoc IRewardToken
    function burnFrom(address account, uint256 amount) external {
        _spendAllowance(account, msg.sender, amount);
        _burn(account, amount);
    }

    /// @inheritdoc IRewardToken
    function spend(address account, uint256 amount) external onlyRole(SPENDER_ROLE) {
        if (amount == 0) revert ZeroAmount();
        _burn(account, amount);
    }

    /// @dev The single place balances change for transfers and burns (issuance credits directly).
    ///      Points moved between two customers keep the epochs they were earned in, so a transfer
    ///      never extends their expiry; points an acceptor (merchant) gives out start a new lot.
    function _update(address from, address to, uint256 value) internal override {
        uint256 cfg = _config;
        if (cfg & CFG_PAUSED != 0) revert EnforcedPause();
        uint256 cur = currentEpoch();
        // The acceptor flag of `to` (a debit of `from` leaves flags as they are, even when from == to).
        bool toAcceptor = to != address(0) && _accounts[to][0] & ACCEPTOR_FLAG != 0;
        bool fromCustomer;
        uint256[] memory epochs;
        uint256[] memory amounts;
        if (from != address(0)) {
            uint256 fromSlot = _accounts[from][0];
            if (fromSlot & RECOVERY_FLAG != 0) WalletRecovery.revertPending(_recoveries, from);
            // slither-disable-next-line reentrancy-no-eth — _settle runs our own extension's code, no call out
            if (fromSlot >> PCOUNT_SHIFT != 0) fromSlot = _settle(from); // (never an acceptor's)
            fromCustomer = fromSlot & ACCEPTOR_FLAG == 0;
            if (to != address(0) && fromCustomer && cfg & CFG_TRANSFERS_OPEN == 0 && !toAcceptor) {
                revert TransferNotAllowed(from, to);
            }
            if (fromCustomer) {
                (epochs, amounts) = _debit(from, fromSlot, value, cur, to != address(0) && !toAcceptor);
            } else {
                uint256 bal = fromSlot & ACCEPTOR_BALANCE_MASK;
                if (bal < value) revert ERC20InsufficientBalance(from, bal, value);
                _accounts[from][0] = fromSlot - value;
                _acceptorSupply -= value;
            }
        } else {
            _issued += value;
        }
        if (to != address(0)) {
            // A pending credit in slot 0's lot places leaves them before a lot is written there.
            // slither-disable-next-line reentrancy-no-eth — _settle runs our own extension's code, no call out
            if (!toAcceptor && _accounts[to][0] & INLINE_FLAG != 0) _settle(to);
            if (toAcceptor) {
                _creditAcceptor(to, value);
            } else if (fromCustomer) {
                _creditLots(to, epochs, amounts, cur);
            } else {
                _creditPlain(to, value, cur);
                _epochBuckets.add(cur, value);
            }
        }
        emit Transfer(from, to, value);
    }

    // =====================================================================================
    // Budgets
    // =====================================================================================

    /// @inheritdoc IRewardToken
    function setIssuerBudget(address issuer, uint256 allowance) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (issuer == address(0)) revert ZeroAddress();
        if (allowance > type(uint128).max) revert AmountTooLarge(allowance, type(uint128).max);
        uint256 used = _budgets[issuer] >> 128;
        _budgets[issuer] = (used << 128) | allowance;
        emit IssuerBudgetSet(issuer, allowance, used);
    }

    /// @inheritdoc IRewardToken
    function issuerBudget(address issuer) external view returns (uint256 allowance, uint256 used, uint256 remaining) {
        uint256 b = _budgets[issuer];
        allowance = uint128(b);
        used = b >> 128;
        remaining = allowance > used ? allowance - used : 0;
    }

    // =====================================================================================
    // Expiry views
    // =====================================================================================

    /// @inheritdoc IRewardToken
    function genesis() external view returns (uint256) {
        return _genesis;
    }

    /// @inheritdoc IRewardToken
    function epochLength() external view returns (uint256) {
        return _epochLength;
    }

    /// @inheritdoc IRewardToken
    function validityEpochs() external view returns (uint256) {
        return _validity;
    }

    /// @inheritdoc IRewardToken
    function currentEpoch() public view returns (uint256) {
        return (block.timestamp - _genesis) / _epochLength;
    }

    /// @inheritdoc IRewardToken
    function expiryOfEpoch(uint256 epoch) public view returns (uint256) {
        return _genesis + (epoch + _validity) * _epochLength;
    }

    /// @inheritdoc IRewardToken
    function totalIssued() external view returns (uint256) {
        return _issued;
    }

    /// @inheritdoc IRewardToken
    function totalExpired() public view returns (uint256) {
        uint256 cur = currentEpoch();
        if (cur < _validity) return 0;
        return _epochBuckets.sum(0, cur - _validity);
    }

    /// @inheritdoc IRewardToken
    function totalBurned() external view returns (uint256) {
        // issued = supply + pending + expired + burned + cancelled, where supply + pending is what the
        // live epoch counters and the acceptors hold.
        uint256 cur = currentEpoch();
        uint256 first = cur + 1 > _validity ? cur + 1 - _validity : 0;
        return _issued - _acceptorSupply - _epochBuckets.sum(first, cur) - totalExpired() - _cancelled;
    }

    // =====================================================================================
    // Tiers
    // =====================================================================================

    /// @inheritdoc IRewardToken
    function lifetimeEarned(address account) external view returns (uint256) {
        _forwardView(); // (released pending credits vested)
    }

    /// @inheritdoc IRewardToken
    function tierOf(address account) external view returns (uint8) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function tierPolicy() external view returns (uint8 mode, uint256 periodEpochs, bool softLanding) {
        uint256 cfg = _config;
        return (cfg & CFG_ROLLING != 0 ? 1 : 0, (cfg >> CFG_PERIOD_SHIFT) & 0xff, cfg & CFG_SOFT != 0);
    }

    /// @inheritdoc IRewardToken
    function setTierPolicy(uint8 mode, uint256 periodEpochs, bool softLanding) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (mode > 1 || periodEpochs == 0 || periodEpochs > MAX_TIER_PERIOD_EPOCHS) {
            revert InvalidTierPolicy(mode, periodEpochs);
        }
        uint256 policy = (periodEpochs << CFG_PERIOD_SHIFT) | (mode == 1 ? CFG_ROLLING : 0) | (softLanding ? CFG_SOFT : 0);
        _config = (_config & ~CFG_TIER_POLICY) | policy;
        emit TierPolicySet(mode, periodEpochs, softLanding);
    }

    /// @inheritdoc IRewardToken
    function tierEligibleReasons() external view returns (uint8) {
        return uint8(_config >> CFG_MASK_SHIFT);
    }

    /// @inheritdoc IRewardToken
    function setTierEligibleReasons(uint8 mask) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (mask & REFUND_BIT != 0) revert InvalidReason(uint8(Reason.Refund));
        _config = (_config & ~(uint256(0xff) << CFG_MASK_SHIFT)) | (uint256(mask) << CFG_MASK_SHIFT);
        emit TierEligibleReasonsSet(mask);
    }

    // =====================================================================================
    // Transfer policy, acceptors, pause
    // =====================================================================================

    /// @inheritdoc IRewardToken
    function transfersOpen() external view returns (bool) {
        return _config & CFG_TRANSFERS_OPEN != 0;
    }

    /// @inheritdoc IRewardToken
    function setTransfersOpen(bool open) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _config = open ? _config | CFG_TRANSFERS_OPEN : _config & ~CFG_TRANSFERS_OPEN;
        emit TransfersOpenSet(open);
    }

    /// @inheritdoc IRewardToken
    function isAcceptor(address account) external view returns (bool) {
        return _accounts[account][0] & ACCEPTOR_FLAG != 0;
    }

    /// @inheritdoc IRewardToken
    function paused() external view returns (bool) {
        return _config & CFG_PAUSED != 0;
    }

    /// @inheritdoc IRewardToken
    function pause() external onlyRole(PAUSER_ROLE) {
        if (_config & CFG_PAUSED != 0) revert EnforcedPause();
        _config |= CFG_PAUSED;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IRewardToken
    function unpause() external onlyRole(PAUSER_ROLE) {
        if (_config & CFG_PAUSED == 0) revert ExpectedPause();
        _config &= ~CFG_PAUSED;
        emit Unpaused(msg.sender);
    }

    // =====================================================================================
    // Wallet recovery (record and rules in {WalletRecovery})
    // =====================================================================================

    /// @inheritdoc IRewardToken
    function startRecovery(address from, address to) external returns (uint256) {
        _forward();
    }

    /// @inheritdoc IRewardToken
    function cancelRecovery(address from) external {
        _forward();
    }

    /// @inheritdoc IRewardToken
    function recoveryOf(address from) external view returns (address to, uint256 readyAt) {
        return WalletRecovery.record(_recoveries, from);
    }

    /// @inheritdoc IRewardToken
    function recoveryDelay() external view returns (uint256) {
        return (_config >> CFG_DELAY_SHIFT) & CFG_DELAY_MASK;
    }

    /// @inheritdoc IRewardToken
    function setRecoveryDelay(uint256 delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (delay > MAX_RECOVERY_DELAY) revert RecoveryDelayTooLong(delay, MAX_RECOVERY_DELAY);
        _config = (_config & ~(CFG_DELAY_MASK << CFG_DELAY_SHIFT)) | (delay << CFG_DELAY_SHIFT);
        emit RecoveryDelaySet(delay);
    }

    // =====================================================================================
    // Lots: credit, debit (storage codec and sweep in {LotRing})
    // =====================================================================================

    /// @dev Credits an issued amount (tier multiplier, lifetime, qualification) to `to`; returns what
    ///      was minted and whether `to` is an acceptor. The caller updates supply counters and emits
    ///      events.
    function _creditIssued(address to, uint256 amount, uint256 cur, uint256 cfg, Reason reason, uint256 t)
        private
        returns (uint256 minted, bool acceptor)
    {
        uint256[5] storage acct = _accounts[to];
        uint256 s0 = acct[0];
        if (s0 & ACCEPTOR_FLAG != 0) {
            _creditAcceptorSlot(acct, s0, amount);
            return (amount, true);
        }
        // Released pending credits vest first: they may lift the tier whose multiplier applies.
        // slither-disable-next-line reentrancy-no-eth — _settle runs our own extension's code, no call out
        if (s0 >> PCOUNT_SHIFT != 0) s0 = _settle(to);
        if (reason != Reason.Refund && cur <= MAX_EPOCH) {
            minted = _creditFast(to, amount, cur, _isEligible(cfg, reason) ? cfg | FAST_ELIGIBLE : cfg, t);
            if (minted != 0) return (minted, false);
        }
        (s0, minted) = _qualify(to, s0, amount, cur, cfg, reason, t);
        _placeLot(acct, to, s0, minted, cur);
    }

    /// @dev Adds `value` to an acceptor's plain (non-expiring) balance.
    function _creditAcceptor(address to, uint256 value) private {
        uint256[5] storage acct = _accounts[to];
        _creditAcceptorSlot(acct, acct[0], value);
        _acceptorSupply += value;
    }

    /// @dev Credits points a customer receives from an acceptor as a new lot in the current epoch
    ///      (no lifetime, no multiplier). The caller updates the epoch counter.
    function _creditPlain(address to, uint256 value, uint256 cur) private {
        if (value == 0) return;
        if (value > MAX_LOT_AMOUNT) revert AmountTooLarge(value, MAX_LOT_AMOUNT);
        if (cur > MAX_EPOCH) revert EpochOverflow(cur);
        uint256[5] storage acct = _accounts[to];
        LotRing.Ledger memory l = LotRing.open(acct);
        _addToNewestLot(l, acct, to, value, cur);
        l.store(acct);
    }

    /// @dev Credits lots taken from another customer, keeping their epochs; the epoch counters get
    ///      the points back.
    function _creditLots(address to, uint256[] memory epochs, uint256[] memory amounts, uint256 cur) private {
        uint256 n = epochs.length;
        if (n == 0) return;
        for (uint256 j; j < n; ++j) {
            _epochBuckets.add(epochs[j], amounts[j]);
        }
        _mergeLots(to, epochs, amounts, cur, 0);
    }

    // =====================================================================================
    // Forwarded to {RewardTokenExt}
    // =====================================================================================

    /// @inheritdoc IRewardToken
    function lotsOf(address account) external view returns (Lot[] memory) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function expiringBefore(address account, uint256 timestamp) external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function qualifyingPoints(address account) external view returns (uint256, uint256) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function nextTierReview(address account) external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function tierProgress(address account) external view returns (uint8, uint256, uint256) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function tiers() external view returns (uint256[] memory, uint256[] memory) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function setTiers(uint256[] calldata thresholds, uint256[] calldata multipliersBps) external {
        _forward();
    }

    /// @inheritdoc IRewardToken
    function setAcceptor(address account, bool accepted) external {
        _forward();
    }

    /// @inheritdoc IRewardToken
    function completeRecovery(address from) external returns (uint256) {
        _forward();
    }

    /// @inheritdoc IRewardToken
    function pendingPolicy() external view returns (uint8, uint256) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function setPendingPolicy(uint8 reasonMask, uint256 window) external {
        _forward();
    }

    /// @inheritdoc IRewardToken
    function pendingOf(address account) external view returns (uint256[] memory, uint256[] memory) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function cancelPending(bytes32 key, address recipient) external returns (uint256) {
        _forward();
    }

    /// @inheritdoc IRewardToken
    function totalPending() external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function totalCancelled() external view returns (uint256) {
        return _cancelled;
    }

    /// @inheritdoc IRewardToken
    function migrateAccounts(bytes calldata packed) external {
        _forward();
    }

    /// @inheritdoc IRewardToken
    function finishMigration() external {
        _forward();
    }

    /// @inheritdoc IRewardToken
    function migrationOpen() external view returns (bool) {
        return _config & CFG_MIGRATION_CLOSED == 0;
    }

    /// @inheritdoc IRewardToken
    function totalMigrated() external view returns (uint256) {
        return _migrated;
    }

    /// @dev Settles the released pending entries of `account` into its lots (in the extension);
    ///      returns its slot 0 afterwards.
    function _settle(address account) private returns (uint256) {
        // slither-disable-next-line controlled-delegatecall — our immutable extension, one fixed function
        (bool ok, bytes memory out) = _ext.delegatecall(abi.encodeCall(RewardTokenExt.settle, (account)));
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(out, 32), mload(out))
            }
        }
        return abi.decode(out, (uint256));
    }

    /// @dev Runs this call's calldata in the extension (DELEGATECALL) and returns or reverts with its result.
    function _forward() private {
        address ext = _ext;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), ext, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// @dev The view form of {_forward}: a view cannot DELEGATECALL, so it STATICCALLs this contract
    ///      with {VIEW_HOP} before the calldata, and the fallback forwards the rest (nothing can write).
    function _forwardView() private view {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, VIEW_HOP)
            calldatacopy(add(p, 4), 0, calldatasize())
            let ok := staticcall(gas(), address(), p, add(calldatasize(), 4), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// @notice Only the token itself calls it (see {_forwardView}); anything else reverts.
    fallback() external {
        if (msg.sender != address(this) || msg.sig != VIEW_HOP) revert InvalidReason(0xff);
        address ext = _ext;
        assembly ("memory-safe") {
            calldatacopy(0, 4, sub(calldatasize(), 4))
            let ok := delegatecall(gas(), ext, 0, sub(calldatasize(), 4), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    // =====================================================================================
    // Interfaces
    // =====================================================================================

    /// @inheritdoc AccessControlDefaultAdminRules
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IRewardToken).interfaceId || interfaceId == type(IERC20).interfaceId
            || super.supportsInterface(interfaceId);
    }
}
