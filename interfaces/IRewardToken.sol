// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title ServiceCoin reward points
/// @notice ERC-20 loyalty points with a reason on every credit, issuer budgets, single-use batch
///         ids, expiry by epoch (oldest points are spent first), tiers and a transfer policy.
/// @dev Points have 2 decimals. Time is cut into epochs of `epochLength()` seconds counted from
///      `genesis()`; points credited in epoch `e` expire when epoch `e + validityEpochs()` starts,
///      i.e. at `expiryOfEpoch(e)`. `balanceOf` never counts expired points. `totalSupply` is the
///      sum of every live (spendable) balance: customers' unexpired vested lots plus acceptors'
///      balances. The supply identity, at every block:
///      `totalIssued() == totalSupply() + totalPending() + totalExpired() + totalBurned() + totalCancelled()`
///      where `totalIssued` counts every credit ever made (migrated points included, see
///      `totalMigrated`), `totalPending` the credits still inside their return window, and
///      `totalCancelled` the pending credits their issuer cancelled (returns).
///
///      Tiers: in lifetime mode (`tierPolicy().mode == 0`) the tier follows lifetime earned points.
///      In rolling mode (1) time is cut into qualification periods of `periodEpochs` epochs counted
///      from `genesis()`; the tier held is the better of the tier reached in the last complete period
///      and the tier reached so far in the current one (the same thresholds). Reaching a threshold
///      lifts the tier at once; a tier goes down only at a period boundary, by at most one level per
///      boundary with `softLanding`. `tierOf` computes this for the current block, touched or not.
///      Qualifying points are the credits that count for lifetime earned (every issue except
///      `Refund`), after the multiplier, in the period in which they were
///      earned; a pending credit counts toward the tier only from its release, in the period of its
///      release (so a cancel, a return, never has to take a tier back). A credit's multiplier is that
///      of the tier held just before it, released pending credits included.
///
///      Wallet recovery: RECOVERY_ROLE starts moving a lost wallet's points to a new address
///      (`startRecovery`); from then on the old address cannot spend, pay or transfer. After
///      `recoveryDelay()` anyone completes it (`completeRecovery`): every live lot (with its epoch),
///      lifetime earned and the qualifying points (so the tier) move in one `WalletRecovered` event. Until completion the old
///      address (or RECOVERY_ROLE) can cancel it. The move changes no supply counter.
interface IRewardToken is IERC20 {
    /// @notice Why points were credited. Stored in events only.
    enum Reason {
        Purchase,
        Feedback,
        Survey,
        Referral,
        Social,
        Campaign,
        Compensation,
        Refund
    }

    /// @notice A customer's unexpired points credited in one epoch.
    struct Lot {
        uint256 epoch;
        uint256 amount;
        uint256 expiresAt;
    }

    // ---------------------------------------------------------------- errors
    error ZeroAddress();
    error ZeroAmount();
    error LengthMismatch(uint256 recipients, uint256 amounts);
    error EmptyBatch();
    error BatchAlreadyUsed(address issuer, bytes32 batchId, uint256 issuedAtBlock);
    error OverBudget(address issuer, uint256 remaining, uint256 needed);
    error TransferNotAllowed(address from, address to);
    error EnforcedPause();
    error ExpectedPause();
    error AmountTooLarge(uint256 amount, uint256 max);
    error InvalidTiers();
    error InvalidReason(uint8 reason);
    error AccountHoldsPoints(address account, uint256 balance);
    error EpochOverflow(uint256 epoch);
    error InvalidEpochConfig(uint256 epochLength, uint256 validityEpochs);
    /// @notice `account` has a recovery to `to` pending (ready at `readyAt`): it cannot spend, pay,
    ///         transfer, become an acceptor, or be the target of another recovery.
    error RecoveryPending(address account, address to, uint256 readyAt);
    error NoRecoveryPending(address account);
    error RecoveryNotReady(address account, uint256 readyAt);
    /// @notice A recovery from an address to itself.
    error InvalidRecovery(address from, address to);
    /// @notice Acceptors (the vault, merchants) are neither recovered nor recovered into.
    error AcceptorNotRecoverable(address account);
    /// @notice The account never held points: no lots, no lifetime earned.
    error NothingToRecover(address account);
    error RecoveryDelayTooLong(uint256 delay, uint256 max);
    /// @notice `setTierPolicy` with a mode other than 0 (lifetime) or 1 (rolling), or a period of
    ///         0 or more than `MAX_TIER_PERIOD_EPOCHS` epochs.
    error InvalidTierPolicy(uint8 mode, uint256 periodEpochs);
    /// @notice `setPendingPolicy` with the Refund bit set or a window over `MAX_PENDING_WINDOW`.
    error InvalidPendingPolicy(uint8 reasonMask, uint256 window);
    /// @notice No pending credit of `issuer` under `key` to `recipient` (never made, someone
    ///         else's, already cancelled, or one of another recipient).
    error NoPendingCredit(address issuer, bytes32 key, address recipient);
    /// @notice The pending credit was released (vested) at `releasedAt`; it can no longer be cancelled.
    error PendingReleased(bytes32 key, address recipient, uint256 releasedAt);
    /// @notice A pending credit under a key the issuer already used for another pending credit.
    error PendingKeyUsed(address issuer, bytes32 key);
    /// @notice The account holds as many lots as the ring has places (pending credits do not merge).
    error TooManyLots(address account);
    /// @notice `migrateAccounts` after `finishMigration`.
    error MigrationClosed();
    /// @notice `migrateAccounts` for an account that already holds points or was migrated.
    error AccountNotEmpty(address account);
    /// @notice `migrateAccounts` with bytes that do not decode (truncated, or a field out of range).
    error BadMigrationData(uint256 offset);

    // ---------------------------------------------------------------- events
    /// @notice `amount` points (after the tier multiplier applied to `baseAmount`) credited to `to`.
    event Issued(
        address indexed to,
        address indexed issuer,
        Reason indexed reason,
        uint256 amount,
        uint256 baseAmount,
        bytes32 ref
    );
    /// @notice A batch was issued; each credit is the `Transfer` from the zero address in the same
    ///         transaction, and the batch id is the reference of every credit in it.
    event BatchIssued(
        bytes32 indexed batchId,
        address indexed issuer,
        Reason indexed reason,
        uint256 recipients,
        uint256 total
    );
    /// @notice `amount` expired points of `account` were removed from its lots in one sweep: the
    ///         lots earned in epochs `fromEpoch` to `toEpoch` (both included; not every epoch in
    ///         between need have held a lot). One event per sweep.
    event PointsExpired(address indexed account, uint256 amount, uint256 fromEpoch, uint256 toEpoch);
    /// @notice The tier policy changed: `mode` 0 lifetime, 1 rolling; `periodEpochs` the length of a
    ///         qualification period; `softLanding` at most one level down per period boundary.
    event TierPolicySet(uint8 mode, uint256 periodEpochs, bool softLanding);
    /// @notice A touch of `account` (credit, cancel, recovery, migration) changed the tier stored for
    ///         it from `fromTier` (the tier of its previous `TierChanged`, or 0) to `toTier`. A tier
    ///         that went down at a period boundary without a touch is reported at the next touch;
    ///         `tierOf` is right at every block regardless.
    event TierChanged(address indexed account, uint8 fromTier, uint8 toTier);
    /// @notice Credits for the reasons in `reasonMask` (bit i = Reason(i)) are pending for `window`
    ///         seconds from now on.
    event PendingPolicySet(uint8 reasonMask, uint256 window);
    /// @notice `issuer` cancelled its pending credit `key` (the credit's ref, or the batch id) of
    ///         `amount` points to `recipient` before its release: the budget is given back, the
    ///         amount counts in `totalCancelled`, and its qualification is taken back.
    event PendingCancelled(address indexed issuer, bytes32 indexed key, address indexed recipient, uint256 amount);
    /// @notice The admin migrated `account` from a previous token: `balance` live points, `pending`
    ///         pending points, tier `tier`.
    event AccountMigrated(address indexed account, uint256 balance, uint256 pending, uint8 tier);
    /// @notice Migration is over: `migrateAccounts` is refused from now on.
    event MigrationFinished();
    event IssuerBudgetSet(address indexed issuer, uint256 allowance, uint256 used);
    event TiersSet(uint256[] thresholds, uint256[] multipliersBps);
    event TierEligibleReasonsSet(uint8 mask);
    event TransfersOpenSet(bool open);
    event AcceptorSet(address indexed account, bool accepted);
    /// @notice The admin removed acceptor `account` while it held `amount` points: they were burned
    ///         (the `Transfer` to the zero address in the same transaction) and count in `totalBurned`.
    event AcceptorBalanceBurned(address indexed account, uint256 amount);
    event Paused(address account);
    event Unpaused(address account);
    /// @notice `operator` (RECOVERY_ROLE) started moving `from`'s points to `to`; anyone can complete
    ///         it from `readyAt` on, and `from` can cancel it until then.
    event RecoveryStarted(address indexed from, address indexed to, address indexed operator, uint256 readyAt);
    /// @notice The pending recovery of `from` to `to` was cancelled by `by` (`from` itself, or RECOVERY_ROLE).
    event RecoveryCancelled(address indexed from, address indexed to, address indexed by);
    /// @notice `from`'s live points (`amount` in all: `amounts[i]` earned in `epochs[i]`, oldest
    ///         first) and its lifetime earned (`lifetime`, and so its tier) moved to `to`, merged with
    ///         what `to` held. The same transaction emits `Transfer(from, to, amount)`; lots of `from`
    ///         that had expired were swept first (`PointsExpired`) and stay behind.
    event WalletRecovered(
        address indexed from, address indexed to, uint256 amount, uint256 lifetime, uint256[] epochs, uint256[] amounts
    );
    event RecoveryDelaySet(uint256 delay);

    // ---------------------------------------------------------------- issuance
    /// @notice Credit `amount` points to `to` for `reason`, with a 32-byte reference (order id,
    ///         ticket id, …). The recipient's tier multiplier applies when `reason` is tier-eligible.
    ///         A credit for a pending reason (`pendingPolicy`) is pending until its release; its
    ///         `ref` is then the key of `cancelPending`, single-use (`PendingKeyUsed`).
    /// @dev Caller needs ISSUER_ROLE; the minted amount is charged to the caller's budget.
    /// @return minted The points credited after the multiplier.
    function issue(address to, uint256 amount, Reason reason, bytes32 ref) external returns (uint256 minted);

    /// @notice Credit many recipients at once under a batch id the caller can use only once ever.
    /// @dev Batch ids are scoped by issuer: the used-batch key is (caller, batchId), so another
    ///      issuer using the same id first cannot block a batch. Re-sending a batch reverts with
    ///      `BatchAlreadyUsed`, which makes campaigns exactly-once. Emits `BatchIssued` with the
    ///      issuer, the recipient count and the total, which a runner checks before it counts a
    ///      batch as paid.
    /// @return total The points credited after multipliers.
    function issueBatch(bytes32 batchId, address[] calldata recipients, uint256[] calldata amounts, Reason reason)
        external
        returns (uint256 total);

    /// @notice Block number in which `issuer` issued `batchId`, or 0 if it never did.
    function batchIssuedAt(address issuer, bytes32 batchId) external view returns (uint256);

    /// @notice Whether `issuer` has used `batchId`.
    function isBatchUsed(address issuer, bytes32 batchId) external view returns (bool);

    // ---------------------------------------------------------------- spending
    /// @notice Burn `amount` of the caller's points, oldest live points first.
    function burn(uint256 amount) external;

    /// @notice Burn `amount` of `account`'s points using the caller's allowance.
    function burnFrom(address account, uint256 amount) external;

    /// @notice Burn `amount` of `account`'s points, oldest live points first, for a redemption.
    /// @dev Only SPENDER_ROLE (the redemption vault), which must itself check the customer's consent
    ///      (the customer is the caller of the vault, or signed the request) and record what the
    ///      points bought in its own event; the burn itself is the `Transfer` to the zero address.
    function spend(address account, uint256 amount) external;

    // ---------------------------------------------------------------- budgets
    /// @notice Set how many points `issuer` may mint in total (its use so far is kept).
    function setIssuerBudget(address issuer, uint256 allowance) external;

    /// @notice An issuer's allowance, what it has used, and what remains.
    function issuerBudget(address issuer) external view returns (uint256 allowance, uint256 used, uint256 remaining);

    // ---------------------------------------------------------------- expiry
    /// @notice Start of epoch 0 (unix seconds).
    function genesis() external view returns (uint256);

    /// @notice Length of one epoch in seconds.
    function epochLength() external view returns (uint256);

    /// @notice Number of epochs a credit stays spendable.
    function validityEpochs() external view returns (uint256);

    /// @notice The epoch of the current block.
    function currentEpoch() external view returns (uint256);

    /// @notice When points credited in `epoch` expire (unix seconds).
    function expiryOfEpoch(uint256 epoch) external view returns (uint256);

    /// @notice The account's live lots, oldest first, one an epoch: released pending credits count in
    ///         the lot of the epoch they were earned in (unreleased ones are in `pendingOf`).
    function lotsOf(address account) external view returns (Lot[] memory);

    /// @notice How many of the account's currently live points expire at or before `timestamp`.
    function expiringBefore(address account, uint256 timestamp) external view returns (uint256);

    /// @notice Points ever minted.
    function totalIssued() external view returns (uint256);

    /// @notice Points that expired unspent (swept or not).
    function totalExpired() external view returns (uint256);

    /// @notice Points burned: spent by customers, and what a removed acceptor still held.
    function totalBurned() external view returns (uint256);

    // ---------------------------------------------------------------- tiers
    /// @notice Points ever earned by issuance to `account` (spending never lowers it; refunds do not
    ///         count; a pending credit counts from its release).
    function lifetimeEarned(address account) external view returns (uint256);

    /// @notice The account's tier index (0 is the base tier) at the current block, by the tier
    ///         policy: right for an account nobody touched for several periods too.
    function tierOf(address account) external view returns (uint8);

    /// @notice The tier policy: `mode` 0 lifetime, 1 rolling; `periodEpochs` epochs per
    ///         qualification period (rolling); `softLanding` at most one level down per boundary.
    function tierPolicy() external view returns (uint8 mode, uint256 periodEpochs, bool softLanding);

    /// @notice Set the tier policy. DEFAULT_ADMIN_ROLE. `mode` 0 (lifetime) or 1 (rolling),
    ///         `periodEpochs` 1..`MAX_TIER_PERIOD_EPOCHS`. Qualifying points are counted in both
    ///         modes, so a switch applies to the history already made; a new period length
    ///         re-reads each account's counters as of the period (under the new length) of the
    ///         epoch in which it was last touched.
    /// @dev Reverts with `InvalidTierPolicy`. Emits `TierPolicySet`.
    function setTierPolicy(uint8 mode, uint256 periodEpochs, bool softLanding) external;

    /// @notice Qualifying points (raw units, hundredths) of `account` in the current period and in
    ///         the last complete one. They saturate at `MAX_QUALIFYING` (2^27 - 1). In lifetime
    ///         mode they are counted the same way (the tier reads lifetime earned instead).
    function qualifyingPoints(address account) external view returns (uint256 current, uint256 last);

    /// @notice When the tier of `account` is next reviewed: the start of the next qualification
    ///         period (unix seconds); 0 in lifetime mode.
    function nextTierReview(address account) external view returns (uint256 timestamp);

    /// @notice The tier of `account` now; `toKeep`, the raw points still to earn in the current
    ///         period to hold that tier after the next review (0 when already safe, and always 0 in
    ///         lifetime mode); `toNext`, the raw points still to earn to reach the next tier (0 at the top).
    function tierProgress(address account) external view returns (uint8 tier, uint256 toKeep, uint256 toNext);

    /// @notice Tier thresholds (lifetime points) and multipliers (basis points), lowest tier first.
    function tiers() external view returns (uint256[] memory thresholds, uint256[] memory multipliersBps);

    /// @notice Replace the tier table: up to 4 tiers, first threshold 0, thresholds ascending,
    ///         multipliers between 1x and 6.5535x (10_000..65_535 bps).
    function setTiers(uint256[] calldata thresholds, uint256[] calldata multipliersBps) external;

    /// @notice Bit mask of reasons (bit i = Reason(i)) whose credits apply the tier multiplier.
    function tierEligibleReasons() external view returns (uint8);

    /// @notice Set which reasons apply the tier multiplier. Refund never does.
    function setTierEligibleReasons(uint8 mask) external;

    // ---------------------------------------------------------------- transfer policy
    /// @notice Whether customer-to-customer transfers are open.
    function transfersOpen() external view returns (bool);

    /// @notice Open or close customer-to-customer transfers.
    function setTransfersOpen(bool open) external;

    /// @notice Whether `account` is an acceptor (vault, merchant): transfers to and from it always
    ///         work and its points never expire.
    function isAcceptor(address account) external view returns (bool);

    /// @notice Register or remove an acceptor. An account holding lots cannot become one. Removing
    ///         an acceptor burns whatever it still holds (anyone can send it dust, so a balance
    ///         cannot block the removal): emits `Transfer` to the zero address and
    ///         `AcceptorBalanceBurned`, and the amount counts in `totalBurned`. Let an acceptor with
    ///         real points spend or move them first.
    function setAcceptor(address account, bool accepted) external;

    // ---------------------------------------------------------------- pause
    /// @notice Whether issuance and spending are paused (reading never is).
    function paused() external view returns (bool);

    /// @notice Stop issuance, transfers and spending. PAUSER_ROLE.
    function pause() external;

    /// @notice Resume. PAUSER_ROLE.
    function unpause() external;

    // ---------------------------------------------------------------- wallet recovery
    /// @notice Start moving the points of `from` (a customer who lost its wallet) to `to`.
    /// @dev RECOVERY_ROLE. From now on `from` cannot spend, pay or transfer (`RecoveryPending`);
    ///      it can still receive points, which move too. `to` may already hold points: the lots are
    ///      merged by epoch. Reverts with `ZeroAddress`, `InvalidRecovery` (from == to),
    ///      `AcceptorNotRecoverable` (either is an acceptor), `NothingToRecover` (from never held
    ///      points), `RecoveryPending` (from already has one pending, or `to` has its own pending),
    ///      `EnforcedPause`. Emits `RecoveryStarted`.
    /// @return readyAt When `completeRecovery` becomes possible: now + `recoveryDelay()`.
    function startRecovery(address from, address to) external returns (uint256 readyAt);

    /// @notice Cancel the pending recovery of `from`: its points stay and it can spend again.
    /// @dev Callable by `from` itself (the old key, which proves the wallet was not lost) or by
    ///      RECOVERY_ROLE (a mistaken target), until the recovery is completed, also while paused.
    ///      Reverts with `NoRecoveryPending`. Emits `RecoveryCancelled`.
    function cancelRecovery(address from) external;

    /// @notice Complete the pending recovery of `from` once its delay is over. Anyone may call it.
    /// @dev Sweeps `from`'s expired lots, then moves every live lot with its epoch, and the lifetime
    ///      earned (saturating like credits), to `to`, and leaves `from` empty. Reverts with
    ///      `NoRecoveryPending`, `RecoveryNotReady`, `AcceptorNotRecoverable` (to became an acceptor),
    ///      `RecoveryPending` (to has its own recovery pending), `EnforcedPause`. Emits `Transfer`
    ///      and `WalletRecovered`.
    /// @return amount The live points moved.
    function completeRecovery(address from) external returns (uint256 amount);

    /// @notice The pending recovery of `from`: its target and when it can be completed (zeros if none).
    function recoveryOf(address from) external view returns (address to, uint256 readyAt);

    /// @notice Seconds between `startRecovery` and the earliest `completeRecovery` (7 days at deployment).
    function recoveryDelay() external view returns (uint256);

    /// @notice Set the recovery delay for recoveries started from now on (pending ones keep theirs).
    /// @dev DEFAULT_ADMIN_ROLE; at most `MAX_RECOVERY_DELAY`. Emits `RecoveryDelaySet`.
    function setRecoveryDelay(uint256 delay) external;

    // ---------------------------------------------------------------- pending points (return window)
    /// @notice Credits for the reasons in `reasonMask` (bit i = Reason(i)) stay pending for
    ///         `window` seconds; 0 and 0 at deployment (nothing pending).
    function pendingPolicy() external view returns (uint8 reasonMask, uint256 window);

    /// @notice Set which reasons are pending and for how long (for credits made from now on).
    /// @dev DEFAULT_ADMIN_ROLE. Refund is never pending; `window` at most `MAX_PENDING_WINDOW`.
    ///      Reverts with `InvalidPendingPolicy`. Emits `PendingPolicySet`.
    function setPendingPolicy(uint8 reasonMask, uint256 window) external;

    /// @notice The not yet released pending credits of `account` (at most `MAX_PENDING_PER_ACCOUNT`
    ///         at a time, else `TooManyLots`), oldest first, with the time each
    ///         is released (`block.timestamp + window` of the block that made it). A pending credit
    ///         is neither in `balanceOf` nor spendable; from its release time on it is, by itself
    ///         (no transaction), and still expires by the epoch in which it was earned.
    function pendingOf(address account) external view returns (uint256[] memory amounts, uint256[] memory releaseTimes);

    /// @notice Cancel a pending credit before its release (a return): `key` is the credit's `ref`
    ///         (`issue`) or the batch id (`issueBatch`). Only the issuer that made it.
    /// @dev Gives the amount back to the issuer's budget and counts it in `totalCancelled` (it had
    ///      not counted toward the tier: that happens at release). Emits `Transfer(recipient, 0, amount)`
    ///      (the credit's `Transfer` from 0 is undone) and `PendingCancelled`. A credit moved by a
    ///      wallet recovery is no longer found under its old recipient. Reverts with `NoPendingCredit`,
    ///      `PendingReleased`, `EnforcedPause`.
    /// @return amount The points cancelled.
    function cancelPending(bytes32 key, address recipient) external returns (uint256 amount);

    /// @notice Points credited as pending and not yet released (nor cancelled).
    function totalPending() external view returns (uint256);

    /// @notice Pending points cancelled by their issuers before release.
    function totalCancelled() external view returns (uint256);

    // ---------------------------------------------------------------- migration
    /// @notice Move accounts of a previous RewardToken into this one. DEFAULT_ADMIN_ROLE, only
    ///         before `finishMigration`; the points count in `totalIssued` and `totalMigrated`.
    /// @dev `packed` is a concatenation of account records, each (big-endian, no padding):
    ///      ```
    ///      address (20) | lots n (1) | n x (epoch (2) | amount (6)) | lifetime (6)
    ///      | qualifying current (4) | qualifying last (4) | last touched epoch (2) | tier (1)
    ///      | pending m (1) | m x (amount (6) | epoch earned (2) | releaseTime (6) | issuer (20) | key (32))
    ///      ```
    ///      or, for an acceptor (a merchant: a plain balance that never expires), `address (20) | 0xff
    ///      | balance (16)`: the account becomes an acceptor with that balance (`AcceptorSet` too).
    ///      Lots oldest first, one an epoch, only live ones (expired lots are not migrated); the
    ///      qualifying points are those of the period of `last touched epoch` and the one before;
    ///      `tier` is the tier held then (it becomes the floor of that period). Each pending credit
    ///      gets a record keyed by (issuer, key), shared by the credits of one batch, so its issuer can
    ///      still cancel it; it counts toward the tier at its release. The account must
    ///      be empty here. servicecoin/token_migration_codec.py encodes it.
    ///      Reverts with `MigrationClosed`, `AccountNotEmpty`, `BadMigrationData`. Emits `Transfer`
    ///      from the zero address (the live balance) and `AccountMigrated` per account.
    function migrateAccounts(bytes calldata packed) external;

    /// @notice End the migration for good. DEFAULT_ADMIN_ROLE. Emits `MigrationFinished`.
    function finishMigration() external;

    /// @notice Whether `migrateAccounts` is still open.
    function migrationOpen() external view returns (bool);

    /// @notice Points (live and pending) brought in by `migrateAccounts`.
    function totalMigrated() external view returns (uint256);
}
