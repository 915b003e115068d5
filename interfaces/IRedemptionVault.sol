// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ServiceCoin redemption vault
/// @notice Customers spend their reward points on catalog items (gifts, discount vouchers,
///         exclusive services) and on checkout discounts, under terms that change only after a
///         public notice period. Merchants fulfil a redemption with a voucher commitment or
///         refund it within the refund window.
/// @dev Points are burned through `IRewardToken.spend` (oldest live points first, expired points
///      never count) and refunded through `IRewardToken.issue` with reason `Refund`: a refund is a
///      new lot in the current epoch, so refunded points never expire earlier than the points that
///      were spent, and they never count toward tiers.
///
///      Redemption ids carry the item: `id >> 224` is the item id. A direct redemption has id
///      `itemId << 224 | createdAt << 64 | slot`: its record lives in a storage slot of the item that is
///      reused once the redemption is fulfilled or refunded, and a slot is only reused in a later second,
///      so ids never repeat and an id whose slot was reused reads as unknown (`Status.None`). A signed
///      (gasless) one has `itemId << 224 | 1 << 223 | uint160(customer) << 63 | nonce`, so the
///      redemption record itself is the replay guard and a signed request costs no extra storage; signed
///      records are never reused. The full history is in the events (`Redeemed`, `Fulfilled`, `Refunded`,
///      `RedemptionCancelled`).
///
///      Trust: a merchant acts only on its own items and only while it holds MERCHANT_ROLE; the admin can
///      reassign an item and its open redemptions to another merchant. A customer's points are spent only by the
///      customer's own call or by a request the customer signed for that item and quantity.
interface IRedemptionVault {
    /// @notice What a catalog item is.
    enum Kind {
        Gift,
        DiscountVoucher,
        ExclusiveService
    }

    /// @notice Where a redemption stands. `None` means no such redemption.
    enum Status {
        None,
        Open,
        Fulfilled,
        Refunded,
        Cancelled
    }

    /// @notice A catalog item as `item()` returns it.
    /// @param price Points (raw, 2 decimals) per unit now in force.
    /// @param pendingPrice Announced price, in force from `pendingAt` (0 and 0 when none).
    /// @param stock Units left; `UNLIMITED` means no limit.
    /// @param redeemed Redemptions recorded for the item so far (direct and signed).
    struct Item {
        Kind kind;
        address merchant;
        uint256 price;
        uint256 pendingPrice;
        uint256 pendingAt;
        uint256 stock;
        uint256 redeemed;
        uint8 minTier;
        bool active;
    }

    /// @notice A redemption as `redemption()` returns it.
    struct Redemption {
        address customer;
        uint256 itemId;
        uint256 points;
        uint256 createdAt;
        Status status;
    }

    /// @notice Checkout discount terms.
    /// @param rate Raw points per whole currency unit now in force.
    /// @param pendingRate Announced rate, in force from `pendingAt` (0 when none).
    /// @param perOrderCap Most points one discount may use.
    /// @param perDayCap Most points one customer's discounts may use per UTC day (see `discountUsedToday`).
    struct DiscountTerms {
        uint256 rate;
        uint256 pendingRate;
        uint256 pendingAt;
        uint256 perOrderCap;
        uint256 perDayCap;
    }

    /// @notice A customer's signed redemption request, relayed by anyone (EIP-712 struct `Redeem`).
    /// @param maxPoints The most the customer agrees to pay in total (protects against a price change).
    /// @param nonce Any number below 2**63 the customer has not used for this item.
    struct RedeemRequest {
        address customer;
        uint256 itemId;
        uint256 quantity;
        uint256 maxPoints;
        uint256 nonce;
        uint256 deadline;
    }

    // ---------------------------------------------------------------- errors
    error ZeroAddress();
    error ZeroQuantity();
    error ZeroAmount();
    error AmountTooLarge(uint256 value, uint256 max);
    error UnknownItem(uint256 itemId);
    error ItemInactive(uint256 itemId);
    error OutOfStock(uint256 itemId, uint256 available, uint256 requested);
    error TierTooLow(address customer, uint8 tier, uint8 required);
    error PriceAboveLimit(uint256 itemId, uint256 points, uint256 maxPoints);
    error NotItemMerchant(uint256 itemId, address caller);
    error NotMerchant(address caller);
    error UnknownRedemption(uint256 id);
    error RedemptionClosed(uint256 id, Status status);
    error RefundWindowClosed(uint256 id, uint256 closedAt);
    error SignatureExpired(uint256 deadline, uint256 now);
    error InvalidSignature(address customer);
    error NonceUsed(address customer, uint256 itemId, uint256 nonce);
    error NonceTooLarge(uint256 nonce);
    error NotCustomer(address caller, address customer);
    error DeactivatedByAdmin(uint256 itemId);
    error FulfilmentNotDue(uint256 id, uint256 dueBy);
    error DiscountBelowMinimum(uint256 discount, uint256 minDiscount);
    error OrderAlreadyDiscounted(address customer, bytes32 orderRef);
    error TooManyOrdersToday(address customer, uint256 max);
    error PermitNotGranted(address customer, uint256 allowance, uint256 needed);
    error DiscountTooSmall(uint256 points, uint256 rate);
    error OrderCapExceeded(uint256 points, uint256 cap);
    error DailyCapExceeded(uint256 usedToday, uint256 points, uint256 cap);
    error DiscountDisabled();
    error NoticePeriodTooShort(uint256 current, uint256 requested);
    error NoticePeriodTooLong(uint256 requested, uint256 max);
    error InvalidKind(uint8 kind);
    error EnforcedPause();
    error ExpectedPause();
    error ReentrantCall();

    // ---------------------------------------------------------------- events
    /// @notice A catalog item was listed. The metadata (name, picture, terms) lives at `metadataURI`
    ///         and hashes to `metadataHash`.
    event ItemListed(
        uint256 indexed itemId,
        address indexed merchant,
        Kind kind,
        uint256 price,
        uint256 stock,
        uint8 minTier,
        string metadataURI,
        bytes32 metadataHash
    );
    /// @notice An item's stock, minimum tier, active flag or metadata changed (effective at once).
    event ItemUpdated(
        uint256 indexed itemId, uint256 stock, uint8 minTier, bool active, string metadataURI, bytes32 metadataHash
    );
    /// @notice The admin moved item `itemId` (and its open redemptions) from `oldMerchant` to `newMerchant`.
    event ItemReassigned(uint256 indexed itemId, address indexed oldMerchant, address indexed newMerchant);
    /// @notice An item's price will change to `newPrice` at `effectiveAt`; until then `oldPrice` holds.
    event PriceChangeAnnounced(uint256 indexed itemId, uint256 oldPrice, uint256 newPrice, uint256 effectiveAt);
    /// @notice The discount rate will change to `newRate` at `effectiveAt`; until then `oldRate` holds.
    event DiscountRateAnnounced(uint256 oldRate, uint256 newRate, uint256 effectiveAt);
    event DiscountCapsSet(uint256 perOrderCap, uint256 perDayCap);
    event NoticePeriodSet(uint256 noticePeriod);
    event RefundWindowSet(uint256 refundWindow);
    event FulfilmentWindowSet(uint256 fulfilmentWindow);
    /// @notice `points` of `customer` were burned for `quantity` units of item `itemId` (also `id >> 224`).
    event Redeemed(uint256 indexed id, address indexed customer, uint256 itemId, uint256 quantity, uint256 points);
    /// @notice The merchant delivered: `voucherHash` commits to the voucher code the customer got off chain.
    event Fulfilled(uint256 indexed id, address indexed merchant, bytes32 voucherHash);
    /// @notice The merchant refunded: `points` were credited back to `customer` (reason Refund).
    event Refunded(uint256 indexed id, address indexed customer, address indexed merchant, uint256 points);
    /// @notice `points` of `customer` paid `discount` (currency cents) off order `orderRef` at `rate`.
    event DiscountRedeemed(
        address indexed customer, bytes32 indexed orderRef, uint256 points, uint256 discount, uint256 rate
    );
    /// @notice The customer cancelled a redemption the merchant had not fulfilled in time: `points` came back
    ///         (reason Refund) and the units went back in stock.
    event RedemptionCancelled(uint256 indexed id, address indexed customer, uint256 points);
    /// @notice The customer withdrew an unused signed request.
    event NonceCancelled(address indexed customer, uint256 indexed itemId, uint256 nonce);
    event Paused(address account);
    event Unpaused(address account);

    // ---------------------------------------------------------------- catalog
    /// @notice List a new item; returns its id (ids start at 1).
    /// @dev The admin lists for any merchant; a MERCHANT_ROLE account only for itself. The price
    ///      applies at once (nobody held an expectation yet); later changes go through `announcePrice`.
    /// @param stock Units available, or `UNLIMITED`.
    function listItem(
        Kind kind,
        address merchant,
        uint256 price,
        uint256 stock,
        uint8 minTier,
        string calldata metadataURI,
        bytes32 metadataHash
    ) external returns (uint256 itemId);

    /// @notice Change stock, minimum tier, active flag and metadata of an item (at once).
    /// @dev The item's merchant (holding MERCHANT_ROLE) or the admin. An item the admin deactivated stays
    ///      inactive until the admin activates it: the merchant's `active = true` then reverts `DeactivatedByAdmin`.
    function updateItem(
        uint256 itemId,
        uint256 stock,
        uint8 minTier,
        bool active,
        string calldata metadataURI,
        bytes32 metadataHash
    ) external;

    /// @notice Move an item, with its open redemptions, to another merchant. Admin only; the new merchant
    ///         must hold MERCHANT_ROLE. Emits `ItemReassigned`.
    function reassignItem(uint256 itemId, address newMerchant) external;

    /// @notice Announce a new price for an item, in force after the notice period.
    /// @dev The item's merchant (holding MERCHANT_ROLE) or the admin. A new announcement replaces a pending one (its clock
    ///      starts again); one already in force becomes the current price first.
    /// @return effectiveAt When the new price applies.
    function announcePrice(uint256 itemId, uint256 newPrice) external returns (uint256 effectiveAt);

    /// @notice An item with the price in force at this block.
    function item(uint256 itemId) external view returns (Item memory);

    /// @notice Number of items ever listed (the last id).
    function itemCount() external view returns (uint256);

    // ---------------------------------------------------------------- redeeming
    /// @notice Spend the caller's oldest live points on `quantity` units of an item, paying at most `maxPoints`
    ///         in total (the terms the customer saw: a price change in between reverts `PriceAboveLimit`).
    /// @dev Fails with the token's `ERC20InsufficientBalance(customer, live, needed)` when the live
    ///      (unexpired) balance is short.
    /// @return id The redemption id.
    function redeem(uint256 itemId, uint256 quantity, uint256 maxPoints) external returns (uint256 id);

    /// @notice Redeem with an EIP-2612 permit of exactly the price to this vault.
    /// @dev Only `customer` may send it (`NotCustomer` otherwise): a permit names an amount, not an item, so
    ///      nobody else may choose what it pays for, and an allowance is never used for another caller.
    ///      Relayed redemptions use `redeemBySig`, whose signature binds the item and quantity.
    ///      If the permit was already used (front-run), an allowance at least the price suffices.
    ///      The points are burned with `burnFrom`, which consumes the allowance.
    function redeemWithPermit(
        uint256 itemId,
        uint256 quantity,
        address customer,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 id);

    /// @notice Relay a customer's EIP-712 signed redemption request (anyone may submit it).
    /// @dev The signature may be an ECDSA one or an ERC-1271 one from a contract wallet. A request is
    ///      usable once: its id derives from (item, customer, nonce) and the record guards replays.
    function redeemBySig(RedeemRequest calldata request, bytes calldata signature) external returns (uint256 id);

    /// @notice Withdraw an unused signed request (the nonce can no longer be used for this item).
    function cancelNonce(uint256 itemId, uint256 nonce) external;

    /// @notice The id a signed request of `customer` for `itemId` with `nonce` will get.
    function signedRedemptionId(uint256 itemId, address customer, uint256 nonce) external pure returns (uint256);

    /// @notice The EIP-712 digest the customer signs for `request`.
    function redeemDigest(RedeemRequest calldata request) external view returns (bytes32);

    /// @notice A redemption record: every open redemption, and a finished (fulfilled or refunded) one until
    ///         a later redemption of the item reuses its storage.
    /// @dev All zero (`Status.None`) for an id that was never issued and for a finished direct redemption
    ///      whose slot was reused; its `Fulfilled` or `Refunded` event is the lasting record.
    function redemption(uint256 id) external view returns (Redemption memory);

    // ---------------------------------------------------------------- fulfilment
    /// @notice Mark an open redemption delivered, committing to the voucher code sent off chain.
    /// @dev Only the item's merchant, holding MERCHANT_ROLE. Once fulfilled it can no longer be refunded; a direct redemption's
    ///      storage becomes free for a later redemption of the same item.
    function fulfil(uint256 id, bytes32 voucherHash) external;

    /// @notice Give the points of an open redemption back (reason Refund) within the refund window.
    /// @dev Only the item's merchant, holding MERCHANT_ROLE. The stock comes back too. The vault's issuer budget pays. A direct
    ///      redemption's storage becomes free for a later redemption of the same item.
    function refund(uint256 id) external;

    /// @notice Cancel an open redemption its merchant has not fulfilled within the fulfilment window: the
    ///         points come back (reason Refund, paid by the vault's issuer budget) and the units go back in stock.
    /// @dev Only the redemption's customer, strictly after `createdAt + fulfilmentWindow()`; reverts
    ///      `FulfilmentNotDue` before, `RedemptionClosed` once fulfilled, refunded or cancelled. Emits
    ///      `RedemptionCancelled`. A direct redemption's storage becomes free for a later redemption.
    function cancelRedemption(uint256 id) external;

    // ---------------------------------------------------------------- checkout discount
    /// @notice Spend `points` for a discount on order `orderRef` at the rate in force, if it is at least
    ///         `minDiscount` cents (the terms the customer saw; `DiscountBelowMinimum` otherwise).
    /// @dev The discount is `points * 100 / rate` currency cents, rounded down; only the points that
    ///      discount is worth are burned. The per-order cap applies to each discount, the per-day cap to each
    ///      customer's discounts of a UTC day. A customer discounts an order once (`OrderAlreadyDiscounted`)
    ///      and at most `MAX_ORDERS_PER_DAY` orders a day (`TooManyOrdersToday`).
    /// @return used Points burned.
    /// @return discount Discount in currency cents.
    function redeemForDiscount(uint256 points, bytes32 orderRef, uint256 minDiscount)
        external
        returns (uint256 used, uint256 discount);

    /// @notice Points `customer`'s discounts used so far this UTC day.
    function discountUsedToday(address customer) external view returns (uint256);

    /// @notice Announce a new points-per-currency-unit rate, in force after the notice period.
    function announceDiscountRate(uint256 newRate) external returns (uint256 effectiveAt);

    /// @notice Set the per-order and per-customer per-day caps (raw points), at once: caps protect the program.
    function setDiscountCaps(uint256 perOrderCap, uint256 perDayCap) external;

    /// @notice The discount terms in force at this block, and any pending change.
    function discountTerms() external view returns (DiscountTerms memory);

    // ---------------------------------------------------------------- settings
    /// @notice The reward token whose points are spent.
    function token() external view returns (address);

    /// @notice Seconds between a price or rate announcement and its effect.
    function noticePeriod() external view returns (uint256);

    /// @notice Lengthen the notice period (it can never be shortened: that would defeat it).
    function setNoticePeriod(uint256 seconds_) external;

    /// @notice Seconds after a redemption during which its merchant may refund it.
    function refundWindow() external view returns (uint256);

    /// @notice Set the refund window (applies to open redemptions too).
    function setRefundWindow(uint256 seconds_) external;

    /// @notice Seconds after a redemption from which its customer may cancel it if still open.
    function fulfilmentWindow() external view returns (uint256);

    /// @notice Set the fulfilment window (applies to open redemptions too). Admin only; emits `FulfilmentWindowSet`.
    function setFulfilmentWindow(uint256 seconds_) external;

    /// @notice Whether redeeming, fulfilling, refunding and cancelling are paused.
    function paused() external view returns (bool);

    /// @notice Stop redemptions, discounts, fulfilment and refunds. PAUSER_ROLE.
    function pause() external;

    /// @notice Resume. PAUSER_ROLE.
    function unpause() external;
}
