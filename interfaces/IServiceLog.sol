// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ServiceCoin service log
/// @notice An append-only, hash-chained record of customer-service interactions and feedback.
///         Nothing is ever edited or deleted: a correction is an `Amendment` record that points at
///         an earlier sequence number. Content (the customer's words, call notes) stays off chain;
///         a record holds only `commitment = keccak256(salt ‖ content)` with a random 32-byte salt,
///         so deleting salt and text off chain erases the personal data and the chain still verifies.
/// @dev Hash chain. Records are numbered from 1 (`seq`); `count()` is the last number used.
///      The head starts at zero and every record moves it:
///
///          head_n = bytes24(keccak256(abi.encode(
///              head_{n-1},   // bytes24 (abi.encode pads it on the right)
///              seq,          // uint64
///              kind,         // uint8 (Kind)
///              ticket,       // uint256
///              customer,     // address
///              agent,        // address: the sender, or the signer of a relayed feedback
///              commitment,   // bytes32
///              detail,       // uint8: rating 1..5 (Feedback), outcome 0..3 (FollowUp), else 0
///              ref,          // uint64: amended seq (Amendment), else 0
///              timestamp     // uint64: block timestamp
///          )))
///
///      i.e. the first 24 bytes of the keccak of ten ABI words. Every field is in the `Recorded`
///      event, with the head after the record, so anyone can recompute the chain from the events,
///      find the first record where a copy diverges, and compare the last head with `head()`.
///      The head is 192 bits so that it shares one storage slot with the count.
///
///      `Recorded` carries ticket and customer as topics (filter by either), agent, commitment
///      and head as ABI words, and the small fields packed into one word, `info`:
///
///          seq       = uint64(info)
///          timestamp = uint64(info >> 64)
///          ref       = uint64(info >> 128)
///          detail    = uint8(info >> 192)
///          kind      = uint8(info >> 200)   // bits 208..255 are zero
///
///      (one data word instead of five, and no kind topic: 1,143 gas less per record). Filter by
///      kind off chain after decoding `info`.
///
///      Packed records (`appendPacked`). Each record is 71 bytes:
///
///          byte  0        kind << 5 | channel << 2 | detail   (kind 3 bits, Channel 3 bits, Outcome 2 bits)
///          bytes 1..8     ticket      uint64, non-zero
///          bytes 9..28    customer    address
///          bytes 29..60   commitment  bytes32, non-zero
///          bytes 61..65   ref         uint40: amended seq (Amendment), else 0
///          bytes 66..70   time        uint40: the help desk's own event time (unix seconds, 0 unknown)
///
///      and moves the head as
///
///          head_n = bytes24(keccak256(abi.encodePacked(
///              head_{n-1}, uint64 seq, address agent, uint64 blockTimestamp, bytes71 record)))
///
///      One `BatchRecorded` event per call carries the first seq, the number of records, the agent, the
///      block time and the head after the last record. The records themselves are the call's input:
///      when the call is the transaction itself (an agent key calling the log), an auditor reads them
///      from the transaction input (eth_getTransactionByHash) and the event's `records` is empty; a
///      call from a contract (a multisig agent) carries them in `records` (8 gas a byte more).
///
///      Anchored batches (`anchor`): `count` records kept off chain under a Merkle `root` take the
///      numbers firstSeq..firstSeq+count-1 and move the head once:
///
///          head = bytes24(keccak256(abi.encodePacked(
///              head, uint64 firstSeq, uint64 count, address agent, uint64 blockTimestamp, bytes32 root)))
///
///      (leaf = keccak256(0x00 ‖ record71), node = keccak256(0x01 ‖ left ‖ right), an odd last node
///      moves up unchanged; a leaf's position in the tree is its seq - firstSeq; servicecoin/servicelog/merkle.py).
interface IServiceLog {
    /// @notice What a record says happened.
    enum Kind {
        Opened, // a ticket was opened (creates the ticket and binds it to its customer)
        Reply, // an agent replied
        Resolved, // the ticket was resolved (feedback becomes possible)
        FollowUp, // a follow-up call; detail = Outcome
        Complaint, // the customer complained
        Feedback, // the customer's feedback; detail = rating 1..5
        Amendment // a correction of the record `ref`
    }

    /// @notice Result of a follow-up call (the `detail` of a FollowUp record).
    enum Outcome {
        Reached,
        NotReached,
        Satisfied,
        Unsatisfied
    }

    /// @notice Where an interaction happened (packed records).
    enum Channel {
        Unknown,
        Chat,
        Phone,
        Email,
        Social,
        InStore
    }

    /// @notice Lifecycle of a ticket.
    enum Status {
        None,
        Open,
        Resolved
    }

    /// @notice One record an agent appends.
    /// @param kind Any kind but Feedback (customers give feedback themselves).
    /// @param detail Outcome for FollowUp, 0 otherwise.
    /// @param ref The earlier seq an Amendment corrects, 0 otherwise.
    /// @param ticket Non-zero ticket id chosen by the help desk (unique in this log).
    /// @param customer The ticket's customer (set by Opened, must match afterwards).
    /// @param commitment keccak256(salt ‖ content), never zero (a record without text commits to a salt).
    struct Entry {
        Kind kind;
        uint8 detail;
        uint64 ref;
        uint256 ticket;
        address customer;
        bytes32 commitment;
    }

    // ---------------------------------------------------------------- errors
    error ZeroAddress();
    error InvalidTicket();
    error TicketExists(uint256 ticket, address customer);
    error UnknownTicket(uint256 ticket);
    error CustomerMismatch(uint256 ticket, address expected, address given);
    error TicketNotOpen(uint256 ticket, Status status);
    error TicketNotResolved(uint256 ticket, Status status);
    error KindNotAllowed(Kind kind);
    error InvalidDetail(Kind kind, uint8 detail);
    error InvalidAmendment(uint64 ref, uint64 count);
    error FeedbackAlreadyGiven(uint256 ticket);
    error NotTicketCustomer(uint256 ticket, address customer, address caller);
    error InvalidSignature(uint256 ticket, address customer);
    error SignatureExpired(uint256 deadline, uint256 timestamp);
    error EmptyBatch();
    error InvalidEntry(uint64 seq);
    error RewardTooLarge(uint256 amount);
    error InsufficientGasForReward(uint256 gasLeft);
    error NothingOwed(uint256 ticket);
    error ZeroCommitment(uint64 seq);
    error InvalidPackedLength(uint256 length);
    error PreviousLogMismatch(bytes24 head, uint64 count);

    // ---------------------------------------------------------------- events
    /// @notice A record was appended; `head` is the chain head after it (see the interface NatSpec).
    /// @dev `info` packs the record's small fields: seq (bits 0..63), timestamp (64..127),
    ///      ref (128..191), detail (192..199), kind (200..207).
    event Recorded(
        uint256 indexed ticket, address indexed customer, address agent, bytes32 commitment, uint256 info, bytes24 head
    );
    /// @notice Record `seq` earned `due` points; `paid` is what the token credited (0 when the
    ///         log's budget is spent or the token is paused — the record stands anyway, and the
    ///         reward is owed: see `RewardOwed`).
    event Rewarded(uint64 indexed seq, uint256 indexed ticket, address indexed customer, uint256 due, uint256 paid);
    /// @notice The token refused the reward of record `seq`: `amount` is owed to the ticket's
    ///         customer and can be claimed once with `claimReward(ticket)`.
    event RewardOwed(uint64 indexed seq, uint256 indexed ticket, address indexed customer, uint256 amount);
    /// @notice `caller` claimed the `amount` owed on `ticket`; the customer was paid (the token's
    ///         `Issued` event in the same transaction says what was minted).
    event RewardClaimed(uint256 indexed ticket, address indexed customer, address caller, uint256 amount);
    /// @notice `appendPacked` appended `count` records from firstSeq, sent by `agent` at block time
    ///         `timestamp`; `head` is the chain head after the last one. `records` is empty when the
    ///         records are the transaction's input (see the packed-record NatSpec above).
    event BatchRecorded(uint64 firstSeq, uint64 count, address agent, uint64 timestamp, bytes24 head, bytes records);
    /// @notice `anchor` numbered `count` off-chain records firstSeq.. under Merkle `root`; `head` after it.
    event Anchored(uint64 firstSeq, uint64 count, address agent, uint64 timestamp, bytes32 root, bytes24 head);
    /// @notice This log continues `previous` from its `head` and `count` (a new log version).
    event LogContinued(address previous, bytes24 head, uint64 count);
    /// @notice The admin changed the rewards (raw token units).
    event RewardsSet(uint256 feedbackReward, uint256 followUpBonus);

    // ---------------------------------------------------------------- agents
    /// @notice Append one service record. AGENT_ROLE.
    /// @dev Opened creates the ticket (one fresh storage slot); Resolved needs an open ticket;
    ///      every other kind needs an existing ticket with the same customer and writes no ticket
    ///      state, except a satisfied FollowUp that pays the follow-up bonus (once per ticket).
    /// @return seq The record's sequence number.
    function append(Entry calldata entry) external returns (uint64 seq);

    /// @notice Append many service records in order, with the rules of `append`. AGENT_ROLE.
    /// @return firstSeq The sequence number of the first record.
    function appendBatch(Entry[] calldata entries) external returns (uint64 firstSeq);

    /// @notice Append packed records (71 bytes each, layout above) in order, with one event. AGENT_ROLE.
    /// @dev Ticket state is kept only where rewards depend on it: Opened creates the ticket, Resolved
    ///      needs it open with the same customer, a satisfied FollowUp checks the customer and pays the
    ///      follow-up bonus once. Replies, complaints, amendments and other follow-ups read no ticket
    ///      state; `svc verify-log` checks that they name a known ticket and its customer. Commitments
    ///      must be non-zero.
    /// @return firstSeq The sequence number of the first record.
    function appendPacked(bytes calldata records) external returns (uint64 firstSeq);

    /// @notice Number `records` records kept off chain under one Merkle `root` (anchored mode). AGENT_ROLE.
    /// @dev The contract sees only the root: it checks no record. Use it for kinds that pay no reward
    ///      and change no ticket state (replies, complaints, amendments, unrewarded follow-ups).
    /// @return firstSeq The sequence number of the first anchored record.
    function anchor(bytes32 root, uint64 records) external returns (uint64 firstSeq);

    // ---------------------------------------------------------------- customers
    /// @notice Give feedback (rating 1..5) on your own resolved ticket, once; earns the feedback reward.
    /// @return seq The feedback record's sequence number.
    function giveFeedback(uint256 ticket, uint8 rating, bytes32 commitment) external returns (uint64 seq);

    /// @notice Submit a customer's signed feedback (anyone may relay it, e.g. the merchant's relayer).
    /// @dev `signature` is the ticket customer's EIP-712 signature (EOA or ERC-1271 wallet) of
    ///      `Feedback(uint256 ticket,uint8 rating,bytes32 commitment,uint256 deadline)` under domain
    ///      name "ServiceCoin Log", version "1", this chain id and this contract. It cannot be replayed:
    ///      it names one ticket, and a ticket takes feedback once.
    /// @return seq The feedback record's sequence number.
    function giveFeedbackBySig(uint256 ticket, uint8 rating, bytes32 commitment, uint256 deadline, bytes calldata signature)
        external
        returns (uint64 seq);

    /// @notice Pay the rewards owed on `ticket` (what the token refused when they were earned) to
    ///         the ticket's customer. Anyone may call it on the customer's behalf; the customer is
    ///         always the one paid.
    /// @dev Clears the debt, emits `RewardClaimed`, then issues through the token, charged to the
    ///      log's budget as the reward would have been. If the token still refuses (paused, budget
    ///      spent), the claim reverts and the debt stays. A second claim reverts with `NothingOwed`.
    /// @return minted The points credited (after the tier multiplier, if feedback is tier-eligible).
    function claimReward(uint256 ticket) external returns (uint256 minted);

    // ---------------------------------------------------------------- admin
    /// @notice Set the points (raw token units) accepted feedback and a satisfied follow-up earn. Admin.
    function setRewards(uint256 feedbackReward, uint256 followUpBonus) external;

    // ---------------------------------------------------------------- views
    /// @notice The chain head after the last record (zero before the first).
    function head() external view returns (bytes24);

    /// @notice Number of records (the last sequence number).
    function count() external view returns (uint64);

    /// @notice Head and count in one call, read from the same slot.
    function state() external view returns (bytes24 head_, uint64 count_);

    /// @notice A ticket's customer, status and whether feedback / the follow-up bonus were given.
    function ticketOf(uint256 ticket)
        external
        view
        returns (address customer, Status status, bool feedbackGiven, bool bonusPaid);

    /// @notice Points for accepted feedback and for a satisfied follow-up (raw token units).
    function rewards() external view returns (uint256 feedbackReward, uint256 followUpBonus);

    /// @notice The EIP-712 digest a customer signs for `giveFeedbackBySig`.
    function feedbackDigest(uint256 ticket, uint8 rating, bytes32 commitment, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice Raw token units owed on `ticket` (refused rewards not yet claimed).
    function owedReward(uint256 ticket) external view returns (uint256);

    /// @notice The block this log was deployed in: where an auditor starts reading its events.
    function deploymentBlock() external view returns (uint256);

    /// @notice The log this one continues, with the head and count it started from (zeros for a first log).
    function previousLog() external view returns (address log, bytes24 head_, uint64 count_);

    /// @notice The token that pays rewards.
    function token() external view returns (address);
}
