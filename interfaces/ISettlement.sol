// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ServiceCoin alliance settlement
/// @notice The clearing terms of a program shared by several merchants, and the settlement statements
///         the clearing house publishes and each merchant acknowledges.
///
///         Terms: a point has a money value (an ISO 4217 currency and `valuePerPoint`, millionths of the
///         currency per whole point) and expired points (breakage) follow a policy: returned to the issuers,
///         pro rata to what each issued in the expired lots' epochs, or kept by the operator. A change is
///         announced and takes effect only after the notice period, like the vault's prices, so every
///         statement can be recomputed from chain data alone (the `TermsAnnounced` events give the terms in
///         force at any time).
///
///         Statements: the clearing house publishes, per period, the keccak256 of the statement's canonical
///         JSON and the parties that must acknowledge it. Each party acknowledges with an EIP-712 signature
///         over the period, the statement hash and its own net in money; anyone may submit the signature.
///         A statement stays open until every party has acknowledged it.
/// @dev Money amounts are integers of 1e-8 currency units: a raw point (1/100 point) times
///      `valuePerPoint` (1e-6 currency units per point) is exactly one such unit per step.
interface ISettlement {
    /// @notice What happens to the money value of points that expired unspent.
    enum Breakage {
        ReturnToIssuers,
        KeptByOperator
    }

    /// @notice The clearing terms.
    /// @param currency ISO 4217 code, upper-case ASCII ("EUR").
    /// @param valuePerPoint Millionths of the currency per whole point (10_000 = 0.01 per point).
    /// @param breakage The breakage policy.
    struct Terms {
        bytes3 currency;
        uint64 valuePerPoint;
        Breakage breakage;
    }

    /// @notice A published statement as `statement()` returns it.
    /// @param statementHash keccak256 of the statement's canonical JSON (0 when none is published).
    /// @param publishedAt Block time of the publication.
    /// @param parties Parties that must acknowledge it.
    /// @param acknowledged Parties that have acknowledged it.
    struct Statement {
        bytes32 statementHash;
        uint64 publishedAt;
        uint32 parties;
        uint32 acknowledged;
    }

    // ------------------------------------------------------------------ errors

    /// @notice A zero address where an account is required.
    error ZeroAddress();
    /// @notice The currency is not three upper-case ASCII letters.
    error InvalidCurrency(bytes3 currency);
    /// @notice A point must have a value.
    error ZeroValue();
    /// @notice A notice period may only be lengthened.
    error NoticePeriodTooShort(uint256 current, uint256 requested);
    /// @notice The notice period is longer than `MAX_NOTICE_PERIOD`.
    error NoticePeriodTooLong(uint256 requested, uint256 max);
    /// @notice A statement for this period is already published.
    error StatementAlreadyPublished(bytes32 period, bytes32 statementHash);
    /// @notice No statement is published for this period.
    error StatementNotPublished(bytes32 period);
    /// @notice The hash is not the one published for the period.
    error StatementHashMismatch(bytes32 period, bytes32 published, bytes32 given);
    /// @notice A statement needs at least one party, and at most `MAX_PARTIES`.
    error BadPartyCount(uint256 count, uint256 max);
    /// @notice A party is listed twice.
    error DuplicateParty(address party);
    /// @notice The account is not a party of the period's statement.
    error NotAParty(bytes32 period, address account);
    /// @notice The party has already acknowledged the period's statement.
    error AlreadyAcknowledged(bytes32 period, address party);
    /// @notice The signature is not the party's.
    error InvalidSignature(address party);

    // ------------------------------------------------------------------ events

    /// @notice The clearing house of this alliance (emitted once, at deployment).
    event ClearingHouseSet(address indexed clearingHouse);
    /// @notice New terms, in force from `effectiveAt` (the deployment's terms: effective at once).
    event TermsAnnounced(bytes3 currency, uint64 valuePerPoint, Breakage breakage, uint256 effectiveAt);
    /// @notice The notice period for term changes is now `seconds_`.
    event NoticePeriodSet(uint256 seconds_);
    /// @notice The statement of `period` was published with its parties.
    event StatementPublished(bytes32 indexed period, bytes32 statementHash, address[] parties);
    /// @notice `party` acknowledged the statement of `period` and its own net (1e-8 currency units).
    event Acknowledged(bytes32 indexed period, address indexed party, bytes32 statementHash, int256 net,
        uint256 acknowledged, uint256 parties);

    // ------------------------------------------------------------------ terms

    /// @notice The clearing house: the operator's account, which settles with every merchant.
    function clearingHouse() external view returns (address);

    /// @notice Terms in force now, the announced ones and when they apply (`pendingAt` 0: none announced).
    function terms() external view returns (Terms memory current, Terms memory pending, uint256 pendingAt);

    /// @notice Announce new terms; they apply `noticePeriod()` seconds from now. A later announcement before
    ///         that replaces this one.
    /// @dev Requirements: DEFAULT_ADMIN_ROLE; a valid currency; a non-zero value.
    ///      Emits {TermsAnnounced}.
    /// @return effectiveAt When the new terms apply.
    function announceTerms(bytes3 currency, uint64 valuePerPoint, Breakage breakage)
        external
        returns (uint256 effectiveAt);

    /// @notice Seconds between an announcement and its effect.
    function noticePeriod() external view returns (uint256);

    /// @notice Lengthen the notice period (it can never be shortened).
    /// @dev Requirements: DEFAULT_ADMIN_ROLE; not shorter than now, at most `MAX_NOTICE_PERIOD`.
    ///      Emits {NoticePeriodSet}.
    function setNoticePeriod(uint256 seconds_) external;

    // ------------------------------------------------------------------ statements

    /// @notice Publish the statement of `period` (an ASCII label such as "2026-12", left-aligned) and its parties.
    /// @dev Requirements: PUBLISHER_ROLE; nothing published for the period yet; 1..MAX_PARTIES distinct
    ///      non-zero parties. Emits {StatementPublished}.
    function publish(bytes32 period, bytes32 statementHash, address[] calldata parties) external;

    /// @notice Submit `party`'s EIP-712 acknowledgement of the period's statement and of its net.
    /// @dev Anyone may submit. Requirements: the statement is published with this hash; `party` is one of its
    ///      parties and has not acknowledged yet; `signature` is `party`'s (EOA, or ERC-1271 for a contract
    ///      wallet) over `Acknowledge(bytes32 period,bytes32 statementHash,address party,int256 net)`.
    ///      Emits {Acknowledged}.
    function acknowledge(bytes32 period, bytes32 statementHash, address party, int256 net, bytes calldata signature)
        external;

    /// @notice The published statement of `period` (all zero when none).
    function statement(bytes32 period) external view returns (Statement memory);

    /// @notice Whether `party` must acknowledge the statement of `period`, and whether it has.
    function partyStatus(bytes32 period, address party) external view returns (bool isParty, bool acknowledged);
}
