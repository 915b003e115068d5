// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRewardToken} from "../interfaces/IRewardToken.sol";
import {EpochCounters} from "./EpochCounters.sol";
import {LotRing} from "./LotRing.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {RewardTokenBase} from "./RewardTokenBase.sol";
import {RewardTokenMigration} from "./RewardTokenMigration.sol";
import {TierClock} from "./TierClock.sol";
import {TierTable} from "./TierTable.sol";
import {WalletRecovery} from "./WalletRecovery.sol";

/// @title RewardTokenExt — the less frequent functions of RewardToken, run by DELEGATECALL
/// @notice Not a token: {RewardToken} deploys one in its constructor and forwards these functions
///         to it (views through a STATICCALL to itself), so they run on the token's storage, with
///         the token's caller as `msg.sender`. Called directly, it only sees its own empty storage.
/// @dev Same storage layout as RewardToken ({OzLayout}, then {RewardTokenBase}, by way of
///      {RewardTokenMigration}, which holds the migration from a previous token). A forwarded call costs
///      about 2.7k gas more (the cold DELEGATECALL), a forwarded view about 3.5k more.
contract RewardTokenExt is RewardTokenMigration {
    using LotRing for LotRing.Ledger;
    using EpochCounters for mapping(uint256 => uint256);

    uint256 private constant ID_MASK = (1 << 40) - 1;
    uint256 private constant INLINE_ID_SHIFT = 88;
    uint256 private constant OFFSET_MASK = (1 << 24) - 1;
    uint256 private constant INLINE_BITS = (1 << 128) - 1;

    /// @param genesis_ The token's start of epoch 0.
    /// @param epochLength_ The token's epoch length.
    /// @param validityEpochs_ The token's validity.
    constructor(uint256 genesis_, uint256 epochLength_, uint256 validityEpochs_)
        RewardTokenBase(genesis_, epochLength_, validityEpochs_)
    {}

    /// @dev When points of `epoch` expire.
    function _expiryOf(uint256 epoch) private view returns (uint256) {
        return _genesis + (epoch + _validity) * _epochLength;
    }

    /// @notice See {IRewardToken}.
    function lotsOf(address account) external view returns (IRewardToken.Lot[] memory lots) {
        uint256 s0 = _accounts[account][0];
        if (s0 & ACCEPTOR_FLAG != 0) return lots;
        (uint256[] memory epochs, uint256[] memory amounts) = _spendableLots(account, s0);
        lots = new IRewardToken.Lot[](epochs.length);
        for (uint256 i; i < epochs.length; ++i) {
            lots[i] = IRewardToken.Lot(epochs[i], amounts[i], _expiryOf(epochs[i]));
        }
    }

    /// @notice See {IRewardToken}.
    function expiringBefore(address account, uint256 timestamp) external view returns (uint256 sum) {
        uint256 s0 = _accounts[account][0];
        if (s0 & ACCEPTOR_FLAG != 0) return 0;
        (uint256[] memory epochs, uint256[] memory amounts) = _spendableLots(account, s0);
        for (uint256 i; i < epochs.length; ++i) {
            if (_expiryOf(epochs[i]) <= timestamp) sum += amounts[i];
        }
    }

    /// @dev The spendable points of customer `account` (slot 0 `s0`) by the epoch they were earned in,
    ///      oldest first: its live lots with its released, unexpired pending credits merged in (as the
    ///      next touch will settle them).
    function _spendableLots(address account, uint256 s0)
        private
        view
        returns (uint256[] memory epochs, uint256[] memory amounts)
    {
        (uint256[] memory live, uint256[] memory liveAmounts) = _liveLots(account, s0);
        (uint256[] memory released, uint256 r) = _released(account, s0);
        if (r == 0) return (live, liveAmounts);
        epochs = new uint256[](live.length + r);
        amounts = new uint256[](live.length + r);
        uint256 n = live.length;
        for (uint256 i; i < n; ++i) {
            (epochs[i], amounts[i]) = (live[i], liveAmounts[i]);
        }
        uint256 cur = _epochNow();
        for (uint256 k; k < r; ++k) {
            uint256 epoch = (released[k] >> 48) & 0xffff;
            if (epoch + _validity > cur) n = _insertLot(epochs, amounts, n, epoch, released[k] & LotRing.AMOUNT_MASK);
        }
        // Shrink both arrays to the `n` lots filled (n <= their allocated length).
        assembly ("memory-safe") {
            mstore(epochs, n)
            mstore(amounts, n)
        }
    }

    /// @notice See {IRewardToken}.
    function lifetimeEarned(address account) external view returns (uint256) {
        (uint256 s0,) = _vestedState(account);
        return LotRing.lifetime(s0);
    }

    /// @notice See {IRewardToken}.
    function tierOf(address account) external view returns (uint8) {
        (, uint256 tier) = _vestedState(account);
        return uint8(tier);
    }

    /// @notice See {IRewardToken}.
    function qualifyingPoints(address account) external view returns (uint256 current, uint256 last) {
        (uint256 s0,) = _vestedState(account);
        return (TierClock.qCur(s0), TierClock.qLast(s0));
    }

    /// @dev Slot 0 of `account` as a touch now would leave it: its released pending credits vested
    ///      (see {_vest}) and its qualification rolled to the current epoch; and the tier held now
    ///      (zeros for an acceptor). What `tierOf` and the qualification views read.
    function _vestedState(address account) private view returns (uint256 s0, uint256 tier) {
        s0 = _accounts[account][0];
        if (s0 & ACCEPTOR_FLAG != 0) return (0, 0);
        uint256 cfg = _config;
        uint256 t = _tierTable;
        (uint256[] memory released, uint256 n) = _released(account, s0);
        s0 = _vest(s0, released, n, cfg, t);
        return _rolled(s0, _epochNow(), cfg, t);
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
        (uint256 s0, uint256 t) = _vestedState(account);
        tier = uint8(t);
        bool rolling = _config & CFG_ROLLING != 0;
        uint256 points = rolling ? TierClock.qCur(s0) : LotRing.lifetime(s0);
        (uint256 keep, bool held) = TierTable.thresholdOf(_tierTable, t);
        if (rolling && held && keep > points) toKeep = keep - points;
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
            if (LotRing.count(l.s[0]) != 0 || s0 >> PCOUNT_SHIFT != 0) {
                revert IRewardToken.AccountHoldsPoints(account, _fullBalance(account, s0));
            }
            // An acceptor starts from a clean account (its lifetime earned and tier no longer apply;
            // lots that expired unswept stay counted in their expired epochs).
            _accounts[account][0] = ACCEPTOR_FLAG;
        } else {
            // Anyone can send an acceptor dust, so a balance cannot block its removal: it is burned.
            uint256 bal = s0 & ACCEPTOR_BALANCE_MASK;
            _accounts[account][0] = 0;
            if (bal != 0) {
                _acceptorSupply -= bal;
                emit IERC20.Transfer(account, address(0), bal);
                emit IRewardToken.AcceptorBalanceBurned(account, bal);
            }
        }
        emit IRewardToken.AcceptorSet(account, accepted);
    }

    /// @notice See {IRewardToken-startRecovery}.
    function startRecovery(address from, address to) external onlyRole(RECOVERY_ROLE) returns (uint256 readyAt) {
        uint256 cfg = _config;
        if (cfg & CFG_PAUSED != 0) revert IRewardToken.EnforcedPause();
        return WalletRecovery.start(_accounts, _recoveries, from, to, (cfg >> CFG_DELAY_SHIFT) & CFG_DELAY_MASK);
    }

    /// @notice See {IRewardToken-cancelRecovery}.
    function cancelRecovery(address from) external {
        if (msg.sender != from) _checkRole(RECOVERY_ROLE);
        WalletRecovery.cancel(_accounts, _recoveries, from);
    }

    /// @notice See {IRewardToken}.
    function completeRecovery(address from) external returns (uint256 amount) {
        if (_config & CFG_PAUSED != 0) revert IRewardToken.EnforcedPause();
        address to = WalletRecovery.take(_accounts, _recoveries, from);
        uint256 cur = _epochNow();
        uint256[5] storage acct = _accounts[from];
        (uint256 s0,) = _rolled(_settle(from, cur), cur, _config, _tierTable);
        _settle(to, cur); // its own released credits vest before the move is added
        LotRing.Ledger memory l = LotRing.openWith(s0);
        l.sweep(acct, from, _validity, cur);
        uint256 lifetime = LotRing.lifetime(s0);
        uint256[] memory epochs;
        uint256[] memory amounts;
        (epochs, amounts, amount) = l.drain(acct, _validity);
        l.store(acct);
        if (TierClock.held(s0) != 0) emit IRewardToken.TierChanged(from, uint8(TierClock.held(s0)), 0);
        _mergeLots(to, epochs, amounts, cur, s0);
        _movePending(from, (s0 >> PCOUNT_SHIFT) & 0xf, to);
        emit IERC20.Transfer(from, to, amount);
        emit IRewardToken.WalletRecovered(from, to, amount, lifetime, epochs, amounts);
    }

    // =====================================================================================
    // Pending credits
    // =====================================================================================
    //  entry (one word, `_pendingLots[account][i]`):
    //      vests (1) << 144 | id (40) << 104 | release time (40) << 64 | epoch earned (16) << 48 | amount (48)
    //  `vests`: the entry adds to lifetime earned and qualification at its release ({_vest}).
    //  inline entry (slot 0's lot places, bits 0..127, under INLINE_FLAG): an account with no lot and no
    //  other pending entry keeps its pending credit there, so a new holder's pending credit writes one
    //  word, not two:
    //      id (40) << 88 | release time - start of its epoch (24) << 64 | epoch earned (16) << 48 | amount (48)
    //  Every touch that writes lots or adds an entry settles the account first ({_settle}), which moves
    //  the inline entry into the lots (released) or into `_pendingLots` (not yet). It always vests.
    //  record (one word per pending `issue` or batch, `_pendingRecords[id]`):
    //      amount still pending (40) << 216 | epoch (16) << 200 | release time (40) << 160 | issuer (160)
    //  A batch's record id sits above the block number in `_batchBlock` (block | id << 64); a pending
    //  `issue`'s under its ref in `_pendingKeys`.

    /// @notice See {IRewardToken-pendingPolicy}.
    function pendingPolicy() external view returns (uint8 reasonMask, uint256 window) {
        uint256 cfg = _config;
        return (uint8(cfg >> CFG_PENDING_SHIFT), (cfg >> CFG_WINDOW_SHIFT) & WINDOW_MASK);
    }

    /// @notice See {IRewardToken-setPendingPolicy}.
    function setPendingPolicy(uint8 reasonMask, uint256 window) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (reasonMask & REFUND_BIT != 0 || window > MAX_PENDING_WINDOW) {
            revert IRewardToken.InvalidPendingPolicy(reasonMask, window);
        }
        uint256 mask = (uint256(0xff) << CFG_PENDING_SHIFT) | (WINDOW_MASK << CFG_WINDOW_SHIFT);
        _config = (_config & ~mask) | (uint256(reasonMask) << CFG_PENDING_SHIFT) | (window << CFG_WINDOW_SHIFT);
        emit IRewardToken.PendingPolicySet(reasonMask, window);
    }

    /// @notice See {IRewardToken-issue}: the token forwards a credit for a pending reason here.
    function issue(address to, uint256 amount, IRewardToken.Reason reason, bytes32 ref)
        external
        onlyRole(ISSUER_ROLE)
        returns (uint256 minted)
    {
        uint256 cfg = _config;
        if (cfg & CFG_PAUSED != 0) revert IRewardToken.EnforcedPause();
        if (to == address(0)) revert IRewardToken.ZeroAddress();
        if (amount == 0) revert IRewardToken.ZeroAmount();
        if (_pendingKeys[msg.sender][ref] != 0) revert IRewardToken.PendingKeyUsed(msg.sender, ref);
        uint256 id = ++_pendingSeq;
        _pendingKeys[msg.sender][ref] = id;
        uint256 pending;
        (minted, pending) = _creditPending(to, amount, cfg, reason, id);
        _finishPending(id, minted, pending);
        emit IERC20.Transfer(address(0), to, minted);
        emit IRewardToken.Issued(to, msg.sender, reason, minted, amount, ref);
    }

    /// @notice See {IRewardToken-issueBatch}: the token forwards a batch for a pending reason here.
    function issueBatch(
        bytes32 batchId,
        address[] calldata recipients,
        uint256[] calldata amounts,
        IRewardToken.Reason reason
    ) external onlyRole(ISSUER_ROLE) returns (uint256 total) {
        uint256 cfg = _config;
        if (cfg & CFG_PAUSED != 0) revert IRewardToken.EnforcedPause();
        uint256 n = recipients.length;
        if (n != amounts.length) revert IRewardToken.LengthMismatch(n, amounts.length);
        if (n == 0) revert IRewardToken.EmptyBatch();
        uint256 usedAt = _batchBlock[msg.sender][batchId];
        if (usedAt != 0) revert IRewardToken.BatchAlreadyUsed(msg.sender, batchId, uint64(usedAt));
        uint256 id = ++_pendingSeq;
        _batchBlock[msg.sender][batchId] = block.number | (id << 64);
        uint256 pending;
        for (uint256 i; i < n; ++i) {
            address to = recipients[i];
            if (to == address(0)) revert IRewardToken.ZeroAddress();
            if (amounts[i] == 0) revert IRewardToken.ZeroAmount();
            (uint256 minted, uint256 held) = _creditPending(to, amounts[i], cfg, reason, id);
            total += minted;
            pending += held;
            emit IERC20.Transfer(address(0), to, minted);
        }
        _finishPending(id, total, pending);
        emit IRewardToken.BatchIssued(batchId, msg.sender, reason, n, total);
    }

    /// @dev Credits `amount` to `to` as a pending entry of record `id` (an acceptor is credited at
    ///      once), with the multiplier of the tier held now; it counts in lifetime earned and
    ///      qualification only at its release ({_vest}). Returns what was minted and what of it is
    ///      pending.
    function _creditPending(address to, uint256 amount, uint256 cfg, IRewardToken.Reason reason, uint256 id)
        private
        returns (uint256 minted, uint256 pending)
    {
        uint256[5] storage acct = _accounts[to];
        uint256 s0 = acct[0];
        if (s0 & ACCEPTOR_FLAG != 0) {
            _creditAcceptorSlot(acct, s0, amount);
            _acceptorSupply += amount;
            return (amount, 0);
        }
        uint256 cur = _epochNow();
        if (cur > MAX_EPOCH) revert IRewardToken.EpochOverflow(cur);
        if (s0 == 0) {
            // A new holder: the base tier, nothing to settle, roll or report (its period starts now).
            minted = _minted(amount, cfg, reason, _tierTable, 0);
            s0 = TierClock.pack(0, 0, cur, 0, 0);
        } else {
            (s0, minted) = _pendingMinted(to, _settle(to, cur), amount, cur, cfg, reason);
        }
        pending = minted;
        uint256 release = block.timestamp + ((cfg >> CFG_WINDOW_SHIFT) & WINDOW_MASK);
        uint256 offset = release - (_genesis + cur * _epochLength);
        if (s0 >> PCOUNT_SHIFT == 0 && LotRing.count(s0) == 0 && offset <= OFFSET_MASK) {
            // No lot, no other entry (settled above): the entry goes into slot 0's lot places.
            acct[0] = (s0 & ~INLINE_BITS) | INLINE_FLAG | (id << INLINE_ID_SHIFT) | (offset << 64) | (cur << 48) | minted;
            return (minted, pending);
        }
        uint256 count = (s0 >> PCOUNT_SHIFT) & 0xf;
        if (count == MAX_PENDING_PER_ACCOUNT) revert IRewardToken.TooManyLots(to);
        _pendingLots[to][count] = VESTS | (id << ID_SHIFT) | (release << RELEASE_SHIFT) | (cur << 48) | minted;
        acct[0] = s0 + (uint256(1) << PCOUNT_SHIFT);
    }

    /// @dev `s0` of `to` rolled to epoch `cur` with its tier reported, and what a pending credit of
    ///      `amount` for `reason` mints: the multiplier of the tier held now.
    function _pendingMinted(address to, uint256 s0, uint256 amount, uint256 cur, uint256 cfg, IRewardToken.Reason reason)
        private
        returns (uint256, uint256 minted)
    {
        uint256 t = _tierTable;
        uint256 tier;
        (s0, tier) = _rolled(s0, cur, cfg, t);
        minted = _minted(amount, cfg, reason, t, tier);
        return (_report(to, s0, cfg, t), minted);
    }

    /// @dev What a credit of `amount` for `reason` mints at tier `tier` (table `t`): the tier's
    ///      multiplier if the reason takes it. Reverts with AmountTooLarge past a lot (or at 0).
    function _minted(uint256 amount, uint256 cfg, IRewardToken.Reason reason, uint256 t, uint256 tier)
        private
        pure
        returns (uint256 minted)
    {
        minted = amount;
        if (_isEligible(cfg, reason)) {
            uint256 multiplier = TierTable.multiplierOf(t, tier);
            if (multiplier != TierTable.BPS) minted = (amount * multiplier) / TierTable.BPS;
        }
        if (minted > MAX_LOT_AMOUNT || minted == 0) revert IRewardToken.AmountTooLarge(minted, MAX_LOT_AMOUNT);
    }

    /// @dev Writes record `id` (the caller, the release time, this epoch, `pending`), charges the
    ///      budget and counts the credit in the supply counters.
    function _finishPending(uint256 id, uint256 minted, uint256 pending) private {
        uint256 cur = _epochNow();
        uint256 release = block.timestamp + ((_config >> CFG_WINDOW_SHIFT) & WINDOW_MASK);
        _pendingRecords[id] = (pending << 216) | (cur << 200) | (release << 160) | uint160(msg.sender);
        _chargeBudget(msg.sender, minted);
        _issued += minted;
        if (pending != 0) _epochBuckets.add(cur, pending);
    }

    /// @notice See {IRewardToken-pendingOf}.
    function pendingOf(address account)
        external
        view
        returns (uint256[] memory amounts, uint256[] memory releaseTimes)
    {
        (uint256[] memory entries, uint256 n) = _select(account, _accounts[account][0], false);
        amounts = new uint256[](n);
        releaseTimes = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            amounts[i] = entries[i] & LotRing.AMOUNT_MASK;
            releaseTimes[i] = (entries[i] >> RELEASE_SHIFT) & WINDOW_MASK;
        }
    }

    /// @notice See {IRewardToken-totalPending}.
    function totalPending() external view returns (uint256 sum) {
        uint256 cur = _epochNow();
        for (uint256 id = _pendingSeq; id != 0; --id) {
            uint256 r = _pendingRecords[id];
            uint256 release = (r >> 160) & WINDOW_MASK;
            // Records are made in time order, each released at most MAX_PENDING_WINDOW after it was made.
            if (release + MAX_PENDING_WINDOW <= block.timestamp) break;
            if (release > block.timestamp && ((r >> 200) & 0xffff) + _validity > cur) sum += r >> 216;
        }
    }

    /// @notice See {IRewardToken-totalCancelled}.
    function totalCancelled() external view returns (uint256) {
        return _cancelled;
    }

    /// @notice See {IRewardToken-cancelPending}.
    function cancelPending(bytes32 key, address recipient) external returns (uint256 amount) {
        if (_config & CFG_PAUSED != 0) revert IRewardToken.EnforcedPause();
        uint256 id = _pendingKeys[msg.sender][key];
        if (id == 0) id = _batchBlock[msg.sender][key] >> 64;
        if (id == 0) revert IRewardToken.NoPendingCredit(msg.sender, key, recipient);
        uint256 r = _pendingRecords[id];
        uint256 release = (r >> 160) & WINDOW_MASK;
        if (release <= block.timestamp) revert IRewardToken.PendingReleased(key, recipient, release);
        uint256 s0 = _accounts[recipient][0];
        uint256[] memory all = _entries(recipient, s0);
        uint256 i;
        while (i < all.length && (all[i] >> ID_SHIFT) & ID_MASK != id) ++i;
        if (i == all.length) revert IRewardToken.NoPendingCredit(msg.sender, key, recipient);
        uint256 e = all[i];
        amount = e & LotRing.AMOUNT_MASK;
        uint256 epoch = (e >> 48) & 0xffff;
        // Effects: the entry (the last one takes its place), the record, the counters, the budget.
        // (An unreleased credit has not counted toward the tier: nothing to take back there.)
        if (s0 & INLINE_FLAG != 0) {
            _accounts[recipient][0] = s0 & ~INLINE_FLAG; // its places are outside the (empty) ring
        } else {
            _pendingLots[recipient][i] = _pendingLots[recipient][all.length - 1];
            _accounts[recipient][0] = s0 - (uint256(1) << PCOUNT_SHIFT);
        }
        _pendingRecords[id] = r - (amount << 216);
        _epochBuckets.sub(epoch, amount);
        _cancelled += amount;
        uint256 b = _budgets[msg.sender];
        uint256 used = b >> 128;
        _budgets[msg.sender] = ((used > amount ? used - amount : 0) << 128) | uint128(b);
        emit IERC20.Transfer(recipient, address(0), amount);
        emit IRewardToken.PendingCancelled(msg.sender, key, recipient, amount);
    }

    /// @notice Settles the released pending entries of `account` into its lots (the token calls it
    ///         before a debit); returns its slot 0 afterwards. Does nothing to an account without any.
    function settle(address account) external returns (uint256) {
        return _settle(account, _epochNow());
    }

    /// @dev Moves the released pending entries of `account` into its lots (merged by the epoch they
    ///      were earned in; those expired since are dropped with one `PointsExpired`), vests them
    ///      ({_vest}: lifetime earned, qualification, `TierChanged`); returns slot 0.
    function _settle(address account, uint256 cur) private returns (uint256 s0) {
        s0 = _accounts[account][0];
        if (s0 >> PCOUNT_SHIFT == 0) return s0; // no pending entry (an acceptor has none)
        (uint256[] memory released, uint256 r) = _released(account, s0);
        uint256 count = (s0 >> PCOUNT_SHIFT) & 0xf;
        uint256 left = count;
        if (s0 & INLINE_FLAG != 0) {
            // The inline entry leaves slot 0: into the lots below (released), or into the list.
            uint256 e = _inlineEntry(s0);
            s0 &= ~INLINE_FLAG;
            if ((e >> RELEASE_SHIFT) & WINDOW_MASK > block.timestamp) _pendingLots[account][left++] = e;
        } else if (r == 0) {
            return s0;
        }
        // Effects: the released entries leave the list (the last ones take their places).
        for (uint256 i; i < left;) {
            if ((_pendingLots[account][i] >> RELEASE_SHIFT) & WINDOW_MASK > block.timestamp) {
                ++i;
            } else {
                _pendingLots[account][i] = _pendingLots[account][--left];
            }
        }
        if (r == 0) {
            s0 = (s0 & ~(uint256(0xf) << PCOUNT_SHIFT)) | (left << PCOUNT_SHIFT);
            _accounts[account][0] = s0;
            return s0;
        }
        uint256 cfg = _config;
        uint256 t = _tierTable;
        (s0,) = _rolled(_vest(s0, released, r, cfg, t), cur, cfg, t);
        s0 = _report(account, (s0 & ~(uint256(0xf) << PCOUNT_SHIFT)) | (left << PCOUNT_SHIFT), cfg, t);
        _accounts[account][0] = s0;
        return _settleLots(account, s0, released, r, cur);
    }

    /// @dev Merges the first `r` of `released` into the lots of `account` (slot 0 `s0`, stored) by the
    ///      epoch they were earned in, dropping those expired since with one `PointsExpired`; returns
    ///      slot 0 afterwards.
    function _settleLots(address account, uint256 s0, uint256[] memory released, uint256 r, uint256 cur)
        private
        returns (uint256)
    {
        uint256[] memory epochs = new uint256[](r);
        uint256[] memory amounts = new uint256[](r);
        uint256 n;
        uint256 expired; // amount (64) | last epoch << 64 | first epoch << 80 (entries are few)
        for (uint256 k; k < r; ++k) {
            uint256 e = released[k];
            uint256 epoch = (e >> 48) & 0xffff;
            uint256 amount = e & LotRing.AMOUNT_MASK;
            if (epoch + _validity <= cur) {
                uint256 first = expired == 0 || (expired >> 80) > epoch ? epoch : expired >> 80;
                uint256 last = ((expired >> 64) & 0xffff) > epoch ? (expired >> 64) & 0xffff : epoch;
                expired = (first << 80) | (last << 64) | (uint64(expired) + amount);
                continue;
            }
            n = _insertLot(epochs, amounts, n, epoch, amount);
        }
        if (expired != 0) {
            emit IRewardToken.PointsExpired(account, uint64(expired), expired >> 80, (expired >> 64) & 0xffff);
        }
        if (n == 0) return s0;
        assembly ("memory-safe") {
            mstore(epochs, n)
            mstore(amounts, n)
        }
        uint256[5] storage acct = _accounts[account];
        LotRing.Ledger memory l = LotRing.openWith(s0);
        l.sweep(acct, account, _validity, cur);
        l.merge(acct, epochs, amounts, _validity);
        l.store(acct);
        return l.s[0];
    }

    /// @dev Every pending entry of `account` (slot 0 `s0`; none for an acceptor), the inline one in the
    ///      entry layout.
    function _entries(address account, uint256 s0) private view returns (uint256[] memory all) {
        if (s0 & ACCEPTOR_FLAG != 0) return all;
        if (s0 & INLINE_FLAG != 0) {
            all = new uint256[](1);
            all[0] = _inlineEntry(s0);
            return all;
        }
        all = new uint256[]((s0 >> PCOUNT_SHIFT) & 0xf);
        for (uint256 i; i < all.length; ++i) {
            all[i] = _pendingLots[account][i];
        }
    }

    /// @dev The inline entry of slot 0 `s0` in the entry layout.
    function _inlineEntry(uint256 s0) private view returns (uint256) {
        uint256 epoch = (s0 >> 48) & 0xffff;
        uint256 release = _genesis + epoch * _epochLength + ((s0 >> 64) & OFFSET_MASK);
        return VESTS | (((s0 >> INLINE_ID_SHIFT) & ID_MASK) << ID_SHIFT) | (release << RELEASE_SHIFT)
            | (s0 & ((1 << 64) - 1));
    }

    /// @notice See {IERC20-balanceOf}: the token forwards a customer with pending credits here.
    function balanceOf(address account) external view returns (uint256) {
        return _fullBalance(account, _accounts[account][0]);
    }

    /// @dev The live points of customer `account` (slot 0 `s0`): its live lots, and its pending
    ///      credits that were released and have not expired (a touch settles them into the lots).
    function _fullBalance(address account, uint256 s0) private view returns (uint256 sum) {
        sum = _lotBalance(account, s0);
        (uint256[] memory released, uint256 r) = _released(account, s0);
        uint256 cur = _epochNow();
        for (uint256 k; k < r; ++k) {
            if (((released[k] >> 48) & 0xffff) + _validity > cur) sum += released[k] & LotRing.AMOUNT_MASK;
        }
    }

    /// @dev The released pending entries of `account` (slot 0 `s0`), in release order, and their number.
    function _released(address account, uint256 s0) private view returns (uint256[] memory, uint256) {
        return _select(account, s0, true);
    }

    /// @dev The pending entries of `account` (slot 0 `s0`) in release order, and their number: the
    ///      released ones, or else the unreleased ones that have not expired.
    function _select(address account, uint256 s0, bool released)
        private
        view
        returns (uint256[] memory entries, uint256 n)
    {
        uint256[] memory all = _entries(account, s0);
        entries = new uint256[](all.length);
        uint256 cur = _epochNow();
        for (uint256 i; i < all.length; ++i) {
            uint256 e = all[i];
            uint256 release = (e >> RELEASE_SHIFT) & WINDOW_MASK;
            if ((release <= block.timestamp) != released) continue;
            if (!released && ((e >> 48) & 0xffff) + _validity <= cur) continue; // expired before release
            // Insertion by release time (at most 15 entries).
            uint256 j = n++;
            while (j != 0 && (entries[j - 1] >> RELEASE_SHIFT) & WINDOW_MASK > release) {
                entries[j] = entries[j - 1];
                --j;
            }
            entries[j] = e;
        }
    }

    /// @dev `s0` with the first `n` of `released` (in release order) vested: each that has the
    ///      {VESTS} flag and was released before its points expired adds its amount to lifetime
    ///      earned and to the qualifying points of the period of its release (boundaries before it
    ///      applied by {TierClock-roll}; one already behind the last touch counts in that touch's
    ///      period). Pending points count toward a tier only from their release on.
    function _vest(uint256 s0, uint256[] memory released, uint256 n, uint256 cfg, uint256 t)
        private
        view
        returns (uint256)
    {
        for (uint256 k; k < n; ++k) {
            uint256 e = released[k];
            uint256 release = (e >> RELEASE_SHIFT) & WINDOW_MASK;
            if (e & VESTS == 0 || release >= _expiryOf((e >> 48) & 0xffff)) continue;
            uint256 epoch = release > _genesis ? (release - _genesis) / _epochLength : 0;
            s0 = TierClock.roll(s0, epoch, (cfg >> CFG_PERIOD_SHIFT) & 0xff, cfg & CFG_SOFT != 0, t);
            s0 = _counted(s0, e & LotRing.AMOUNT_MASK);
        }
        return s0;
    }

    /// @dev `s0` with `amount` added to lifetime earned and to the qualifying points of its period.
    function _counted(uint256 s0, uint256 amount) private pure returns (uint256) {
        return TierClock.withFields(
            LotRing.addLifetime(s0, amount),
            TierClock.addSat(TierClock.qCur(s0), amount),
            TierClock.qLast(s0),
            TierClock.qEpoch(s0),
            TierClock.floorOf(s0)
        );
    }

    /// @dev Adds (`epoch`, `amount`) to the first `n` lots, kept in ascending epochs with one lot an
    ///      epoch; returns the new count.
    function _insertLot(uint256[] memory epochs, uint256[] memory amounts, uint256 n, uint256 epoch, uint256 amount)
        private
        pure
        returns (uint256)
    {
        uint256 j = n;
        while (j != 0 && epochs[j - 1] > epoch) --j;
        if (j != 0 && epochs[j - 1] == epoch) {
            amounts[j - 1] += amount;
            return n;
        }
        for (uint256 k = n; k > j; --k) {
            epochs[k] = epochs[k - 1];
            amounts[k] = amounts[k - 1];
        }
        epochs[j] = epoch;
        amounts[j] = amount;
        return n + 1;
    }

    /// @dev Moves the pending entries of `from` (released ones were settled) to the end of those of
    ///      `to` (a recovery). Reverts with TooManyLots past `MAX_PENDING_PER_ACCOUNT`.
    function _movePending(address from, uint256 count, address to) private {
        if (count == 0) return;
        uint256 t0 = _accounts[to][0];
        uint256 have = (t0 >> PCOUNT_SHIFT) & 0xf;
        if (have + count > MAX_PENDING_PER_ACCOUNT) revert IRewardToken.TooManyLots(to);
        for (uint256 i; i < count; ++i) {
            _pendingLots[to][have + i] = _pendingLots[from][i];
        }
        _accounts[to][0] = t0 + (count << PCOUNT_SHIFT);
    }
}
