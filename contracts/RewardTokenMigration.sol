// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRewardToken} from "../interfaces/IRewardToken.sol";
import {EpochCounters} from "./EpochCounters.sol";
import {LotRing} from "./LotRing.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {OzLayout} from "./OzLayout.sol";
import {RewardTokenBase} from "./RewardTokenBase.sol";
import {TierClock} from "./TierClock.sol";
import {TierTable} from "./TierTable.sol";

/// @title RewardTokenMigration — moving the accounts of a previous RewardToken into this one
/// @notice Part of {RewardTokenExt} (the token runs it by DELEGATECALL): `migrateAccounts` and
///         `finishMigration`, see {IRewardToken-migrateAccounts}. servicecoin/token_migration_codec.py
///         writes the records; `svc migrate token` sends them (docs/migration.md).
/// @dev No state of its own: the layout is {OzLayout}'s, then {RewardTokenBase}'s.
abstract contract RewardTokenMigration is OzLayout, RewardTokenBase {
    using LotRing for LotRing.Ledger;
    using EpochCounters for mapping(uint256 => uint256);

    /// @dev A migration record's lot count that marks an acceptor's record instead.
    uint256 private constant ACCEPTOR_RECORD = 0xff;

    /// @notice See {IRewardToken-migrateAccounts} for the layout of `packed`.
    function migrateAccounts(bytes calldata packed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_config & CFG_MIGRATION_CLOSED != 0) revert IRewardToken.MigrationClosed();
        uint256 o;
        uint256 total;
        while (o < packed.length) {
            uint256 moved;
            (o, moved) = _migrateOne(packed, o);
            total += moved;
        }
        _issued += total;
        _migrated += total;
    }

    /// @notice See {IRewardToken-finishMigration}.
    function finishMigration() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_config & CFG_MIGRATION_CLOSED != 0) revert IRewardToken.MigrationClosed();
        _config |= CFG_MIGRATION_CLOSED;
        emit IRewardToken.MigrationFinished();
    }

    /// @dev Migrates the account record at offset `o`; returns the next offset and the points moved.
    function _migrateOne(bytes calldata d, uint256 o) private returns (uint256, uint256) {
        address account = address(uint160(_read(d, o, 20)));
        if (account == address(0)) revert IRewardToken.BadMigrationData(o);
        if (_accounts[account][0] != 0) revert IRewardToken.AccountNotEmpty(account);
        if (_read(d, o + 20, 1) == ACCEPTOR_RECORD) return _migrateAcceptor(d, o + 21, account);
        uint256 balance;
        LotRing.Ledger memory l;
        (o, balance, l) = _migrateLots(d, o + 20, account);
        uint256 tier;
        (o, tier) = _migrateHeader(d, o, l, account);
        uint256 m = _read(d, o, 1);
        if (m > MAX_PENDING_PER_ACCOUNT) revert IRewardToken.BadMigrationData(o);
        ++o;
        uint256 pending;
        for (uint256 k; k < m; ++k) {
            pending += _migratePending(d, o, account, k);
            o += 66;
        }
        _accounts[account][0] += m << PCOUNT_SHIFT;
        emit IERC20.Transfer(address(0), account, balance);
        emit IRewardToken.AccountMigrated(account, balance, pending, uint8(tier));
        return (o, balance + pending);
    }

    /// @dev An acceptor's record (after its address and the 0xff mark): its plain balance (16 bytes).
    ///      Returns the next offset and the balance.
    function _migrateAcceptor(bytes calldata d, uint256 o, address account) private returns (uint256, uint256 balance) {
        balance = _read(d, o, 16);
        _accounts[account][0] = ACCEPTOR_FLAG | balance;
        _acceptorSupply += balance;
        emit IRewardToken.AcceptorSet(account, true);
        emit IERC20.Transfer(address(0), account, balance);
        emit IRewardToken.AccountMigrated(account, balance, 0, 0);
        return (o + 16, balance);
    }

    /// @dev The lots of an account record (count, then epoch and amount each) into a ledger over
    ///      `account`; returns the next offset, their total and the ledger.
    function _migrateLots(bytes calldata d, uint256 o, address account)
        private
        returns (uint256, uint256 total, LotRing.Ledger memory l)
    {
        uint256[5] storage acct = _accounts[account];
        uint256 cur = _epochNow();
        uint256 n = _read(d, o, 1);
        if (n > _validity) revert IRewardToken.BadMigrationData(o);
        ++o;
        l = LotRing.openWith(0);
        uint256 previous;
        for (uint256 i; i < n; ++i) {
            uint256 epoch = _read(d, o, 2);
            uint256 amount = _read(d, o + 2, 6);
            // Live lots only, oldest first, one an epoch.
            if (epoch > cur || epoch + _validity <= cur || amount == 0 || (i != 0 && epoch <= previous)) {
                revert IRewardToken.BadMigrationData(o);
            }
            previous = epoch;
            l.set(acct, i, LotRing.pack(epoch, amount));
            _epochBuckets.add(epoch, amount);
            total += amount;
            o += 8;
        }
        l.setRing(0, n);
        return (o, total, l);
    }

    /// @dev The lifetime and qualification of an account record into the ledger, which is stored;
    ///      returns the next offset and the tier.
    function _migrateHeader(bytes calldata d, uint256 o, LotRing.Ledger memory l, address account)
        private
        returns (uint256, uint256 tier)
    {
        // lifetime (6) | qualifying current (4) | qualifying last (4) | last touched epoch (2) | tier (1)
        tier = _read(d, o + 16, 1);
        uint256 qc = _read(d, o + 6, 4);
        uint256 ql = _read(d, o + 10, 4);
        uint256 qe = _read(d, o + 14, 2);
        if (tier >= TierTable.MAX_TIERS || qc > TierClock.MAX_QUALIFYING || ql > TierClock.MAX_QUALIFYING
                || qe > _epochNow()) revert IRewardToken.BadMigrationData(o);
        l.s[0] = TierClock.withHeld(TierClock.withFields(LotRing.addLifetime(l.s[0], _read(d, o, 6)), qc, ql, qe, tier), tier);
        l.dirty |= 1;
        l.store(_accounts[account]);
        return (o + 17, tier);
    }

    /// @dev Migrates the pending credit at offset `o` as entry `k` of `account`, with a record of its
    ///      own keyed by (issuer, key); returns its amount.
    function _migratePending(bytes calldata d, uint256 o, address account, uint256 k)
        private
        returns (uint256 amount)
    {
        uint256 cur = _epochNow();
        amount = _read(d, o, 6);
        uint256 epoch = _read(d, o + 6, 2);
        uint256 release = _read(d, o + 8, 6);
        address issuer = address(uint160(_read(d, o + 14, 20)));
        bytes32 key = bytes32(_read(d, o + 34, 32));
        if (amount == 0 || epoch > cur || release > WINDOW_MASK) revert IRewardToken.BadMigrationData(o);
        uint256 id = _pendingKeys[issuer][key];
        if (id == 0) {
            id = ++_pendingSeq;
            _pendingKeys[issuer][key] = id;
            _pendingRecords[id] = (epoch << 200) | (release << 160) | uint160(issuer);
        }
        // The credits of one batch (one issuer and key) share its record: the same release and epoch.
        uint256 r = _pendingRecords[id];
        if ((r >> 160) & WINDOW_MASK != release || (r >> 200) & 0xffff != epoch || address(uint160(r)) != issuer) {
            revert IRewardToken.BadMigrationData(o);
        }
        _pendingRecords[id] = r + (amount << 216);
        _pendingLots[account][k] = VESTS | (id << ID_SHIFT) | (release << RELEASE_SHIFT) | (epoch << 48) | amount;
        _epochBuckets.add(epoch, amount);
    }

    /// @dev The big-endian number of `len` (1..32) bytes at offset `o` of `d`; BadMigrationData past its end.
    function _read(bytes calldata d, uint256 o, uint256 len) private pure returns (uint256) {
        if (o + len > d.length) revert IRewardToken.BadMigrationData(o);
        return uint256(bytes32(d[o:o + len])) >> (256 - 8 * len);
    }
}
