// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IRewardToken} from "../interfaces/IRewardToken.sol";
import {EpochCounters} from "./EpochCounters.sol";
import {LotRing} from "./LotRing.sol";
import {TierTable} from "./TierTable.sol";
import {WalletRecovery} from "./WalletRecovery.sol";

/// @title RewardToken — ServiceCoin loyalty points
/// @notice See {IRewardToken}. Storage is packed so that a new holder costs one fresh slot.
/// @dev Account storage, `_accounts[a]` (four slots), is laid out in {LotRing}: a customer's lots
///      form a ring of `validityEpochs` places, oldest at `head`; credits in the newest epoch merge
///      into the newest lot. An acceptor's slot 0 is a plain balance under the acceptor flag.
///      Because every live lot belongs to one of the last `validityEpochs` epochs, the ring never
///      overflows once expired lots are swept, and every spend touches at most that many lots.
///      `_epochBuckets` holds the live (unspent) total of each epoch, laid out in {EpochCounters}.
///      `_recoveries` holds pending wallet recoveries, laid out in {WalletRecovery}.
contract RewardToken is IRewardToken, ERC20Permit, AccessControlDefaultAdminRules {
    using LotRing for LotRing.Ledger;
    using EpochCounters for mapping(uint256 => uint256);

    /// @notice May credit points, within its budget.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice May pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice May burn customers' points for redemptions (the redemption vault).
    bytes32 public constant SPENDER_ROLE = keccak256("SPENDER_ROLE");
    /// @notice May start (and cancel) moving a lost wallet's points to a new address.
    bytes32 public constant RECOVERY_ROLE = keccak256("RECOVERY_ROLE");

    /// @notice Most epochs a credit can stay valid (the lot ring has 15 places).
    uint256 public constant MAX_VALIDITY_EPOCHS = 15;
    /// @notice Largest amount one lot can hold (48 bits of hundredths of a point).
    uint256 public constant MAX_LOT_AMOUNT = (1 << 48) - 1;
    /// @notice Shortest epoch allowed, so that 16-bit epoch numbers last 179 years.
    uint256 public constant MIN_EPOCH_LENGTH = 1 days;
    /// @notice Longest recovery delay the admin can set.
    uint256 public constant MAX_RECOVERY_DELAY = 365 days;

    uint256 private constant AMOUNT_MASK = (1 << 48) - 1; // lifetime earned
    uint256 private constant MAX_EPOCH = (1 << 16) - 1;
    uint256 private constant ACCEPTOR_FLAG = LotRing.ACCEPTOR_FLAG;
    uint256 private constant RECOVERY_FLAG = LotRing.RECOVERY_FLAG;
    uint256 private constant ACCEPTOR_BALANCE_MASK = (1 << 248) - 1;

    uint256 private constant CFG_PAUSED = 1;
    uint256 private constant CFG_TRANSFERS_OPEN = 2;
    uint256 private constant CFG_MASK_SHIFT = 8;
    uint256 private constant CFG_DELAY_SHIFT = 16;
    uint256 private constant CFG_DELAY_MASK = (1 << 48) - 1;
    uint256 private constant DEFAULT_RECOVERY_DELAY = 7 days;
    uint8 private constant REFUND_BIT = uint8(1) << uint8(Reason.Refund);

    uint256 private immutable _genesis;
    uint256 private immutable _epochLength;
    uint256 private immutable _validity;

    mapping(address account => uint256[4]) private _accounts;
    mapping(uint256 bucketIndex => uint256) private _epochBuckets;
    mapping(address issuer => uint256) private _budgets; // allowance (low 128) | used (high 128)
    mapping(address issuer => mapping(bytes32 batchId => uint256)) private _batchBlock; // block it was used in
    uint256 private _acceptorSupply;
    uint256 private _issued;
    uint256 private _tierTable; // laid out in {TierTable}
    uint256 private _config; // paused | transfersOpen | tier-eligible reason mask << 8 | recovery delay << 16
    mapping(address from => uint256) private _recoveries; // laid out in {WalletRecovery}

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
    ) ERC20(name_, symbol_) ERC20Permit(name_) AccessControlDefaultAdminRules(adminDelay, admin) {
        if (epochLength_ < MIN_EPOCH_LENGTH || validityEpochs_ == 0 || validityEpochs_ > MAX_VALIDITY_EPOCHS) {
            revert InvalidEpochConfig(epochLength_, validityEpochs_);
        }
        uint256 start = genesis_ == 0 ? block.timestamp : genesis_;
        if (start > block.timestamp) revert InvalidEpochConfig(epochLength_, validityEpochs_);
        _genesis = start;
        _epochLength = epochLength_;
        _validity = validityEpochs_;
        _tierTable = TierTable.BASE;
        uint8 mask = uint8(
            (1 << uint8(Reason.Purchase)) | (1 << uint8(Reason.Survey)) | (1 << uint8(Reason.Referral))
                | (1 << uint8(Reason.Social)) | (1 << uint8(Reason.Campaign))
        );
        _config = (uint256(mask) << CFG_MASK_SHIFT) | (DEFAULT_RECOVERY_DELAY << CFG_DELAY_SHIFT);
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
        (uint256[] memory epochs, uint256[] memory amounts) = _liveLots(account, s0);
        uint256 sum;
        for (uint256 i; i < epochs.length; ++i) {
            sum += amounts[i];
        }
        return sum;
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
        uint256 tierTable = _tierTable;
        bool eligible = _isEligible(cfg, reason);
        bool acceptor;
        (minted, acceptor) = _creditIssued(to, amount, cur, eligible, reason != Reason.Refund, tierTable);
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
        (total, toAcceptors) = _creditBatch(recipients, amounts, cur, _isEligible(cfg, reason), reason != Reason.Refund);
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
        bool eligible,
        bool countLifetime
    ) private returns (uint256 total, uint256 toAcceptors) {
        uint256 tierTable = _tierTable;
        uint256 n = recipients.length;
        for (uint256 i; i < n; ++i) {
            address to = recipients[i];
            uint256 amount = amounts[i];
            if (to == address(0)) revert ZeroAddress();
            if (amount == 0) revert ZeroAmount();
            (uint256 minted, bool acceptor) = _creditIssued(to, amount, cur, eligible, countLifetime, tierTable);
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
    function lotsOf(address account) external view returns (Lot[] memory lots) {
        uint256 s0 = _accounts[account][0];
        if (s0 & ACCEPTOR_FLAG != 0) return lots;
        (uint256[] memory epochs, uint256[] memory amounts) = _liveLots(account, s0);
        lots = new Lot[](epochs.length);
        for (uint256 i; i < epochs.length; ++i) {
            lots[i] = Lot(epochs[i], amounts[i], expiryOfEpoch(epochs[i]));
        }
    }

    /// @inheritdoc IRewardToken
    function expiringBefore(address account, uint256 timestamp) external view returns (uint256 sum) {
        uint256 s0 = _accounts[account][0];
        if (s0 & ACCEPTOR_FLAG != 0) return 0;
        (uint256[] memory epochs, uint256[] memory amounts) = _liveLots(account, s0);
        for (uint256 i; i < epochs.length; ++i) {
            if (expiryOfEpoch(epochs[i]) <= timestamp) sum += amounts[i];
        }
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
        uint256 s0 = _accounts[account][0];
        if (s0 & ACCEPTOR_FLAG != 0) return 0;
        return uint8(TierTable.tierFor(_tierTable, LotRing.lifetime(s0)));
    }

    /// @inheritdoc IRewardToken
    function tiers() external view returns (uint256[] memory thresholds, uint256[] memory multipliersBps) {
        return TierTable.decode(_tierTable);
    }

    /// @inheritdoc IRewardToken
    function setTiers(uint256[] calldata thresholds, uint256[] calldata multipliersBps)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        _tierTable = TierTable.encode(thresholds, multipliersBps);
        emit TiersSet(thresholds, multipliersBps);
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

    function _isEligible(uint256 cfg, Reason reason) private pure returns (bool) {
        return (cfg >> (CFG_MASK_SHIFT + uint8(reason))) & 1 == 1;
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
    function setAcceptor(address account, bool accepted) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (account == address(0)) revert ZeroAddress();
        uint256 s0 = _accounts[account][0];
        bool isAcc = s0 & ACCEPTOR_FLAG != 0;
        if (isAcc == accepted) {
            emit AcceptorSet(account, accepted);
            return;
        }
        if (accepted) {
            if (s0 & RECOVERY_FLAG != 0) WalletRecovery.revertPending(_recoveries, account);
            uint256[4] storage acct = _accounts[account];
            LotRing.Ledger memory l = LotRing.open(acct);
            l.sweep(acct, account, _validity, currentEpoch());
            uint256 live = LotRing.count(l.s[0]);
            if (live != 0) revert AccountHoldsPoints(account, balanceOf(account));
            // An acceptor starts from a clean account (its lifetime earned no longer applies).
            for (uint256 i; i < 4; ++i) {
                _accounts[account][i] = 0;
            }
            _accounts[account][0] = ACCEPTOR_FLAG;
        } else {
            // Anyone can send an acceptor dust, so a balance cannot block its removal: it is burned.
            uint256 bal = s0 & ACCEPTOR_BALANCE_MASK;
            _accounts[account][0] = 0;
            if (bal != 0) {
                _acceptorSupply -= bal;
                emit Transfer(account, address(0), bal);
                emit AcceptorBalanceBurned(account, bal);
            }
        }
        emit AcceptorSet(account, accepted);
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
    function completeRecovery(address from) external returns (uint256 amount) {
        if (_config & CFG_PAUSED != 0) revert EnforcedPause();
        address to = WalletRecovery.take(_accounts, _recoveries, from);
        uint256 cur = currentEpoch();
        uint256[4] storage acct = _accounts[from];
        LotRing.Ledger memory l = LotRing.open(acct);
        l.sweep(acct, from, _validity, cur);
        uint256 lifetime = LotRing.lifetime(l.s[0]);
        uint256[] memory epochs;
        uint256[] memory amounts;
        (epochs, amounts, amount) = l.drain(acct, _validity);
        l.store(acct);
        _mergeLots(to, epochs, amounts, cur, lifetime);
        emit Transfer(from, to, amount);
        emit WalletRecovered(from, to, amount, lifetime, epochs, amounts);
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

    /// @dev Credits an issued amount (tier multiplier, lifetime) to `to`; returns what was minted
    ///      and whether `to` is an acceptor. The caller updates supply counters and emits events.
    function _creditIssued(
        address to,
        uint256 amount,
        uint256 cur,
        bool eligible,
        bool countLifetime,
        uint256 tierTable
    ) private returns (uint256 minted, bool acceptor) {
        uint256[4] storage acct = _accounts[to];
        uint256 s0 = acct[0];
        if (s0 & ACCEPTOR_FLAG != 0) {
            if (amount > ACCEPTOR_BALANCE_MASK - (s0 & ACCEPTOR_BALANCE_MASK)) {
                revert AmountTooLarge(amount, ACCEPTOR_BALANCE_MASK - (s0 & ACCEPTOR_BALANCE_MASK));
            }
            acct[0] = s0 + amount;
            return (amount, true);
        }
        uint256 lifetime = LotRing.lifetime(s0);
        minted = amount;
        if (eligible) {
            uint256 multiplier = TierTable.multiplierFor(tierTable, lifetime);
            if (multiplier != TierTable.BPS) minted = (amount * multiplier) / TierTable.BPS;
        }
        if (minted > MAX_LOT_AMOUNT || minted == 0) revert AmountTooLarge(minted, MAX_LOT_AMOUNT);
        if (cur > MAX_EPOCH) revert EpochOverflow(cur);
        if (countLifetime) {
            lifetime += minted;
            if (lifetime > AMOUNT_MASK) lifetime = AMOUNT_MASK; // saturates: only tiers read it
        }
        if (s0 == 0) {
            // New holder: one lot at ring place 0, one fresh slot.
            acct[0] = LotRing.firstLot(LotRing.pack(cur, minted), lifetime);
            return (minted, false);
        }
        LotRing.Ledger memory l = LotRing.openWith(LotRing.withLifetime(s0, lifetime));
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
        uint256[4] storage acct = _accounts[to];
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

    /// @dev Sweeps `to`, adds `lifetime` to its lifetime earned (saturating) and merges the lots in.
    function _mergeLots(address to, uint256[] memory epochs, uint256[] memory amounts, uint256 cur, uint256 lifetime)
        private
    {
        uint256[4] storage acct = _accounts[to];
        LotRing.Ledger memory l = LotRing.open(acct);
        l.sweep(acct, to, _validity, cur);
        if (lifetime != 0) {
            lifetime += LotRing.lifetime(l.s[0]);
            l.s[0] = LotRing.withLifetime(l.s[0], lifetime > AMOUNT_MASK ? AMOUNT_MASK : lifetime);
            l.dirty |= 1;
        }
        l.merge(acct, epochs, amounts, _validity);
        l.store(acct);
    }

    /// @dev Sweeps, then adds `amount` to the lot of epoch `cur` (the ring's newest), or starts it.
    function _addToNewestLot(
        LotRing.Ledger memory l,
        uint256[4] storage acct,
        address account,
        uint256 amount,
        uint256 cur
    ) private {
        l.sweep(acct, account, _validity, cur);
        uint256 s0 = l.s[0];
        uint256 head = LotRing.head(s0);
        uint256 count = LotRing.count(s0);
        if (count != 0) {
            uint256 tail = (head + count - 1) % _validity;
            uint256 lot = l.get(acct, tail);
            if (LotRing.epochOf(lot) == cur) {
                uint256 merged = LotRing.amountOf(lot) + amount;
                if (merged > MAX_LOT_AMOUNT) revert AmountTooLarge(merged, MAX_LOT_AMOUNT);
                l.set(acct, tail, LotRing.pack(cur, merged));
                return;
            }
        }
        // After the sweep every lot is from the last `_validity - 1` epochs, so a place is free.
        l.set(acct, (head + count) % _validity, LotRing.pack(cur, amount));
        l.setRing(head, count + 1);
    }

    /// @dev Fast path of a debit (burn, spend, payment to an acceptor) when every lot sits in slot 0,
    ///      as for most customers: works on the one word without the memory ledger (about 4.9k gas
    ///      less per spend). Returns false (having changed nothing) when the lots wrap into other slots.
    function _debitSlotZero(address account, uint256 s0, uint256 amount, uint256 cur) private returns (bool) {
        uint256 head = LotRing.head(s0);
        uint256 count = LotRing.count(s0);
        if (head + count > (_validity < 3 ? _validity : 3)) return false;
        uint256 remaining = amount;
        uint256 bucketIndex = EpochCounters.NONE;
        uint256 bucket;
        while (count != 0) {
            uint256 shift = 64 * head;
            uint256 lot = (s0 >> shift) & LotRing.LOT_MASK;
            uint256 epoch = LotRing.epochOf(lot);
            uint256 lotAmount = LotRing.amountOf(lot);
            if (epoch + _validity <= cur) {
                emit PointsExpired(account, epoch, lotAmount);
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
            s0 &= ~(LotRing.LOT_MASK << shift);
            ++head;
            --count;
        }
        if (remaining != 0) revert ERC20InsufficientBalance(account, amount - remaining, amount);
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
        uint256[4] storage acct = _accounts[account];
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
                l.set(acct, head, 0);
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

    /// @dev See {LotRing-liveLots}.
    function _liveLots(address account, uint256 s0) private view returns (uint256[] memory, uint256[] memory) {
        return LotRing.liveLots(_accounts[account], s0, _validity, currentEpoch());
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
