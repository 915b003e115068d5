-- ServiceCoin index: the contracts' events as tables you can query by hand.
--
-- Written by `svc index` (servicecoin/index/indexer.py). The same file runs on SQLite (the
-- embedded default, .servicecoin/<network>/index.sqlite) and on PostgreSQL (`--db postgresql://…`).
--
-- Conventions
--   * Every event row carries its position on chain: `block` and `log_index` (unique together),
--     the transaction hash and the block's unix time `ts`. Rolling back a reorg is
--     `DELETE FROM <table> WHERE block > ?` on every table; nothing is ever updated in place.
--   * Addresses are lower-case hex strings ('0xabc…'; lower-case the address you look up); hashes and references are '0x…' hex.
--   * Amounts are raw token units (hundredths of a point; 2 decimals). 150 points = 15000.
--   * Reasons are the RewardToken enum: 0 purchase, 1 feedback, 2 survey, 3 referral, 4 social,
--     5 campaign, 6 compensation, 7 refund.
--   * Epochs are the token's expiry epochs: points credited in epoch e expire at
--     genesis + (e + validity) * epoch_length (all three are in `meta`).

-- Index state: chain_id, contract addresses, token genesis / epoch_length / validity,
-- `cursor` (last block fully indexed), `cursor_hash`, `cursor_ts` and `schema_version`.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Headers of the blocks holding indexed events (the cursor block's hash and time are in meta:
-- cursor_hash, cursor_ts). Reorgs are found by comparing the parent hash of the next block with
-- cursor_hash, and rolled back to the newest of these blocks the node still has.
CREATE TABLE IF NOT EXISTS blocks (
    number      BIGINT PRIMARY KEY,
    hash        TEXT NOT NULL,
    parent_hash TEXT NOT NULL,
    ts          BIGINT NOT NULL
);

-- Every ERC-20 Transfer of the token: mints (sender = zero address), burns (recipient = zero
-- address: spending, redemptions) and moves to or from acceptors (merchants, the vault).
CREATE TABLE IF NOT EXISTS transfers (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    sender    TEXT NOT NULL,
    recipient TEXT NOT NULL,
    amount    BIGINT NOT NULL,
    PRIMARY KEY (block, log_index)
);
CREATE INDEX IF NOT EXISTS transfers_sender ON transfers (sender, block);
CREATE INDEX IF NOT EXISTS transfers_recipient ON transfers (recipient, block);

-- One row per credit: an `Issued` event, or one recipient of an `issueBatch` (its mint
-- Transfer, with the batch's reason and issuer, and the batch id as reference).
-- `amount` is what was minted (after the tier multiplier), `base_amount` what the issuer asked
-- (equal to amount for batch credits, whose events carry only the minted amount).
-- `counts_lifetime` is 1 when the credit raised the account's lifetime earned (tiers).
CREATE TABLE IF NOT EXISTS credits (
    block           BIGINT NOT NULL,
    log_index       INTEGER NOT NULL,
    tx_hash         TEXT NOT NULL,
    ts              BIGINT NOT NULL,
    account         TEXT NOT NULL,
    issuer          TEXT NOT NULL,
    reason          INTEGER NOT NULL,
    amount          BIGINT NOT NULL,
    base_amount     BIGINT NOT NULL,
    ref             TEXT NOT NULL,
    batch_id        TEXT,
    epoch           INTEGER NOT NULL,
    counts_lifetime INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)
);
CREATE INDEX IF NOT EXISTS credits_account ON credits (account, block);

-- `BatchIssued`: one row per batch id (a batch id can be used once on chain).
CREATE TABLE IF NOT EXISTS batches (
    block      BIGINT NOT NULL,
    log_index  INTEGER NOT NULL,
    tx_hash    TEXT NOT NULL,
    ts         BIGINT NOT NULL,
    batch_id   TEXT NOT NULL,
    issuer     TEXT NOT NULL,
    reason     INTEGER NOT NULL,
    recipients INTEGER NOT NULL,
    total      BIGINT NOT NULL,
    PRIMARY KEY (block, log_index)
);

-- `PointsExpired`: expired lots the token swept off an account (the sweep happens lazily, at the
-- account's next movement; points of an expired epoch not swept yet are still expired).
CREATE TABLE IF NOT EXISTS expirations (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    account   TEXT NOT NULL,
    epoch     INTEGER NOT NULL,
    amount    BIGINT NOT NULL,
    PRIMARY KEY (block, log_index)
);
CREATE INDEX IF NOT EXISTS expirations_account ON expirations (account);

-- The ledger of lots, derived from the events above by replaying the token's rules (credits go
-- to the current epoch's lot, spending takes the oldest lots first, customer-to-customer
-- transfers keep epochs, sweeps remove expired lots). An account's lot in epoch e is
-- SUM(delta) over its rows with that epoch; epoch -1 is the plain, never-expiring balance of an
-- acceptor (merchant, vault). Live balance at time t = the sum over epochs not yet expired at t.
-- `balance` is the running balance: the lot's amount after this change, so an account's lot (a
-- merchant's plain balance with hundreds of thousands of rows) is its newest row, not a re-sum.
CREATE TABLE IF NOT EXISTS lot_changes (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    account   TEXT NOT NULL,
    epoch     INTEGER NOT NULL,
    delta     BIGINT NOT NULL,
    balance   BIGINT NOT NULL,
    PRIMARY KEY (block, log_index, seq)
);
CREATE INDEX IF NOT EXISTS lot_changes_running ON lot_changes (account, epoch, block, log_index, seq);

-- Running totals of every account that moved, one row per account and block (its newest row holds
-- its totals, so a merchant's statement reads them without re-summing 250k rows): credited (credits),
-- spent (burns), expired (sweeps), transferred in (from others, not mints) and out (not burns), in raw
-- units, as of its last movement in the block (`log_index`).
CREATE TABLE IF NOT EXISTS account_totals (
    block           BIGINT NOT NULL,
    log_index       INTEGER NOT NULL,
    account         TEXT NOT NULL,
    credited        BIGINT NOT NULL,
    spent           BIGINT NOT NULL,
    expired         BIGINT NOT NULL,
    transferred_in  BIGINT NOT NULL,
    transferred_out BIGINT NOT NULL,
    PRIMARY KEY (account, block)
);

-- `WalletRecovered`: a lost wallet's points moved to a new address (RewardToken completeRecovery).
-- `amount` live points moved, `lifetime` the lifetime earned moved (tiers), `lots` a JSON array of
-- [epoch, amount] pairs, oldest first. The same transaction's Transfer (sender → recipient) is in
-- `transfers` and moves the lots in `lot_changes`; statements show the recovery instead of it.
-- Starts and cancellations are in `events` (RecoveryStarted, RecoveryCancelled).
CREATE TABLE IF NOT EXISTS recoveries (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    sender    TEXT NOT NULL,
    recipient TEXT NOT NULL,
    amount    BIGINT NOT NULL,
    lifetime  BIGINT NOT NULL,
    lots      TEXT NOT NULL,
    PRIMARY KEY (block, log_index)
);
CREATE INDEX IF NOT EXISTS recoveries_sender ON recoveries (sender);
CREATE INDEX IF NOT EXISTS recoveries_recipient ON recoveries (recipient);

-- `IssuerBudgetSet`: allowance given to an issuer (decimal strings: allowances go up to 2^128).
CREATE TABLE IF NOT EXISTS budget_changes (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    issuer    TEXT NOT NULL,
    allowance TEXT NOT NULL,
    used      TEXT NOT NULL,
    PRIMARY KEY (block, log_index)
);

-- `AcceptorSet`: accounts registered as acceptors (1) or removed (0).
CREATE TABLE IF NOT EXISTS acceptor_changes (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    account   TEXT NOT NULL,
    accepted  INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)
);

-- `TiersSet`: the tier table (JSON arrays: thresholds in raw units, multipliers in bps).
CREATE TABLE IF NOT EXISTS tier_changes (
    block       BIGINT NOT NULL,
    log_index   INTEGER NOT NULL,
    tx_hash     TEXT NOT NULL,
    ts          BIGINT NOT NULL,
    thresholds  TEXT NOT NULL,
    multipliers TEXT NOT NULL,
    PRIMARY KEY (block, log_index)
);

-- Every other event of the indexed contracts (roles, pause, transfer policy, …), decoded from
-- the ABI: `args` is a JSON object of the event's fields.
CREATE TABLE IF NOT EXISTS events (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    contract  TEXT NOT NULL,
    name      TEXT NOT NULL,
    args      TEXT NOT NULL,
    PRIMARY KEY (block, log_index)
);
CREATE INDEX IF NOT EXISTS events_name ON events (name);

-- ServiceLog `Recorded`: every service record, in log order. kind: 0 opened, 1 reply,
-- 2 resolved, 3 follow-up (detail = outcome: 0 reached, 1 not reached, 2 satisfied,
-- 3 unsatisfied), 4 complaint, 5 feedback (detail = rating 1..5), 6 amendment (ref = the seq it
-- corrects). `ticket` is the help desk's uint256 id as a decimal string. `head` is the hash-chain
-- head after the record (`svc verify-log` recomputes it). The text itself stays off chain.
-- Packed records (`BatchRecorded`, form 'packed') are rows of one event: `position` is the record's
-- place in it, `channel` and `event_time` the help desk's channel and time, `record_ts` the block
-- time, and `head` is '' except on the batch's last record (the chain emits one head per batch).
CREATE TABLE IF NOT EXISTS service_records (
    block      BIGINT NOT NULL,
    log_index  INTEGER NOT NULL,
    tx_hash    TEXT NOT NULL,
    ts         BIGINT NOT NULL,
    seq        BIGINT NOT NULL,
    kind       INTEGER NOT NULL,
    ticket     TEXT NOT NULL,
    customer   TEXT NOT NULL,
    agent      TEXT NOT NULL,
    commitment TEXT NOT NULL,
    detail     INTEGER NOT NULL,
    ref        BIGINT NOT NULL,
    record_ts  BIGINT NOT NULL,
    head       TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    form       TEXT NOT NULL DEFAULT 'single',
    channel    INTEGER NOT NULL DEFAULT 0,
    event_time BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (block, log_index, position)
);
CREATE INDEX IF NOT EXISTS service_records_ticket ON service_records (ticket, seq);
CREATE INDEX IF NOT EXISTS service_records_customer ON service_records (customer, seq);
CREATE INDEX IF NOT EXISTS service_records_kind ON service_records (kind);

-- ServiceLog `Anchored`: `count` records (numbers first_seq..) kept off chain under Merkle `root`;
-- `head` is the hash-chain head after the batch.
CREATE TABLE IF NOT EXISTS service_anchors (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    first_seq BIGINT NOT NULL,
    count     BIGINT NOT NULL,
    agent     TEXT NOT NULL,
    root      TEXT NOT NULL,
    head      TEXT NOT NULL,
    PRIMARY KEY (block, log_index)
);

-- ServiceLog `Rewarded`: points a record earned (`due`) and what the token credited (`paid`).
CREATE TABLE IF NOT EXISTS service_rewards (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    seq       BIGINT NOT NULL,
    ticket    TEXT NOT NULL,
    customer  TEXT NOT NULL,
    due       BIGINT NOT NULL,
    paid      BIGINT NOT NULL,
    PRIMARY KEY (block, log_index)
);
CREATE INDEX IF NOT EXISTS service_rewards_customer ON service_rewards (customer);

-- RedemptionVault `ItemListed`: catalog items (kind: 0 gift, 1 discount voucher, 2 exclusive
-- service). Ids are uint256 decimal strings. Later changes are in `events` (ItemUpdated, …).
CREATE TABLE IF NOT EXISTS vault_items (
    block         BIGINT NOT NULL,
    log_index     INTEGER NOT NULL,
    tx_hash       TEXT NOT NULL,
    ts            BIGINT NOT NULL,
    item_id       TEXT NOT NULL,
    merchant      TEXT NOT NULL,
    kind          INTEGER NOT NULL,
    price         BIGINT NOT NULL,
    stock         BIGINT NOT NULL,
    min_tier      INTEGER NOT NULL,
    metadata_uri  TEXT NOT NULL,
    metadata_hash TEXT NOT NULL,
    PRIMARY KEY (block, log_index)
);

-- RedemptionVault `Redeemed`: points burned for `quantity` units of an item (the burn is the
-- token Transfer to the zero address in the same transaction).
CREATE TABLE IF NOT EXISTS redemptions (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    id        TEXT NOT NULL,
    customer  TEXT NOT NULL,
    item_id   TEXT NOT NULL,
    quantity  BIGINT NOT NULL,
    points    BIGINT NOT NULL,
    PRIMARY KEY (block, log_index)
);
CREATE INDEX IF NOT EXISTS redemptions_customer ON redemptions (customer);
CREATE INDEX IF NOT EXISTS redemptions_id ON redemptions (id);

-- RedemptionVault `Fulfilled`, `Refunded` and `RedemptionCancelled`: how a redemption ended (outcome
-- 'fulfilled' with the voucher commitment, 'refunded' or 'cancelled' with the points credited back).
CREATE TABLE IF NOT EXISTS redemption_outcomes (
    block        BIGINT NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    ts           BIGINT NOT NULL,
    id           TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    merchant     TEXT NOT NULL,
    voucher_hash TEXT,
    points       BIGINT NOT NULL,
    PRIMARY KEY (block, log_index)
);
CREATE INDEX IF NOT EXISTS redemption_outcomes_id ON redemption_outcomes (id);

-- RedemptionVault `DiscountRedeemed`: points paying `discount` currency cents off an order.
CREATE TABLE IF NOT EXISTS discounts (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    customer  TEXT NOT NULL,
    order_ref TEXT NOT NULL,
    points    BIGINT NOT NULL,
    discount  BIGINT NOT NULL,
    rate      BIGINT NOT NULL,
    PRIMARY KEY (block, log_index)
);
CREATE INDEX IF NOT EXISTS discounts_customer ON discounts (customer);

-- Issue 14 (rolling tiers, pending points, one expiry event per sweep, migration). Old-layout tokens
-- leave these tables empty.
-- `PointsExpired(account, amount, fromEpoch, toEpoch)`: one sweep of lots earned in epochs from..to.
-- (It is also one `expirations` row, epoch = from_epoch, so totals and statements read both layouts.)
CREATE TABLE IF NOT EXISTS expiry_sweeps (
    block      BIGINT NOT NULL,
    log_index  INTEGER NOT NULL,
    tx_hash    TEXT NOT NULL,
    ts         BIGINT NOT NULL,
    account    TEXT NOT NULL,
    amount     BIGINT NOT NULL,
    from_epoch INTEGER NOT NULL,
    to_epoch   INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)
);

-- A pending credit (a reason of the pending policy in force, to a customer): an `Issued`, or one recipient
-- of a batch (its mint Transfer). Its mint does not go to a lot: it is not spendable before `release`
-- (the credit's block time + the window in force); from then on it is part of the lot of `epoch`. A
-- cancel burns it (a Transfer to zero that is no spend) before `PendingCancelled`. `key` is what
-- cancelPending takes: the credit's ref or the batch id.
CREATE TABLE IF NOT EXISTS pending_credits (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    account   TEXT NOT NULL,
    issuer    TEXT NOT NULL,
    key       TEXT NOT NULL,
    amount    BIGINT NOT NULL,
    epoch     INTEGER NOT NULL,
    release   BIGINT NOT NULL,
    PRIMARY KEY (block, log_index, seq)
);
CREATE INDEX IF NOT EXISTS pending_credits_account ON pending_credits (account, release);

-- `PendingCancelled`: a pending credit taken back by its issuer before release (a return).
CREATE TABLE IF NOT EXISTS pending_cancels (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    issuer    TEXT NOT NULL,
    key       TEXT NOT NULL,
    account   TEXT NOT NULL,
    amount    BIGINT NOT NULL,
    PRIMARY KEY (block, log_index)
);

-- `TierChanged`: the tier stored for an account changed at a touch.
CREATE TABLE IF NOT EXISTS tier_moves (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    account   TEXT NOT NULL,
    from_tier INTEGER NOT NULL,
    to_tier   INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)
);

-- `TierPolicySet` (kind 'tier': mode 0 lifetime / 1 rolling, period in epochs, soft landing) and
-- `PendingPolicySet` (kind 'pending': reason mask, window in seconds).
CREATE TABLE IF NOT EXISTS policy_changes (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    kind      TEXT NOT NULL,
    mode      INTEGER NOT NULL,
    period    BIGINT NOT NULL,
    flag      INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)
);

-- `AccountMigrated`: an account brought over from a previous token (its lots, with their epochs,
-- are in lot_changes, read from the migrateAccounts input).
CREATE TABLE IF NOT EXISTS migrations (
    block     BIGINT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash   TEXT NOT NULL,
    ts        BIGINT NOT NULL,
    account   TEXT NOT NULL,
    balance   BIGINT NOT NULL,
    pending   BIGINT NOT NULL,
    tier      INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)
);
