// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {RewardTokenBase} from "./RewardTokenBase.sol";
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
contract RewardToken is IRewardToken, RewardTokenBase {
    using LotRing for LotRing.Ledger;
    using EpochCounters for mapping(uint256 => uint256);

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
    ) RewardTokenBase(name_, symbol_, admin, genesis_, epochLength_, validityEpochs_, adminDelay) {
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
    function balanceOf(address account) public view override(ERC20, IERC20) returns (uint256) {
        uint256 s0 = _accounts[account][0];
        if (s0 & ACCEPTOR_FLAG != 0) return s0 & ACCEPTOR_BALANCE_MASK;
        return _balance(account);
    }

    /// @inheritdoc IERC20
    function totalSupply() public view override(ERC20, IERC20) returns (uint256) {
        uint256 cur = currentEpoch();
        uint256 first = cur + 1 > _validity ? cur + 1 - _validity : 0;
        return _acceptorSupply + _epochBuckets.sum(first, cur);
    }

    // =====================================================================================
    // Issuance
    // =====================================================================================

    /// @inheritdoc IRewardToken
    function issue(address to, uint256 amount, Reason reason, bytes32 ref)
        external
        onlyRole(ISSUER_ROLE)
        returns (uint256 minted)
    {
        uint256 cfg = _config;
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
    function issueBatch(bytes32 batchId, address[] calldata recipients, uint256[] calldata amounts, Reason reason)
        external
        onlyRole(ISSUER_ROLE)
        returns (uint256 total)
    {
        uint256 cfg = _config;
        if (cfg & CFG_PAUSED != 0) revert EnforcedPause();
        uint256 n = recipients.length;
        if (n != amounts.length) revert LengthMismatch(n, amounts.length);
        if (n == 0) revert EmptyBatch();
        _useBatch(batchId);

        uint256 cur = currentEpoch();
        uint256 toAcceptors;
        (total, toAcceptors) = _creditBatch(recipients, amounts, cur, cfg, reason);
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
        if (usedAt != 0) revert BatchAlreadyUsed(msg.sender, batchId, usedAt);
        used[batchId] = block.number;
    }

    /// @dev The loop of `issueBatch`: credits every recipient and emits its Transfer.
    function _creditBatch(
        address[] calldata recipients,
        uint256[] calldata amounts,
        uint256 cur,
        uint256 cfg,
        Reason reason
    ) private returns (uint256 total, uint256 toAcceptors) {
        uint256 tierTable = _tierTable;
        uint256 n = recipients.length;
        for (uint256 i; i < n; ++i) {
            address to = recipients[i];
            uint256 amount = amounts[i];
            if (to == address(0)) revert ZeroAddress();
            if (amount == 0) revert ZeroAmount();
            (uint256 minted, bool acceptor) = _creditIssued(to, amount, cur, cfg, reason, tierTable);
            total += minted;
            if (acceptor) toAcceptors += minted;
            emit Transfer(address(0), to, minted);
        }
    }

    /// @inheritdoc IRewardToken
    function batchIssuedAt(address issuer, bytes32 batchId) external view returns (uint256) {
        return _batchBlock[issuer][batchId];
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
        bool fromCustomer;
        uint256[] memory epochs;
        uint256[] memory amounts;
        if (from != address(0)) {
            uint256 fromSlot = _accounts[from][0];
            if (fromSlot & RECOVERY_FLAG != 0) WalletRecovery.revertPending(_recoveries, from);
            fromCustomer = fromSlot & ACCEPTOR_FLAG == 0;
            if (to != address(0) && fromCustomer && cfg & CFG_TRANSFERS_OPEN == 0) {
                if (_accounts[to][0] & ACCEPTOR_FLAG == 0) revert TransferNotAllowed(from, to);
            }
            if (fromCustomer) {
                bool toCustomer = to != address(0) && _accounts[to][0] & ACCEPTOR_FLAG == 0;
                if (toCustomer || !_debitSlotZero(from, fromSlot, value, cur)) {
                    (epochs, amounts) = _debitLots(from, value, cur);
                }
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
            if (_accounts[to][0] & ACCEPTOR_FLAG != 0) {
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

    function _chargeBudget(address issuer, uint256 amount) private {
        uint256 b = _budgets[issuer];
        uint256 allowance = uint128(b);
        uint256 used = b >> 128;
        uint256 remaining = allowance > used ? allowance - used : 0;
        if (amount > remaining) revert OverBudget(issuer, remaining, amount);
        _budgets[issuer] = ((used + amount) << 128) | allowance;
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
        return _issued - totalSupply() - totalExpired();
    }

    // =====================================================================================
    // Tiers
    // =====================================================================================

    /// @inheritdoc IRewardToken
    function lifetimeEarned(address account) external view returns (uint256) {
        uint256 s0 = _accounts[account][0];
        if (s0 & ACCEPTOR_FLAG != 0) return 0;
        return LotRing.lifetime(s0);
    }

    /// @inheritdoc IRewardToken
    function tierOf(address account) external view returns (uint8) {
        (, uint256 tier) = _tierState(account);
        return uint8(tier);
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
    function startRecovery(address from, address to) external onlyRole(RECOVERY_ROLE) returns (uint256 readyAt) {
        uint256 cfg = _config;
        if (cfg & CFG_PAUSED != 0) revert EnforcedPause();
        return WalletRecovery.start(_accounts, _recoveries, from, to, (cfg >> CFG_DELAY_SHIFT) & CFG_DELAY_MASK);
    }

    /// @inheritdoc IRewardToken
    function cancelRecovery(address from) external {
        if (msg.sender != from) _checkRole(RECOVERY_ROLE);
        WalletRecovery.cancel(_accounts, _recoveries, from);
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
            if (amount > ACCEPTOR_BALANCE_MASK - (s0 & ACCEPTOR_BALANCE_MASK)) {
                revert AmountTooLarge(amount, ACCEPTOR_BALANCE_MASK - (s0 & ACCEPTOR_BALANCE_MASK));
            }
            acct[0] = s0 + amount;
            return (amount, true);
        }
        (s0, minted) = _qualify(to, s0, amount, cur, cfg, reason, t);
        _placeLot(acct, to, s0, minted, cur);
    }

    /// @dev The tier part of a credit: rolls `s0` to epoch `cur`, applies the multiplier of the tier
    ///      held, counts the minted amount in lifetime and qualification (not for refunds) and reports
    ///      the tier. Returns the new slot 0 (not stored) and the amount minted.
    function _qualify(address to, uint256 s0, uint256 amount, uint256 cur, uint256 cfg, Reason reason, uint256 t)
        private
        returns (uint256, uint256 minted)
    {
        uint256 tier;
        (s0, tier) = _rolled(s0, cur, cfg, t);
        minted = amount;
        if (_isEligible(cfg, reason)) {
            uint256 multiplier = TierTable.multiplierOf(t, tier);
            if (multiplier != TierTable.BPS) minted = (amount * multiplier) / TierTable.BPS;
        }
        if (minted > MAX_LOT_AMOUNT || minted == 0) revert AmountTooLarge(minted, MAX_LOT_AMOUNT);
        if (cur > MAX_EPOCH) revert EpochOverflow(cur);
        if (reason != Reason.Refund) {
            s0 = TierClock.withFields(
                LotRing.addLifetime(s0, minted),
                TierClock.addSat(TierClock.qCur(s0), minted),
                TierClock.qLast(s0),
                cur,
                TierClock.floorOf(s0)
            );
        }
        return (_report(to, s0, cfg, t), minted);
    }

    /// @dev Adds a lot of `minted` points of epoch `cur` to the ring of `to`, whose slot 0 becomes `s0`
    ///      (header changes included). Most credits stay in slot 0 (a new holder, a lot of this epoch,
    ///      a second lot) and work on that one word; the rest go through the ledger.
    function _placeLot(uint256[5] storage acct, address to, uint256 s0, uint256 minted, uint256 cur) private {
        uint256 lot = LotRing.pack(cur, minted);
        uint256 count = LotRing.count(s0);
        if (count == 0) {
            // New holder, or an empty ring: one lot at ring place 0.
            acct[0] = LotRing.firstLot(lot, LotRing.withRing(s0, 0, 0) & ~LotRing.LOT_MASK);
            return;
        }
        uint256 head = LotRing.head(s0);
        uint256 tail = (head + count - 1) % _validity;
        if (head < 2 && tail < 2 && LotRing.epochOf((s0 >> (64 * head)) & LotRing.LOT_MASK) + _validity > cur) {
            // The oldest and the newest lot sit in slot 0, and none expired.
            uint256 last = (s0 >> (64 * tail)) & LotRing.LOT_MASK;
            if (LotRing.epochOf(last) == cur) {
                if (LotRing.amountOf(last) + minted > MAX_LOT_AMOUNT) {
                    revert AmountTooLarge(LotRing.amountOf(last) + minted, MAX_LOT_AMOUNT);
                }
                acct[0] = s0 + (minted << (64 * tail));
                return;
            }
            if (count == 1 && head == 0 && _validity > 1) {
                // The second lot, at ring place 1.
                acct[0] = LotRing.withRing((s0 & ~(LotRing.LOT_MASK << 64)) | (lot << 64), 0, 2);
                return;
            }
        }
        LotRing.Ledger memory l = LotRing.openWith(s0);
        l.dirty = 1;
        _addToNewestLot(l, acct, to, minted, cur);
        l.store(acct);
    }

    /// @dev Adds `value` to an acceptor's plain (non-expiring) balance.
    function _creditAcceptor(address to, uint256 value) private {
        uint256 s0 = _accounts[to][0];
        uint256 room = ACCEPTOR_BALANCE_MASK - (s0 & ACCEPTOR_BALANCE_MASK);
        if (value > room) revert AmountTooLarge(value, room);
        _accounts[to][0] = s0 + value;
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

    /// @dev Fast path of a debit (burn, spend, payment to an acceptor) when every lot sits in slot 0
    ///      (at most two): works on the one word without the memory ledger (about 4.9k gas less per
    ///      spend). A spent lot is left in its place, outside the ring. Returns false (having changed nothing) when the lots wrap into other slots.
    function _debitSlotZero(address account, uint256 s0, uint256 amount, uint256 cur) private returns (bool) {
        uint256 head = LotRing.head(s0);
        uint256 count = LotRing.count(s0);
        if (head + count > (_validity < 2 ? _validity : 2)) return false;
        uint256 remaining = amount;
        uint256 bucketIndex = EpochCounters.NONE;
        uint256 bucket;
        uint256 expired; // amount (64 bits) | last epoch << 64 | first epoch << 80
        while (count != 0) {
            uint256 shift = 64 * head;
            uint256 lot = (s0 >> shift) & LotRing.LOT_MASK;
            uint256 epoch = LotRing.epochOf(lot);
            uint256 lotAmount = LotRing.amountOf(lot);
            if (epoch + _validity <= cur) {
                if (expired == 0) expired = epoch << 80;
                expired = ((expired + lotAmount) & ~(uint256(0xffff) << 64)) | (epoch << 64);
            } else {
                if (remaining == 0) break;
                uint256 take = lotAmount < remaining ? lotAmount : remaining;
                remaining -= take;
                if (epoch >> 2 != bucketIndex) {
                    _epochBuckets.flush(bucketIndex, bucket);
                    bucketIndex = epoch >> 2;
                    bucket = _epochBuckets[bucketIndex];
                }
                bucket -= take << (64 * (epoch & 3));
                if (take != lotAmount) {
                    s0 -= take << shift;
                    break;
                }
            }
            ++head;
            --count;
        }
        if (remaining != 0) revert ERC20InsufficientBalance(account, amount - remaining, amount);
        if (expired != 0) emit PointsExpired(account, uint64(expired), uint16(expired >> 80), uint16(expired >> 64));
        _epochBuckets.flush(bucketIndex, bucket);
        _accounts[account][0] = LotRing.withRing(s0, head, count);
        return true;
    }

    /// @dev Takes `amount` from the customer's oldest live lots and from the epoch counters;
    ///      returns what was taken from each epoch, oldest first.
    function _debitLots(address account, uint256 amount, uint256 cur)
        private
        returns (uint256[] memory epochs, uint256[] memory amounts)
    {
        uint256[5] storage acct = _accounts[account];
        LotRing.Ledger memory l = LotRing.open(acct);
        l.sweep(acct, account, _validity, cur);
        uint256 s0 = l.s[0];
        uint256 head = LotRing.head(s0);
        uint256 count = LotRing.count(s0);
        uint256 remaining = amount;
        uint256 bucketIndex = EpochCounters.NONE;
        uint256 bucket;
        epochs = new uint256[](count);
        amounts = new uint256[](count);
        uint256 taken;
        while (remaining != 0 && count != 0) {
            uint256 lot = l.get(acct, head);
            uint256 epoch = LotRing.epochOf(lot);
            uint256 lotAmount = LotRing.amountOf(lot);
            uint256 take = lotAmount < remaining ? lotAmount : remaining;
            remaining -= take;
            epochs[taken] = epoch;
            amounts[taken] = take;
            ++taken;
            if (epoch >> 2 != bucketIndex) {
                _epochBuckets.flush(bucketIndex, bucket);
                bucketIndex = epoch >> 2;
                bucket = _epochBuckets[bucketIndex];
            }
            bucket -= take << (64 * (epoch & 3));
            if (take == lotAmount) {
                if (ZERO_SPENT_LOTS) l.set(acct, head, 0);
                head = (head + 1) % _validity;
                --count;
            } else {
                l.set(acct, head, LotRing.pack(epoch, lotAmount - take));
            }
        }
        if (remaining != 0) revert ERC20InsufficientBalance(account, amount - remaining, amount);
        _epochBuckets.flush(bucketIndex, bucket);
        l.setRing(head, count);
        l.store(acct);
        // Shrink both arrays to the `taken` entries filled (taken <= their allocated length).
        assembly ("memory-safe") {
            mstore(epochs, taken)
            mstore(amounts, taken)
        }
    }

    // =====================================================================================
    // Forwarded to {RewardTokenExt}
    // =====================================================================================

    /// @inheritdoc IRewardToken
    function lotsOf(address) external view returns (Lot[] memory) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function expiringBefore(address, uint256) external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function qualifyingPoints(address) external view returns (uint256, uint256) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function nextTierReview(address) external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function tierProgress(address) external view returns (uint8, uint256, uint256) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function tiers() external view returns (uint256[] memory, uint256[] memory) {
        _forwardView();
    }

    /// @inheritdoc IRewardToken
    function setTiers(uint256[] calldata, uint256[] calldata) external {
        _forward();
    }

    /// @inheritdoc IRewardToken
    function setAcceptor(address, bool) external {
        _forward();
    }

    /// @inheritdoc IRewardToken
    function completeRecovery(address) external returns (uint256) {
        _forward();
    }

    // STUBS (pending, migration) — replaced below
    function pendingPolicy() external view returns (uint8, uint256) {}
    function setPendingPolicy(uint8, uint256) external {}
    function pendingOf(address) external view returns (uint256[] memory, uint256[] memory) {}
    function cancelPending(bytes32, address) external returns (uint256) {}
    function totalPending() external view returns (uint256) {}
    function totalCancelled() external view returns (uint256) {}
    function migrateAccounts(bytes calldata) external {}
    function finishMigration() external {}
    function migrationOpen() external view returns (bool) {}
    function totalMigrated() external view returns (uint256) {}

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
