// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IRewardToken} from "../interfaces/IRewardToken.sol";
import {EpochCounters} from "./EpochCounters.sol";
import {LotRing} from "./LotRing.sol";
import {TierClock} from "./TierClock.sol";
import {TierTable} from "./TierTable.sol";

/// @title RewardTokenBase — the storage, settings and shared internals of RewardToken
/// @notice See {IRewardToken}. Storage is packed so that a new holder costs one fresh slot.
/// @dev Inherited by {RewardToken} (after its OpenZeppelin bases) and by {RewardTokenExt} (after
///      {OzLayout}, which mirrors the storage of those bases), the code RewardToken runs by
///      DELEGATECALL for its less frequent functions (EIP-170 keeps one contract under 24,576
///      bytes): so this contract's variables sit at the same slots in both, and neither declares
///      state of its own (tests/contracts/reward_token/test_layout.py checks the slots).
///      Account storage, `_accounts[a]` (five slots), is laid out in {LotRing} (qualification
///      fields in {TierClock}): a customer's lots form a ring of `validityEpochs` places, oldest at
///      `head`; credits in the newest epoch merge into the newest lot. An acceptor's slot 0 is a
///      plain balance under the acceptor flag. Because every live lot belongs to one of the last
///      `validityEpochs` epochs, the ring never overflows once expired lots are swept, and every
///      spend touches at most that many lots. `_epochBuckets` holds the live (unspent) total of each
///      epoch, laid out in {EpochCounters}. `_recoveries` holds pending wallet recoveries, laid out in
///      {WalletRecovery}.
abstract contract RewardTokenBase {
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
    /// @notice Longest qualification period, in epochs.
    uint256 public constant MAX_TIER_PERIOD_EPOCHS = 255;
    /// @notice Largest qualifying count of one period (raw units); the counters saturate there.
    uint256 public constant MAX_QUALIFYING = TierClock.MAX_QUALIFYING;

    uint256 internal constant MAX_EPOCH = (1 << 16) - 1;
    uint256 internal constant ACCEPTOR_FLAG = LotRing.ACCEPTOR_FLAG;
    uint256 internal constant RECOVERY_FLAG = LotRing.RECOVERY_FLAG;
    uint256 internal constant ACCEPTOR_BALANCE_MASK = (1 << 248) - 1;

    uint256 internal constant CFG_PAUSED = 1;
    uint256 internal constant CFG_TRANSFERS_OPEN = 2;
    uint256 internal constant CFG_MIGRATION_CLOSED = 4;
    uint256 internal constant CFG_PENDING_SHIFT = 80; // pending reason mask (8 bits), then the window (40 bits)
    uint256 internal constant CFG_WINDOW_SHIFT = 88;
    uint256 internal constant WINDOW_MASK = (1 << 40) - 1;
    /// @notice Longest return window of pending credits.
    uint256 public constant MAX_PENDING_WINDOW = 90 days;
    /// @notice Most pending credits one account holds at a time (not released, or released and not
    ///         yet settled into its lots by a touch).
    uint256 public constant MAX_PENDING_PER_ACCOUNT = 15;
    /// @dev Slot 0 of a customer: the number of its pending entries (4 bits) at bit 250; any pending
    ///      credit sets a bit at or above it (`s0 >> PCOUNT_SHIFT != 0`).
    uint256 internal constant PCOUNT_SHIFT = 250;
    /// @dev Slot 0 of a customer: its one pending credit sits in slot 0's lot places (the ring is empty
    ///      then, and it has no other pending entry); laid out in {RewardTokenExt}.
    uint256 internal constant INLINE_FLAG = 1 << 254;
    /// @dev A pending entry (laid out in {RewardTokenExt}): where its record id and release time sit,
    ///      and its flag that at its release it counts in lifetime earned and qualification.
    uint256 internal constant ID_SHIFT = 104;
    uint256 internal constant RELEASE_SHIFT = 64;
    uint256 internal constant VESTS = 1 << 144;
    uint256 internal constant CFG_MASK_SHIFT = 8;
    uint256 internal constant CFG_DELAY_SHIFT = 16;
    uint256 internal constant CFG_DELAY_MASK = (1 << 48) - 1;
    uint256 internal constant CFG_ROLLING = 1 << 64;
    uint256 internal constant CFG_SOFT = 1 << 65;
    uint256 internal constant CFG_PERIOD_SHIFT = 66;
    uint256 internal constant CFG_TIER_POLICY = (uint256(0xff) << CFG_PERIOD_SHIFT) | CFG_ROLLING | CFG_SOFT;
    uint256 internal constant DEFAULT_RECOVERY_DELAY = 7 days;
    uint8 internal constant REFUND_BIT = uint8(1) << uint8(IRewardToken.Reason.Refund);
    /// @dev Whether a debit clears the places of the lots it empties (refunds now, but a fresh write
    ///      for the next lot there) or only moves the ring's head past them; see docs/token.md.
    bool internal constant ZERO_SPENT_LOTS = false;

    uint256 internal immutable _genesis;
    uint256 internal immutable _epochLength;
    uint256 internal immutable _validity;

    mapping(address account => uint256[5]) internal _accounts;
    mapping(uint256 bucketIndex => uint256) internal _epochBuckets;
    mapping(address issuer => uint256) internal _budgets; // allowance (low 128) | used (high 128)
    mapping(address issuer => mapping(bytes32 batchId => uint256)) internal _batchBlock; // block it was used in
    uint256 internal _acceptorSupply;
    uint256 internal _issued;
    uint256 internal _tierTable; // laid out in {TierTable}
    // paused | transfersOpen | tier-eligible reason mask << 8 | recovery delay << 16 | rolling << 64
    // | soft landing << 65 | period epochs << 66 (8 bits)
    uint256 internal _config;
    mapping(address from => uint256) internal _recoveries; // laid out in {WalletRecovery}
    // Pending credits (laid out in {RewardTokenExt}): an account's entries, at 0 .. its pending count - 1.
    // These and the two counters below are written by the extension (uninitialized in RewardToken's eyes).
    // slither-disable-next-line uninitialized-state
    mapping(address account => mapping(uint256 index => uint256)) internal _pendingLots;
    mapping(uint256 id => uint256) internal _pendingRecords; // one per pending issue or batch
    mapping(address issuer => mapping(bytes32 ref => uint256)) internal _pendingKeys; // id of a pending `issue`
    uint256 internal _pendingSeq; // the last record id
    // slither-disable-next-line uninitialized-state,constable-states
    uint256 internal _cancelled;
    // slither-disable-next-line uninitialized-state,constable-states
    uint256 internal _migrated;

    /// @param genesis_ Start of epoch 0 in unix seconds; 0 means the deployment block's time.
    /// @param epochLength_ Seconds per epoch, at least one day.
    /// @param validityEpochs_ Epochs a credit stays valid, 1..15.
    constructor(uint256 genesis_, uint256 epochLength_, uint256 validityEpochs_) {
        if (epochLength_ < MIN_EPOCH_LENGTH || validityEpochs_ == 0 || validityEpochs_ > MAX_VALIDITY_EPOCHS) {
            revert IRewardToken.InvalidEpochConfig(epochLength_, validityEpochs_);
        }
        uint256 start = genesis_ == 0 ? block.timestamp : genesis_;
        if (start > block.timestamp) revert IRewardToken.InvalidEpochConfig(epochLength_, validityEpochs_);
        _genesis = start;
        _epochLength = epochLength_;
        _validity = validityEpochs_;
        _tierTable = TierTable.BASE;
        uint8 mask = uint8(
            (1 << uint8(IRewardToken.Reason.Purchase)) | (1 << uint8(IRewardToken.Reason.Survey)) | (1 << uint8(IRewardToken.Reason.Referral))
                | (1 << uint8(IRewardToken.Reason.Social)) | (1 << uint8(IRewardToken.Reason.Campaign))
        );
        _config = (uint256(mask) << CFG_MASK_SHIFT) | (DEFAULT_RECOVERY_DELAY << CFG_DELAY_SHIFT)
            | (uint256(12) << CFG_PERIOD_SHIFT);
    }



    /// @dev The points in the live lots of customer `account` (slot 0 `s0`); released pending credits
    ///      not yet settled into them are not counted here (see {RewardTokenExt-balanceOf}).
    function _lotBalance(address account, uint256 s0) internal view returns (uint256 sum) {
        (, uint256[] memory amounts) = _liveLots(account, s0);
        for (uint256 i; i < amounts.length; ++i) {
            sum += amounts[i];
        }
    }

    /// @dev Adds an issued `amount` to the balance of acceptor `acct` (slot 0 `s0`), or reverts with
    ///      AmountTooLarge past its 248 bits. The caller counts it in the acceptors' supply.
    function _creditAcceptorSlot(uint256[5] storage acct, uint256 s0, uint256 amount) internal {
        uint256 room = ACCEPTOR_BALANCE_MASK - (s0 & ACCEPTOR_BALANCE_MASK);
        if (amount > room) revert IRewardToken.AmountTooLarge(amount, room);
        acct[0] = s0 + amount;
    }

    /// @dev Whether credits for `reason` are pending under the settings `cfg`.
    function _isPending(uint256 cfg, IRewardToken.Reason reason) internal pure returns (bool) {
        return (cfg >> (CFG_PENDING_SHIFT + uint8(reason))) & 1 == 1;
    }

    /// @dev The epoch of the current block.
    function _epochNow() internal view returns (uint256) {
        return (block.timestamp - _genesis) / _epochLength;
    }

    /// @dev `s0` (a customer's slot 0) with its qualification rolled to epoch `cur`, and the tier
    ///      held now by the policy in `cfg`.
    function _rolled(uint256 s0, uint256 cur, uint256 cfg, uint256 t) internal pure returns (uint256, uint256 tier) {
        s0 = TierClock.roll(s0, cur, (cfg >> CFG_PERIOD_SHIFT) & 0xff, cfg & CFG_SOFT != 0, t);
        tier = cfg & CFG_ROLLING != 0 ? TierClock.tierNow(s0, t) : TierTable.tierFor(t, LotRing.lifetime(s0));
        return (s0, tier);
    }

    /// @dev Stores the tier `s0` holds now in its `held` field, with a TierChanged event if it moved.
    function _report(address account, uint256 s0, uint256 cfg, uint256 t) internal returns (uint256) {
        uint256 was = TierClock.held(s0);
        uint256 tier = cfg & CFG_ROLLING != 0 ? TierClock.tierNow(s0, t) : TierTable.tierFor(t, LotRing.lifetime(s0));
        if (tier == was) return s0;
        emit IRewardToken.TierChanged(account, uint8(was), uint8(tier));
        return TierClock.withHeld(s0, tier);
    }

    function _isEligible(uint256 cfg, IRewardToken.Reason reason) internal pure returns (bool) {
        return (cfg >> (CFG_MASK_SHIFT + uint8(reason))) & 1 == 1;
    }

    /// @dev Sweeps `to` and merges the lots in. With `from0` (a recovered account's slot 0, rolled to
    ///      `cur`), also adds its lifetime earned and qualifying points to those of `to` (saturating),
    ///      takes the better floor of the two and reports the tier of `to`.
    function _mergeLots(address to, uint256[] memory epochs, uint256[] memory amounts, uint256 cur, uint256 from0)
        internal
    {
        uint256[5] storage acct = _accounts[to];
        LotRing.Ledger memory l = LotRing.open(acct);
        if (from0 != 0) {
            uint256 cfg = _config;
            uint256 t = _tierTable;
            (uint256 s0,) = _rolled(l.s[0], cur, cfg, t);
            uint256 fl = TierClock.floorOf(s0);
            if (TierClock.floorOf(from0) > fl) fl = TierClock.floorOf(from0);
            s0 = TierClock.withFields(
                LotRing.addLifetime(s0, LotRing.lifetime(from0)),
                TierClock.addSat(TierClock.qCur(s0), TierClock.qCur(from0)),
                TierClock.addSat(TierClock.qLast(s0), TierClock.qLast(from0)),
                cur,
                fl
            );
            l.s[0] = _report(to, s0, cfg, t);
            l.dirty |= 1;
        }
        l.sweep(acct, to, _validity, cur);
        l.merge(acct, epochs, amounts, _validity);
        l.store(acct);
    }

    /// @dev Sweeps, then adds `amount` to the lot of epoch `cur` (the ring's newest), or starts it.
    function _addToNewestLot(
        LotRing.Ledger memory l,
        uint256[5] storage acct,
        address account,
        uint256 amount,
        uint256 cur
    ) internal {
        l.sweep(acct, account, _validity, cur);
        uint256 s0 = l.s[0];
        uint256 head = LotRing.head(s0);
        uint256 count = LotRing.count(s0);
        if (count != 0) {
            // slither-disable-next-line weak-prng — a ring place, not randomness
        uint256 tail = (head + count - 1) % _validity;
            uint256 lot = l.get(acct, tail);
            if (LotRing.epochOf(lot) == cur) {
                uint256 merged = LotRing.amountOf(lot) + amount;
                if (merged > MAX_LOT_AMOUNT) revert IRewardToken.AmountTooLarge(merged, MAX_LOT_AMOUNT);
                l.set(acct, tail, LotRing.pack(cur, merged));
                return;
            }
        }
        // After the sweep every lot is from the last `_validity - 1` epochs, so a place is free.
        // slither-disable-next-line weak-prng — a ring place, not randomness
        l.set(acct, (head + count) % _validity, LotRing.pack(cur, amount));
        l.setRing(head, count + 1);
    }

    /// @dev See {LotRing-liveLots}.
    function _liveLots(address account, uint256 s0) internal view returns (uint256[] memory, uint256[] memory) {
        return LotRing.liveLots(_accounts[account], s0, _validity, _epochNow());
    }

    /// @dev The tier part of a credit: rolls `s0` to epoch `cur`, applies the multiplier of the tier
    ///      held, counts the minted amount in lifetime and qualification (not for refunds) and reports
    ///      the tier. Returns the new slot 0 (not stored) and the amount minted.
    function _qualify(address to, uint256 s0, uint256 amount, uint256 cur, uint256 cfg, IRewardToken.Reason reason, uint256 t)
        internal
        returns (uint256, uint256 minted)
    {
        uint256 tier;
        (s0, tier) = _rolled(s0, cur, cfg, t);
        minted = amount;
        if (_isEligible(cfg, reason)) {
            uint256 multiplier = TierTable.multiplierOf(t, tier);
            if (multiplier != TierTable.BPS) minted = (amount * multiplier) / TierTable.BPS;
        }
        if (minted > MAX_LOT_AMOUNT || minted == 0) revert IRewardToken.AmountTooLarge(minted, MAX_LOT_AMOUNT);
        if (cur > MAX_EPOCH) revert IRewardToken.EpochOverflow(cur);
        if (reason != IRewardToken.Reason.Refund) {
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

    /// @dev Charges `amount` to the budget of `issuer`, or reverts with OverBudget.
    function _chargeBudget(address issuer, uint256 amount) internal {
        uint256 b = _budgets[issuer];
        uint256 allowance = uint128(b);
        uint256 used = b >> 128;
        uint256 remaining = allowance > used ? allowance - used : 0;
        if (amount > remaining) revert IRewardToken.OverBudget(issuer, remaining, amount);
        _budgets[issuer] = ((used + amount) << 128) | allowance;
    }
}
