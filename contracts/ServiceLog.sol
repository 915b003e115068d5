// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IServiceLog} from "../interfaces/IServiceLog.sol";
import {IRewardToken} from "../interfaces/IRewardToken.sol";

/// @title ServiceLog — the append-only, hash-chained service record
/// @notice See {IServiceLog}.
/// @dev Storage: `_log` = head (bytes24, high 192 bits) | count (low 64 bits), one slot written per
///      transaction; `_tickets[id]` = customer (bits 0..159) | status (160..167) | feedback given
///      (bit 168) | follow-up bonus paid (bit 169), one slot per ticket, written only by Opened,
///      Resolved, Feedback and a rewarded satisfied FollowUp. Records themselves live in events.
///      `_owed[id]` holds a ticket's rewards the token refused, until they are claimed (written only
///      on a refusal, so a paid reward costs nothing more).
contract ServiceLog is IServiceLog, AccessControlDefaultAdminRules, EIP712 {
    /// @notice May append service records (help-desk systems).
    bytes32 public constant AGENT_ROLE = keccak256("AGENT_ROLE");
    /// @notice EIP-712 type of a customer's signed feedback.
    bytes32 public constant FEEDBACK_TYPEHASH =
        keccak256("Feedback(uint256 ticket,uint8 rating,bytes32 commitment,uint256 deadline)");
    /// @notice Gas a reward payment may need; a call with less reverts rather than skip the reward.
    uint256 public constant REWARD_GAS = 200_000;

    uint256 private constant COUNT_MASK = (1 << 64) - 1;
    uint256 private constant CUSTOMER_MASK = (1 << 160) - 1;
    uint256 private constant STATUS_SHIFT = 160;
    uint256 private constant FEEDBACK_FLAG = 1 << 168;
    uint256 private constant BONUS_FLAG = 1 << 169;
    uint256 private constant OPEN = uint256(uint8(Status.Open)) << STATUS_SHIFT;
    uint256 private constant RESOLVED = uint256(uint8(Status.Resolved)) << STATUS_SHIFT;
    uint256 private constant STATUS_BITS = uint256(0xff) << STATUS_SHIFT;
    uint256 private constant MAX_REWARD = type(uint128).max;
    uint256 private constant ENTRY_SIZE = 0xc0; // six ABI words
    uint256 private constant RECORD_SIZE = 71; // one packed record, layout in {IServiceLog}

    IRewardToken private immutable _token;
    uint256 private immutable _deploymentBlock;
    address private immutable _previous;
    bytes24 private immutable _previousHead;
    uint64 private immutable _previousCount;

    uint256 private _log; // head << 64 | count
    uint256 private _rewards; // followUpBonus << 128 | feedbackReward
    mapping(uint256 ticket => uint256) private _tickets;
    mapping(uint256 ticket => uint256) private _owed; // raw units the token refused, not yet claimed

    /// @param admin Receives DEFAULT_ADMIN_ROLE (grants AGENT_ROLE, sets rewards); handed over in two
    ///        steps, see {AccessControlDefaultAdminRules}.
    /// @param token_ The RewardToken; this contract needs its ISSUER_ROLE and a budget to pay rewards.
    /// @param feedbackReward Raw token units for accepted feedback (0: none).
    /// @param followUpBonus Raw token units for a satisfied follow-up (0: none).
    /// @param adminDelay Seconds between scheduling an admin handover and the new admin accepting it.
    /// @param previous The log this one continues (a new log version), or zero for a first log.
    /// @param previousHead `previous`'s head now (zero for a first log); this log starts from it.
    /// @param previousCount `previous`'s count now (zero for a first log); numbering continues after it.
    constructor(
        address admin,
        address token_,
        uint256 feedbackReward,
        uint256 followUpBonus,
        uint48 adminDelay,
        address previous,
        bytes24 previousHead,
        uint64 previousCount
    ) EIP712("ServiceCoin Log", "1") AccessControlDefaultAdminRules(adminDelay, admin) {
        if (token_ == address(0)) revert ZeroAddress();
        _token = IRewardToken(token_);
        _setRewards(feedbackReward, followUpBonus);
        if (previous == address(0)) {
            if (previousHead != bytes24(0) || previousCount != 0) revert PreviousLogMismatch(bytes24(0), 0);
        } else {
            (bytes24 h, uint64 n) = IServiceLog(previous).state();
            if (h != previousHead || n != previousCount) revert PreviousLogMismatch(h, n);
            _log = uint256(bytes32(previousHead)) | previousCount;
            emit LogContinued(previous, previousHead, previousCount);
        }
        _previous = previous;
        _previousHead = previousHead;
        _previousCount = previousCount;
        _deploymentBlock = block.number;
    }

    // =====================================================================================
    // Agents
    // =====================================================================================

    /// @inheritdoc IServiceLog
    function append(Entry calldata entry) external onlyRole(AGENT_ROLE) returns (uint64 seq) {
        uint256 log = _log;
        seq = uint64(log & COUNT_MASK) + 1;
        uint256 p;
        assembly {
            p := entry
        }
        (bytes24 newHead, uint256 bonus) = _appendAt(p, bytes24(bytes32(log)), seq);
        _log = uint256(bytes32(newHead)) | seq;
        if (bonus != 0) _reward(seq, entry.ticket, entry.customer, bonus);
    }

    /// @inheritdoc IServiceLog
    function appendBatch(Entry[] calldata entries) external onlyRole(AGENT_ROLE) returns (uint64 firstSeq) {
        uint256 n = entries.length;
        if (n == 0) revert EmptyBatch();
        uint256 log = _log;
        bytes24 h = bytes24(bytes32(log));
        uint64 seq = uint64(log & COUNT_MASK);
        firstSeq = seq + 1;
        uint256 p;
        assembly {
            p := entries.offset
        }
        // unchecked: p stays inside calldata (the decoder checked the array's bounds) and a
        // 64-bit count cannot overflow one record at a time
        for (uint256 end = p + n * ENTRY_SIZE; p < end;) {
            unchecked {
                ++seq;
            }
            uint256 bonus;
            (h, bonus) = _appendAt(p, h, seq);
            if (bonus != 0) {
                _log = uint256(bytes32(h)) | seq; // effects before the token call
                // slither-disable-next-line reentrancy-no-eth — _log written first; our own token
                _reward(seq, _word(p, 3), address(uint160(_word(p, 4))), bonus);
            }
            unchecked {
                p += ENTRY_SIZE;
            }
        }
        _log = uint256(bytes32(h)) | seq;
    }

    /// @inheritdoc IServiceLog
    function appendPacked(bytes calldata records) external onlyRole(AGENT_ROLE) returns (uint64 firstSeq) {
        uint256 len = records.length;
        if (len == 0 || len % RECORD_SIZE != 0) revert InvalidPackedLength(len);
        uint256 log = _log;
        bytes24 h = bytes24(bytes32(log));
        uint64 seq = uint64(log & COUNT_MASK);
        firstSeq = seq + 1;
        uint256 m = _packedScratch();
        uint256 p;
        assembly {
            p := records.offset
        }
        // unchecked: p stays inside `records` (its length is a multiple of RECORD_SIZE) and a 64-bit
        // count cannot overflow one record at a time
        for (uint256 end = p + len; p < end;) {
            unchecked {
                ++seq;
            }
            if (!_statelessOk(p, seq)) {
                uint256 bonus = _checkPacked(p, seq);
                if (bonus != 0) {
                    h = _chainPacked(m, p, h, seq);
                    _log = uint256(bytes32(h)) | seq; // effects before the token call
                    (uint256 ticket, address customer) = _packedTicket(p);
                    // slither-disable-next-line reentrancy-no-eth,reentrancy-events — _log written first; our own token
                    _reward(seq, ticket, customer, bonus);
                    m = _packedScratch(); // the call used the memory past the free pointer
                    unchecked {
                        p += RECORD_SIZE;
                    }
                    continue;
                }
            }
            h = _chainPacked(m, p, h, seq);
            unchecked {
                p += RECORD_SIZE;
            }
        }
        _log = uint256(bytes32(h)) | seq;
        // A call that is the transaction itself leaves its records in the transaction input, where an
        // auditor reads them; any other call (a contract agent) puts them in the event.
        bytes calldata carried = msg.sender == tx.origin ? records[0:0] : records;
        emit BatchRecorded(firstSeq, uint64(len / RECORD_SIZE), msg.sender, uint64(block.timestamp), h, carried);
    }

    /// @inheritdoc IServiceLog
    function anchor(bytes32 root, uint64 records) external onlyRole(AGENT_ROLE) returns (uint64 firstSeq) {
        if (records == 0) revert EmptyBatch();
        if (root == bytes32(0)) revert ZeroCommitment(0);
        uint256 log = _log;
        firstSeq = uint64(log & COUNT_MASK) + 1;
        uint64 last = firstSeq + records - 1;
        bytes24 h = bytes24(
            keccak256(abi.encodePacked(bytes24(bytes32(log)), firstSeq, records, msg.sender, uint64(block.timestamp), root))
        );
        _log = uint256(bytes32(h)) | last;
        emit Anchored(firstSeq, records, msg.sender, uint64(block.timestamp), root, h);
    }

    /// @dev Scratch memory for {_chainPacked} past the free pointer: word 1 holds the agent (20 bytes)
    ///      and the block timestamp (8 bytes); word 0 (head | seq) and the record (from byte 60) are
    ///      written per record. Nothing is allocated.
    function _packedScratch() private view returns (uint256 m) {
        assembly ("memory-safe") {
            m := mload(0x40)
            mstore(add(m, 0x20), or(shl(96, caller()), shl(32, timestamp())))
        }
    }

    /// @dev The next head after the packed record at calldata offset `p`: the first 24 bytes of
    ///      keccak256(head ‖ seq ‖ agent ‖ block timestamp ‖ record), 131 bytes (see {IServiceLog}).
    function _chainPacked(uint256 m, uint256 p, bytes24 h, uint64 seq) private pure returns (bytes24 newHead) {
        assembly ("memory-safe") {
            mstore(m, or(and(h, not(COUNT_MASK)), and(seq, COUNT_MASK)))
            calldatacopy(add(m, 60), p, RECORD_SIZE)
            newHead := and(keccak256(m, 131), not(COUNT_MASK)) // the high 24 bytes
        }
    }

    /// @dev Whether the packed record at calldata offset `p` is valid and needs no ticket state: a reply or
    ///      complaint, a follow-up that is not satisfied, an amendment of an earlier record (with a channel
    ///      in range, a non-zero ticket and commitment, no stray detail or ref). Anything else goes through
    ///      {_checkPacked}, which reads the ticket or names the error. Assembly: without this fast path a
    ///      packed reply costs 286 gas more (benchmarks/assembly.md).
    function _statelessOk(uint256 p, uint64 seq) private pure returns (bool ok) {
        assembly {
            let w := calldataload(p)
            let b := shr(248, w)
            let detail := and(b, 3)
            let ref := shr(216, calldataload(add(p, 61)))
            // channel <= InStore (5), ticket != 0, commitment != 0
            ok := and(lt(and(shr(2, b), 7), 6), and(iszero(iszero(and(shr(184, w), COUNT_MASK))), iszero(iszero(calldataload(add(p, 29))))))
            switch shr(5, b)
            case 1 { ok := and(ok, iszero(or(detail, ref))) } // Reply
            case 4 { ok := and(ok, iszero(or(detail, ref))) } // Complaint
            case 3 { ok := and(ok, and(iszero(ref), iszero(eq(detail, 2)))) } // FollowUp, not Satisfied
            case 6 { ok := and(ok, and(iszero(detail), and(iszero(iszero(ref)), lt(ref, seq)))) } // Amendment
            default { ok := 0 }
        }
    }

    /// @dev Ticket and customer of the packed record at calldata offset `p`.
    function _packedTicket(uint256 p) private pure returns (uint256 ticket, address customer) {
        assembly {
            ticket := and(shr(184, calldataload(p)), COUNT_MASK)
            customer := shr(96, calldataload(add(p, 9)))
        }
    }

    /// @dev Check the packed record at calldata offset `p` (record `seq`) and update its ticket where a
    ///      reward depends on it: Opened, Resolved, a satisfied FollowUp that earns the bonus. Replies,
    ///      complaints, amendments and other follow-ups read no ticket: `svc verify-log` checks them.
    function _checkPacked(uint256 p, uint64 seq) private returns (uint256 bonus) {
        uint256 flags;
        uint256 commitment;
        uint256 ref;
        assembly {
            flags := shr(248, calldataload(p))
            commitment := calldataload(add(p, 29))
            ref := shr(216, calldataload(add(p, 61)))
        }
        uint256 kind = flags >> 5;
        uint256 detail = flags & 3;
        if (kind > uint8(type(Kind).max) || (flags >> 2) & 7 > uint8(type(Channel).max)) revert InvalidEntry(seq);
        if (kind == uint8(Kind.Feedback)) revert KindNotAllowed(Kind.Feedback);
        if (commitment == 0) revert ZeroCommitment(seq);
        if (detail != 0 && kind != uint8(Kind.FollowUp)) revert InvalidDetail(Kind(kind), uint8(detail));
        if (kind == uint8(Kind.Amendment) ? (ref == 0 || ref >= seq) : ref != 0) {
            revert InvalidAmendment(uint64(ref), seq - 1);
        }
        (uint256 ticket, address customer) = _packedTicket(p);
        if (ticket == 0) revert InvalidTicket();
        if (kind == uint8(Kind.Opened)) {
            if (_tickets[ticket] != 0) revert TicketExists(ticket, address(uint160(_tickets[ticket])));
            if (customer == address(0)) revert ZeroAddress();
            _tickets[ticket] = OPEN | uint160(customer);
        } else if (kind == uint8(Kind.Resolved) || (kind == uint8(Kind.FollowUp) && detail == uint8(Outcome.Satisfied))) {
            uint256 t = _tickets[ticket];
            if (t == 0) revert UnknownTicket(ticket);
            if (address(uint160(t)) != customer) revert CustomerMismatch(ticket, address(uint160(t)), customer);
            if (kind == uint8(Kind.Resolved)) {
                if (t & STATUS_BITS != OPEN) revert TicketNotOpen(ticket, _status(t));
                _tickets[ticket] = (t & ~STATUS_BITS) | RESOLVED;
            } else if (t & BONUS_FLAG == 0) {
                bonus = _rewards >> 128;
                if (bonus != 0) _tickets[ticket] = t | BONUS_FLAG;
            }
        }
    }

    /// @dev Word `i` of the ABI-encoded Entry at calldata offset `p` (Entry is six static words).
    function _word(uint256 p, uint256 i) private pure returns (uint256 w) {
        assembly {
            w := calldataload(add(p, shl(5, i)))
        }
    }

    /// @dev Check the agent entry at calldata offset `p` against the ticket rules, update the ticket
    ///      where a rule needs it (Opened, Resolved, a satisfied FollowUp that earns the bonus), and
    ///      emit the record. Reads the entry's words directly: this loop is the batch's hot path.
    function _appendAt(uint256 p, bytes24 h, uint64 seq) private returns (bytes24 newHead, uint256 bonus) {
        uint256 kind = _word(p, 0);
        uint256 detail = _word(p, 1);
        uint256 ref = _word(p, 2);
        uint256 ticket = _word(p, 3);
        uint256 customer = _word(p, 4);
        // What the ABI decoder checks for an Entry, then the record rules.
        if (kind > uint8(type(Kind).max) || detail > 0xff || ref > type(uint64).max || customer >> 160 != 0) {
            revert InvalidEntry(seq);
        }
        if (ticket == 0) revert InvalidTicket();
        if (_word(p, 5) == 0) revert ZeroCommitment(seq);
        if (kind == uint8(Kind.Feedback)) revert KindNotAllowed(Kind.Feedback);
        if (kind == uint8(Kind.FollowUp) ? detail > uint8(type(Outcome).max) : detail != 0) {
            revert InvalidDetail(Kind(kind), uint8(detail));
        }
        if (kind == uint8(Kind.Amendment) ? (ref == 0 || ref >= seq) : ref != 0) {
            revert InvalidAmendment(uint64(ref), seq - 1);
        }
        uint256 t = _tickets[ticket];
        if (kind == uint8(Kind.Opened)) {
            if (t != 0) revert TicketExists(ticket, address(uint160(t)));
            if (customer == 0) revert ZeroAddress();
            _tickets[ticket] = OPEN | customer;
        } else {
            if (t == 0) revert UnknownTicket(ticket);
            if (t & CUSTOMER_MASK != customer) {
                revert CustomerMismatch(ticket, address(uint160(t)), address(uint160(customer)));
            }
            if (kind == uint8(Kind.Resolved)) {
                if (t & STATUS_BITS != OPEN) revert TicketNotOpen(ticket, _status(t));
                _tickets[ticket] = (t & ~STATUS_BITS) | RESOLVED;
            } else if (kind == uint8(Kind.FollowUp) && detail == uint8(Outcome.Satisfied) && t & BONUS_FLAG == 0) {
                bonus = _rewards >> 128;
                if (bonus != 0) _tickets[ticket] = t | BONUS_FLAG;
            }
        }
        newHead = _emitEntry(p, h, seq);
    }

    // =====================================================================================
    // Customers
    // =====================================================================================

    /// @inheritdoc IServiceLog
    function giveFeedback(uint256 ticket, uint8 rating, bytes32 commitment) external returns (uint64 seq) {
        return _feedback(ticket, rating, commitment, msg.sender);
    }

    /// @inheritdoc IServiceLog
    function giveFeedbackBySig(
        uint256 ticket,
        uint8 rating,
        bytes32 commitment,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint64 seq) {
        if (block.timestamp > deadline) revert SignatureExpired(deadline, block.timestamp);
        address customer = address(uint160(_tickets[ticket]));
        if (customer == address(0)) revert UnknownTicket(ticket);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(FEEDBACK_TYPEHASH, ticket, rating, commitment, deadline)));
        if (!SignatureChecker.isValidSignatureNow(customer, digest, signature)) revert InvalidSignature(ticket, customer);
        return _feedback(ticket, rating, commitment, customer);
    }

    /// @dev Feedback from `customer` (the caller or the verified signer): rules, record, reward.
    function _feedback(uint256 ticket, uint8 rating, bytes32 commitment, address customer) private returns (uint64 seq) {
        if (rating == 0 || rating > 5) revert InvalidDetail(Kind.Feedback, rating);
        uint256 t = _tickets[ticket];
        if (t == 0) revert UnknownTicket(ticket);
        if (address(uint160(t)) != customer) revert NotTicketCustomer(ticket, address(uint160(t)), customer);
        if (t & STATUS_BITS != RESOLVED) revert TicketNotResolved(ticket, _status(t));
        if (t & FEEDBACK_FLAG != 0) revert FeedbackAlreadyGiven(ticket);
        _tickets[ticket] = t | FEEDBACK_FLAG;

        uint256 log = _log;
        seq = uint64(log & COUNT_MASK) + 1;
        bytes24 h = _emitFeedback(bytes24(bytes32(log)), seq, ticket, customer, commitment, rating);
        _log = uint256(bytes32(h)) | seq;

        uint256 reward = uint128(_rewards);
        if (reward != 0) _reward(seq, ticket, customer, reward);
    }

    /// @inheritdoc IServiceLog
    function claimReward(uint256 ticket) external returns (uint256 minted) {
        uint256 amount = _owed[ticket];
        if (amount == 0) revert NothingOwed(ticket);
        address customer = address(uint160(_tickets[ticket]));
        delete _owed[ticket];
        emit RewardClaimed(ticket, customer, msg.sender, amount);
        // A refusal reverts the claim, so the debt stays until the token pays it.
        minted = _token.issue(customer, amount, IRewardToken.Reason.Feedback, bytes32(ticket));
    }

    // =====================================================================================
    // Admin
    // =====================================================================================

    /// @inheritdoc IServiceLog
    function setRewards(uint256 feedbackReward, uint256 followUpBonus) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRewards(feedbackReward, followUpBonus);
    }

    function _setRewards(uint256 feedbackReward, uint256 followUpBonus) private {
        if (feedbackReward > MAX_REWARD) revert RewardTooLarge(feedbackReward);
        if (followUpBonus > MAX_REWARD) revert RewardTooLarge(followUpBonus);
        _rewards = (followUpBonus << 128) | feedbackReward;
        emit RewardsSet(feedbackReward, followUpBonus);
    }

    // =====================================================================================
    // Views
    // =====================================================================================

    /// @inheritdoc IServiceLog
    function head() external view returns (bytes24) {
        return bytes24(bytes32(_log));
    }

    /// @inheritdoc IServiceLog
    function count() external view returns (uint64) {
        return uint64(_log & COUNT_MASK);
    }

    /// @inheritdoc IServiceLog
    function state() external view returns (bytes24 head_, uint64 count_) {
        uint256 log = _log;
        return (bytes24(bytes32(log)), uint64(log & COUNT_MASK));
    }

    /// @inheritdoc IServiceLog
    function ticketOf(uint256 ticket)
        external
        view
        returns (address customer, Status status, bool feedbackGiven, bool bonusPaid)
    {
        uint256 t = _tickets[ticket];
        return (address(uint160(t)), _status(t), t & FEEDBACK_FLAG != 0, t & BONUS_FLAG != 0);
    }

    /// @inheritdoc IServiceLog
    function rewards() external view returns (uint256 feedbackReward, uint256 followUpBonus) {
        uint256 r = _rewards;
        return (uint128(r), r >> 128);
    }

    /// @inheritdoc IServiceLog
    function feedbackDigest(uint256 ticket, uint8 rating, bytes32 commitment, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(FEEDBACK_TYPEHASH, ticket, rating, commitment, deadline)));
    }

    /// @inheritdoc IServiceLog
    function owedReward(uint256 ticket) external view returns (uint256) {
        return _owed[ticket];
    }

    /// @inheritdoc IServiceLog
    function deploymentBlock() external view returns (uint256) {
        return _deploymentBlock;
    }

    /// @inheritdoc IServiceLog
    function previousLog() external view returns (address log, bytes24 head_, uint64 count_) {
        return (_previous, _previousHead, _previousCount);
    }

    /// @inheritdoc IServiceLog
    function token() external view returns (address) {
        return address(_token);
    }

    /// @notice The EIP-712 domain separator of this log on this chain.
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // =====================================================================================
    // Internals
    // =====================================================================================

    function _status(uint256 t) private pure returns (Status) {
        return Status(uint8(t >> STATUS_SHIFT));
    }

    /// @dev Emit the agent record at calldata offset `p` as record `seq`; returns the next head.
    ///      The ten hash words are laid out in scratch memory past the free pointer (nothing is
    ///      allocated, so a batch does not grow memory record by record).
    function _emitEntry(uint256 p, bytes24 h, uint64 seq) private returns (bytes24) {
        uint256 m;
        assembly ("memory-safe") {
            m := mload(0x40)
            // values narrower than a word may carry dirty bits on the stack: clean them
            mstore(m, and(h, not(0xffffffffffffffff)))
            mstore(add(m, 0x20), and(seq, 0xffffffffffffffff))
            mstore(add(m, 0x40), calldataload(p)) // kind
            mstore(add(m, 0x60), calldataload(add(p, 0x60))) // ticket
            mstore(add(m, 0x80), calldataload(add(p, 0x80))) // customer
            mstore(add(m, 0xa0), caller()) // agent
            mstore(add(m, 0xc0), calldataload(add(p, 0xa0))) // commitment
            mstore(add(m, 0xe0), calldataload(add(p, 0x20))) // detail
            mstore(add(m, 0x100), calldataload(add(p, 0x40))) // ref
        }
        return _seal(m);
    }

    /// @dev Emit a customer's feedback as record `seq` (the customer is also the record's agent):
    ///      the same ten-word chain encoding and `info` packing as {_seal}, in plain Solidity.
    function _emitFeedback(bytes24 h, uint64 seq, uint256 ticket, address customer, bytes32 commitment, uint8 rating)
        private
        returns (bytes24 newHead)
    {
        uint256 ts = block.timestamp;
        uint8 kind = uint8(Kind.Feedback);
        newHead = bytes24(keccak256(abi.encode(h, seq, kind, ticket, customer, customer, commitment, rating, 0, ts)));
        uint256 info = (uint256(kind) << 200) | (uint256(rating) << 192) | (ts << 64) | seq; // ref = 0
        emit Recorded(ticket, customer, customer, commitment, info, newHead);
    }

    /// @dev With h, seq, kind, ticket, customer, agent, commitment, detail, ref at memory `m`: add
    ///      the timestamp, hash the ten words (the chain encoding of {IServiceLog}), and emit
    ///      `Recorded(ticket, customer; agent, commitment, info, head)`: agent and commitment stay
    ///      where the hash read them, `info` (seq, timestamp, ref, detail, kind packed into one word,
    ///      see {IServiceLog}) and the head overwrite the detail and ref words after them.
    function _seal(uint256 m) private returns (bytes24 newHead) {
        bytes32 topic0 = Recorded.selector;
        assembly ("memory-safe") {
            let ts := timestamp()
            mstore(add(m, 0x120), ts)
            newHead := and(keccak256(m, 0x140), not(0xffffffffffffffff))
            // every field was range-checked (or masked) before it was stored here
            let info :=
                or(
                    or(shl(200, mload(add(m, 0x40))), shl(192, mload(add(m, 0xe0)))),
                    or(shl(128, mload(add(m, 0x100))), or(shl(64, ts), mload(add(m, 0x20))))
                )
            mstore(add(m, 0xe0), info)
            mstore(add(m, 0x100), newHead)
            log3(add(m, 0xa0), 0x80, topic0, mload(add(m, 0x60)), mload(add(m, 0x80)))
        }
    }

    /// @dev Pay `amount` through the token; a refusal (budget spent, token paused) never reverts
    ///      the record: the reward is owed to the ticket's customer, to be claimed later with
    ///      {claimReward}. Running out of gas inside the token is not a refusal: the transaction
    ///      reverts, so a relayer cannot skip a reward by sending little gas.
    function _reward(uint64 seq, uint256 ticket, address customer, uint256 amount) private {
        if (gasleft() < REWARD_GAS) revert InsufficientGasForReward(gasleft());
        uint256 paid = 0;
        try _token.issue(customer, amount, IRewardToken.Reason.Feedback, bytes32(ticket)) returns (uint256 minted) {
            paid = minted;
        } catch {
            _owed[ticket] += amount;
            emit RewardOwed(seq, ticket, customer, amount);
        }
        emit Rewarded(seq, ticket, customer, amount, paid);
    }
}
