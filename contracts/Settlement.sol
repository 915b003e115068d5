// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ISettlement} from "../interfaces/ISettlement.sol";

/// @title Settlement — clearing terms and acknowledged settlement statements of a ServiceCoin alliance
/// @notice See {ISettlement}.
/// @dev Storage: `_current` and `_pending` terms (one word each), `_pendingAt` (0: none announced), the notice
///      period; per period the published `Statement` (one word) and, per party, 1 = must acknowledge,
///      2 = acknowledged. Term changes follow the vault's rule: an announcement applies after the notice period,
///      and a newer announcement replaces a pending one.
contract Settlement is ISettlement, AccessControlDefaultAdminRules, EIP712 {
    /// @notice May publish statements (the clearing house's key).
    bytes32 public constant PUBLISHER_ROLE = keccak256("PUBLISHER_ROLE");
    /// @notice EIP-712 type of an acknowledgement.
    bytes32 public constant ACKNOWLEDGE_TYPEHASH =
        keccak256("Acknowledge(bytes32 period,bytes32 statementHash,address party,int256 net)");
    /// @notice Longest notice period that can be set.
    uint256 public constant MAX_NOTICE_PERIOD = 365 days;
    /// @notice Most parties one statement may list (keeps `publish` far below the block gas limit).
    uint256 public constant MAX_PARTIES = 500;

    uint8 private constant PARTY = 1;
    uint8 private constant ACKED = 2;

    address private immutable _clearingHouse;

    Terms private _current;
    Terms private _pending;
    uint64 private _pendingAt;
    uint64 private _notice;
    mapping(bytes32 period => Statement) private _statements;
    mapping(bytes32 period => mapping(address party => uint8)) private _parties;

    /// @param admin Receives DEFAULT_ADMIN_ROLE.
    /// @param clearingHouse_ The operator's account; receives PUBLISHER_ROLE.
    /// @param initial Terms in force from deployment.
    /// @param noticePeriod_ Seconds between a terms announcement and its effect.
    /// @param adminDelay Seconds an admin handover waits (AccessControlDefaultAdminRules).
    constructor(address admin, address clearingHouse_, Terms memory initial, uint256 noticePeriod_, uint48 adminDelay)
        AccessControlDefaultAdminRules(adminDelay, admin)
        EIP712("ServiceCoin Settlement", "1")
    {
        if (clearingHouse_ == address(0)) revert ZeroAddress();
        if (noticePeriod_ > MAX_NOTICE_PERIOD) revert NoticePeriodTooLong(noticePeriod_, MAX_NOTICE_PERIOD);
        _checkTerms(initial);
        _clearingHouse = clearingHouse_;
        _current = initial;
        _notice = uint64(noticePeriod_);
        _grantRole(PUBLISHER_ROLE, clearingHouse_);
        emit ClearingHouseSet(clearingHouse_);
        emit NoticePeriodSet(noticePeriod_);
        emit TermsAnnounced(initial.currency, initial.valuePerPoint, initial.breakage, block.timestamp);
    }

    // =====================================================================================
    // Terms
    // =====================================================================================

    /// @inheritdoc ISettlement
    function clearingHouse() external view returns (address) {
        return _clearingHouse;
    }

    /// @inheritdoc ISettlement
    function terms() external view returns (Terms memory current, Terms memory pending, uint256 pendingAt) {
        pendingAt = _pendingAt;
        if (pendingAt != 0 && block.timestamp >= pendingAt) {
            return (_pending, pending, 0);
        }
        current = _current;
        if (pendingAt != 0) pending = _pending;
    }

    /// @inheritdoc ISettlement
    function announceTerms(bytes3 currency, uint64 valuePerPoint, Breakage breakage)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (uint256 effectiveAt)
    {
        Terms memory next = Terms(currency, valuePerPoint, breakage);
        _checkTerms(next);
        uint256 pendingAt = _pendingAt;
        if (pendingAt != 0 && block.timestamp >= pendingAt) _current = _pending;
        effectiveAt = block.timestamp + _notice;
        _pending = next;
        _pendingAt = uint64(effectiveAt);
        emit TermsAnnounced(currency, valuePerPoint, breakage, effectiveAt);
    }

    /// @inheritdoc ISettlement
    function noticePeriod() external view returns (uint256) {
        return _notice;
    }

    /// @inheritdoc ISettlement
    function setNoticePeriod(uint256 seconds_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 current = _notice;
        if (seconds_ < current) revert NoticePeriodTooShort(current, seconds_);
        if (seconds_ > MAX_NOTICE_PERIOD) revert NoticePeriodTooLong(seconds_, MAX_NOTICE_PERIOD);
        _notice = uint64(seconds_);
        emit NoticePeriodSet(seconds_);
    }

    // =====================================================================================
    // Statements
    // =====================================================================================

    /// @inheritdoc ISettlement
    function publish(bytes32 period, bytes32 statementHash, address[] calldata parties)
        external
        onlyRole(PUBLISHER_ROLE)
    {
        Statement storage s = _statements[period];
        if (s.statementHash != bytes32(0)) revert StatementAlreadyPublished(period, s.statementHash);
        uint256 n = parties.length;
        if (n == 0 || n > MAX_PARTIES) revert BadPartyCount(n, MAX_PARTIES);
        mapping(address => uint8) storage marks = _parties[period];
        for (uint256 i; i < n; ++i) {
            address p = parties[i];
            if (p == address(0)) revert ZeroAddress();
            if (marks[p] != 0) revert DuplicateParty(p);
            marks[p] = PARTY;
        }
        // Cast is safe: n <= MAX_PARTIES; block time fits 64 bits.
        _statements[period] = Statement(statementHash, uint64(block.timestamp), uint32(n), 0);
        emit StatementPublished(period, statementHash, parties);
    }

    /// @inheritdoc ISettlement
    function acknowledge(bytes32 period, bytes32 statementHash, address party, int256 net, bytes calldata signature)
        external
    {
        Statement storage s = _statements[period];
        bytes32 published = s.statementHash;
        if (published == bytes32(0)) revert StatementNotPublished(period);
        if (published != statementHash) revert StatementHashMismatch(period, published, statementHash);
        uint8 mark = _parties[period][party];
        if (mark == 0) revert NotAParty(period, party);
        if (mark == ACKED) revert AlreadyAcknowledged(period, party);
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(ACKNOWLEDGE_TYPEHASH, period, statementHash, party, net)));
        if (!SignatureChecker.isValidSignatureNow(party, digest, signature)) revert InvalidSignature(party);
        _parties[period][party] = ACKED;
        uint32 acknowledged = s.acknowledged + 1;
        s.acknowledged = acknowledged;
        emit Acknowledged(period, party, statementHash, net, acknowledged, s.parties);
    }

    /// @inheritdoc ISettlement
    function statement(bytes32 period) external view returns (Statement memory) {
        return _statements[period];
    }

    /// @inheritdoc ISettlement
    function partyStatus(bytes32 period, address party) external view returns (bool isParty, bool acknowledged) {
        uint8 mark = _parties[period][party];
        return (mark != 0, mark == ACKED);
    }

    /// @inheritdoc AccessControlDefaultAdminRules
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(ISettlement).interfaceId || super.supportsInterface(interfaceId);
    }

    // =====================================================================================
    // Internal
    // =====================================================================================

    function _checkTerms(Terms memory t) private pure {
        for (uint256 i; i < 3; ++i) {
            bytes1 c = t.currency[i];
            if (c < 0x41 || c > 0x5a) revert InvalidCurrency(t.currency);
        }
        if (t.valuePerPoint == 0) revert ZeroValue();
    }
}
