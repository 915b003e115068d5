// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title MigrationStandIn — tests only: the new token's migration surface while the real one is a stub
/// @notice `migrateAccounts` decodes the packed layout of IRewardToken's NatSpec, refuses an account it
///         already holds (`AccountNotEmpty`), emits the mint `Transfer` and `AccountMigrated` per account,
///         and answers the views the reconciliation reads. No expiry, no tiers of its own.
contract MigrationStandIn {
    struct Lot {
        uint256 epoch;
        uint256 amount;
        uint256 expiresAt;
    }

    event Transfer(address indexed from, address indexed to, uint256 value);
    event AccountMigrated(address indexed account, uint256 balance, uint256 pending, uint8 tier);
    event MigrationFinished();

    error AccountNotEmpty(address account);
    error MigrationClosed();
    error NotAdmin(address caller);

    uint256 public genesis;
    uint256 public epochLength;
    uint256 public validityEpochs;
    address public defaultAdmin;
    bool public migrationOpen = true;
    uint256 public totalSupply;
    uint256 public totalPending;
    uint256 public totalMigrated;
    uint256 public totalIssued;
    uint256 public constant totalExpired = 0;
    uint256 public constant totalBurned = 0;
    uint256 public constant totalCancelled = 0;
    mapping(address => uint256[]) private _epochs;
    mapping(address => uint256[]) private _amounts;
    mapping(address => uint256) public lifetimeEarned;
    mapping(address => uint8) public tierOf;
    mapping(address => uint256[2]) private _qualifying;
    mapping(address => bool) private _held;

    constructor(uint256 genesis_, uint256 epochLength_, uint256 validityEpochs_) {
        (genesis, epochLength, validityEpochs, defaultAdmin) = (genesis_, epochLength_, validityEpochs_, msg.sender);
    }

    function hasRole(bytes32, address account) external view returns (bool) {
        return account == defaultAdmin;
    }

    function paused() external pure returns (bool) {
        return false;
    }

    function isAcceptor(address) external pure returns (bool) {
        return false;
    }

    function currentEpoch() public view returns (uint256) {
        return (block.timestamp - genesis) / epochLength;
    }

    function balanceOf(address account) public view returns (uint256 sum) {
        for (uint256 i; i < _amounts[account].length; ++i) sum += _amounts[account][i];
    }

    function lotsOf(address account) external view returns (Lot[] memory lots) {
        lots = new Lot[](_epochs[account].length);
        for (uint256 i; i < lots.length; ++i) {
            uint256 e = _epochs[account][i];
            lots[i] = Lot(e, _amounts[account][i], genesis + (e + validityEpochs) * epochLength);
        }
    }

    function qualifyingPoints(address account) external view returns (uint256, uint256) {
        return (_qualifying[account][0], _qualifying[account][1]);
    }

    function pendingOf(address) external pure returns (uint256[] memory amounts, uint256[] memory releaseTimes) {
        return (amounts, releaseTimes);
    }

    /// @notice A plain credit in the current epoch (to make an account differ in the tests).
    function issue(address to, uint256 amount, uint8, bytes32) external returns (uint256) {
        _epochs[to].push(currentEpoch());
        _amounts[to].push(amount);
        lifetimeEarned[to] += amount;
        totalSupply += amount;
        totalIssued += amount;
        emit Transfer(address(0), to, amount);
        return amount;
    }

    function finishMigration() external {
        migrationOpen = false;
        emit MigrationFinished();
    }

    function migrateAccounts(bytes calldata p) external {
        if (msg.sender != defaultAdmin) revert NotAdmin(msg.sender);
        if (!migrationOpen) revert MigrationClosed();
        uint256 i;
        while (i < p.length) {
            address a = address(bytes20(p[i:i + 20]));
            uint256 n = uint8(p[i + 20]);
            i += 21;
            if (_held[a]) revert AccountNotEmpty(a);
            _held[a] = true;
            uint256 balance;
            for (uint256 k; k < n; ++k) {
                _epochs[a].push(uint16(bytes2(p[i:i + 2])));
                uint256 amount = uint48(bytes6(p[i + 2:i + 8]));
                _amounts[a].push(amount);
                balance += amount;
                i += 8;
            }
            lifetimeEarned[a] = uint48(bytes6(p[i:i + 6]));
            _qualifying[a] = [uint256(uint32(bytes4(p[i + 6:i + 10]))), uint256(uint32(bytes4(p[i + 10:i + 14])))];
            tierOf[a] = uint8(p[i + 16]);
            uint256 m = uint8(p[i + 17]);
            i += 18;
            uint256 pending;
            for (uint256 k; k < m; ++k) {
                pending += uint48(bytes6(p[i:i + 6]));
                i += 66; // amount (6) | epoch (2) | releaseTime (6) | issuer (20) | key (32)
            }
            totalSupply += balance;
            totalPending += pending;
            totalMigrated += balance + pending;
            totalIssued += balance + pending;
            if (balance != 0) emit Transfer(address(0), a, balance);
            emit AccountMigrated(a, balance, pending, tierOf[a]);
        }
    }
}
