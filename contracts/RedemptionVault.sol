// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IRewardToken} from "../interfaces/IRewardToken.sol";
import {IRedemptionVault} from "../interfaces/IRedemptionVault.sol";

/// @title RedemptionVault — spend ServiceCoin points on a catalog and on checkout discounts
/// @notice See {IRedemptionVault}.
/// @dev Storage is packed so that a redemption costs its record word plus warm updates, and the record
///      word of a finished direct redemption is reused by a later redemption of the same item:
///      `_state`    : locked (bit 0) | paused (bit 8) | item count (32 bits from bit 16) | refund window (40 bits from bit 48)
///                    | notice period (40 bits from bit 88) | fulfilment window (40 bits from bit 128)
///      `_discount` : rate (48) | pending rate (48 bits from bit 48) | pending at (40 bits from bit 96) | per-order cap (48 bits from bit 136)
///                    | per-customer per-day cap (64 bits from bit 184)
///      `_discountDays[customer][day]`: points used that day (64) | tags of the orders discounted that day (48 bits each
///                    from bit 64, up to MAX_ORDERS_PER_DAY; 0 = free). One word per customer and active day: the first
///                    discount of a day writes a fresh word, later ones of that day update it.
///      `_items[id]`: price (48) | pending price (48 bits from bit 48) | pending at (40 bits from bit 96) | stock (32 bits from bit 136)
///                    | redeemed count (32 bits from bit 168) | min tier (8 bits from bit 200) | kind (8 bits from bit 208) | active (bit 216)
///                    | deactivated by the admin (bit 217)
///                    | free-slot list head (16 bits from bit 224) | record slots allocated (16 bits from bit 240)
///      `_records[key]`: customer (160) | points (40 bits from bit 160) | created at (32 bits from bit 200) | quantity (16 bits from bit 232)
///                    | status (8 bits from bit 248). A finished direct record (Fulfilled or Refunded) keeps everything but
///                    the quantity, whose bits then hold the next slot of its item's free list.
///      Record keys: a signed redemption's key is its id (the record is its nonce's replay guard and is never
///      reused). A direct redemption's key is `itemId << 224 | slot` and its id adds its created time:
///      `itemId << 224 | createdAt << 64 | slot`. Slots 1..65535 of an item are recycled: finishing a
///      redemption pushes its slot on the item's free list (head in the item word, links in the records), and
///      a new redemption pops the head when the head's last redemption was created in an earlier second
///      (a recycled word costs 2,100 + 2,900 gas instead of 22,100 for a fresh one). So the created time is
///      strictly increasing per slot and no two redemptions ever share an id; an old id no longer matches its
///      slot's word and reads as unknown. When an item has 65535 slots in use, further redemptions take
///      never-recycled slots `1 << 32 | redeemed count`.
///      The reentrancy lock lives in `_state`, which every guarded call reads anyway: setting it and
///      restoring the original word costs ~200 gas net (the restore is refunded).
contract RedemptionVault is IRedemptionVault, AccessControlDefaultAdminRules, EIP712 {
    /// @notice May list items for itself and manage them.
    bytes32 public constant MERCHANT_ROLE = keccak256("MERCHANT_ROLE");
    /// @notice May pause and unpause the vault.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice EIP-712 type of a signed redemption request.
    bytes32 public constant REDEEM_TYPEHASH = keccak256(
        "Redeem(address customer,uint256 itemId,uint256 quantity,uint256 maxPoints,uint256 nonce,uint256 deadline)"
    );
    /// @notice `stock` value meaning "no limit".
    uint256 public constant UNLIMITED = (1 << 32) - 1;
    /// @notice Longest notice period that can be set.
    uint256 public constant MAX_NOTICE_PERIOD = 365 days;
    /// @notice Most units in one redemption.
    uint256 public constant MAX_QUANTITY = (1 << 16) - 1;
    /// @notice Largest price (raw points) of one unit.
    uint256 public constant MAX_PRICE = (1 << 48) - 1;
    /// @notice Largest total of one redemption (raw points).
    uint256 public constant MAX_POINTS = (1 << 40) - 1;
    /// @notice Currency cents per currency unit (discounts are paid in cents).
    uint256 public constant CENTS = 100;
    /// @notice Most orders one customer may discount per UTC day.
    uint256 public constant MAX_ORDERS_PER_DAY = 4;
    /// @notice Fulfilment window a new vault starts with (the admin may change it).
    uint256 public constant DEFAULT_FULFILMENT_WINDOW = 30 days;

    uint256 private constant U8 = 0xff;
    uint256 private constant U16 = 0xffff;
    uint256 private constant U32 = (1 << 32) - 1;
    uint256 private constant U40 = (1 << 40) - 1;
    uint256 private constant U48 = (1 << 48) - 1;
    uint256 private constant U64 = (1 << 64) - 1;

    uint256 private constant LOCKED = 1;
    uint256 private constant PAUSED = 1 << 8;
    uint256 private constant COUNT_SHIFT = 16;
    uint256 private constant WINDOW_SHIFT = 48;
    uint256 private constant NOTICE_SHIFT = 88;
    uint256 private constant FULFIL_SHIFT = 128;

    uint256 private constant PENDING_SHIFT = 48;
    uint256 private constant PENDING_AT_SHIFT = 96;
    uint256 private constant ORDER_CAP_SHIFT = 136;
    uint256 private constant DAY_CAP_SHIFT = 184;

    uint256 private constant STOCK_SHIFT = 136;
    uint256 private constant SOLD_SHIFT = 168;
    uint256 private constant TIER_SHIFT = 200;
    uint256 private constant KIND_SHIFT = 208;
    uint256 private constant ACTIVE = 1 << 216;
    uint256 private constant ADMIN_OFF = 1 << 217;
    uint256 private constant HEAD_SHIFT = 224;
    uint256 private constant SLOTS_SHIFT = 240;
    /// @dev The price fields of an item (price, pending price, pending at), rewritten by announcements.
    uint256 private constant PRICE_FIELDS = (1 << 136) - 1;

    uint256 private constant POINTS_SHIFT = 160;
    uint256 private constant CREATED_SHIFT = 200;
    uint256 private constant QTY_SHIFT = 232;
    /// @dev In a finished direct record, the quantity bits hold the next free slot.
    uint256 private constant NEXT_SHIFT = 232;
    uint256 private constant STATUS_SHIFT = 248;

    uint256 private constant ITEM_SHIFT = 224;
    uint256 private constant SIGNED_FLAG = 1 << 223;
    uint256 private constant NONCE_LIMIT = 1 << 63;
    /// @dev Where a direct id keeps its created time (the slot is below it).
    uint256 private constant ID_CREATED_SHIFT = 64;
    /// @dev Slots from here on are never recycled (an item with 65535 slots in use).
    uint256 private constant OVERFLOW_SLOT = 1 << 32;
    /// @dev Order tags in a customer's day word: 48 bits each, from bit 64.
    uint256 private constant TAG_BITS = 48;
    uint256 private constant FIRST_TAG = 64;

    IRewardToken private immutable _token;

    uint256 private _state;
    uint256 private _discount;
    mapping(uint256 itemId => uint256) private _items;
    mapping(uint256 itemId => address) private _merchants;
    mapping(uint256 key => uint256) private _records;
    mapping(address customer => mapping(uint256 day => uint256)) private _discountDays;

    /// @param admin Receives DEFAULT_ADMIN_ROLE and PAUSER_ROLE.
    /// @param token_ The RewardToken; this vault needs its SPENDER_ROLE, and ISSUER_ROLE with a budget for refunds.
    /// @param noticePeriod_ Seconds between a price or rate announcement and its effect.
    /// @param refundWindow_ Seconds after a redemption during which its merchant may refund it.
    /// @param discountRate Raw points per currency unit for checkout discounts (0: no discounts yet).
    /// @param perOrderCap Most raw points one discount may use.
    /// @param perDayCap Most raw points one customer's discounts may use per UTC day.
    /// @param adminDelay Seconds a scheduled admin handover waits before the new admin may accept it.
    constructor(
        address admin,
        address token_,
        uint256 noticePeriod_,
        uint256 refundWindow_,
        uint256 discountRate,
        uint256 perOrderCap,
        uint256 perDayCap,
        uint48 adminDelay
    ) AccessControlDefaultAdminRules(adminDelay, admin) EIP712("ServiceCoin RedemptionVault", "1") {
        if (token_ == address(0)) revert ZeroAddress();
        if (noticePeriod_ > MAX_NOTICE_PERIOD) revert NoticePeriodTooLong(noticePeriod_, MAX_NOTICE_PERIOD);
        if (refundWindow_ > U40) revert AmountTooLarge(refundWindow_, U40);
        if (discountRate > U48) revert AmountTooLarge(discountRate, U48);
        _token = IRewardToken(token_);
        _state = (refundWindow_ << WINDOW_SHIFT) | (noticePeriod_ << NOTICE_SHIFT)
            | (DEFAULT_FULFILMENT_WINDOW << FULFIL_SHIFT);
        _discount = discountRate;
        _grantRole(PAUSER_ROLE, admin);
        emit NoticePeriodSet(noticePeriod_);
        emit RefundWindowSet(refundWindow_);
        emit FulfilmentWindowSet(DEFAULT_FULFILMENT_WINDOW);
        emit DiscountRateAnnounced(0, discountRate, block.timestamp);
        _setCaps(perOrderCap, perDayCap);
    }

    // =====================================================================================
    // Catalog
    // =====================================================================================

    /// @inheritdoc IRedemptionVault
    function listItem(
        Kind kind,
        address merchant,
        uint256 price,
        uint256 stock,
        uint8 minTier,
        string calldata metadataURI,
        bytes32 metadataHash
    ) external returns (uint256 itemId) {
        if (!hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            if (!hasRole(MERCHANT_ROLE, msg.sender)) revert NotMerchant(msg.sender);
            if (merchant != msg.sender) revert NotItemMerchant(0, msg.sender);
        }
        if (merchant == address(0)) revert ZeroAddress();
        _checkPrice(price);
        if (stock > UNLIMITED) revert AmountTooLarge(stock, UNLIMITED);
        uint256 st = _state;
        itemId = ((st >> COUNT_SHIFT) & U32) + 1;
        if (itemId > U32) revert AmountTooLarge(itemId, U32);
        _state = (st & ~(U32 << COUNT_SHIFT)) | (itemId << COUNT_SHIFT);
        _items[itemId] = price | (stock << STOCK_SHIFT) | (uint256(minTier) << TIER_SHIFT)
            | (uint256(kind) << KIND_SHIFT) | ACTIVE;
        _merchants[itemId] = merchant;
        emit ItemListed(itemId, merchant, kind, price, stock, minTier, metadataURI, metadataHash);
    }

    /// @inheritdoc IRedemptionVault
    function updateItem(
        uint256 itemId,
        uint256 stock,
        uint8 minTier,
        bool active,
        string calldata metadataURI,
        bytes32 metadataHash
    ) external {
        uint256 it = _itemFor(itemId);
        bool byAdmin = _onlyItemManager(itemId);
        if (stock > UNLIMITED) revert AmountTooLarge(stock, UNLIMITED);
        if (byAdmin) it = active ? it & ~ADMIN_OFF : it | ADMIN_OFF;
        else if (active && it & ADMIN_OFF != 0) revert DeactivatedByAdmin(itemId);
        it &= ~((U32 << STOCK_SHIFT) | (U8 << TIER_SHIFT) | ACTIVE);
        it |= (stock << STOCK_SHIFT) | (uint256(minTier) << TIER_SHIFT) | (active ? ACTIVE : 0);
        _items[itemId] = it;
        emit ItemUpdated(itemId, stock, minTier, active, metadataURI, metadataHash);
    }

    /// @inheritdoc IRedemptionVault
    function reassignItem(uint256 itemId, address newMerchant) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _itemFor(itemId);
        if (!hasRole(MERCHANT_ROLE, newMerchant)) revert NotMerchant(newMerchant);
        address oldMerchant = _merchants[itemId];
        _merchants[itemId] = newMerchant;
        emit ItemReassigned(itemId, oldMerchant, newMerchant);
    }

    /// @inheritdoc IRedemptionVault
    function announcePrice(uint256 itemId, uint256 newPrice) external returns (uint256 effectiveAt) {
        uint256 it = _itemFor(itemId);
        _onlyItemManager(itemId);
        _checkPrice(newPrice);
        uint256 current = _priceNow(it);
        effectiveAt = block.timestamp + ((_state >> NOTICE_SHIFT) & U40);
        _items[itemId] = (it & ~PRICE_FIELDS) | current | (newPrice << PENDING_SHIFT) | (effectiveAt << PENDING_AT_SHIFT);
        emit PriceChangeAnnounced(itemId, current, newPrice, effectiveAt);
    }

    /// @inheritdoc IRedemptionVault
    function item(uint256 itemId) external view returns (Item memory info) {
        uint256 it = _itemFor(itemId);
        info.kind = Kind((it >> KIND_SHIFT) & U8);
        info.merchant = _merchants[itemId];
        info.price = _priceNow(it);
        uint256 pendingAt = (it >> PENDING_AT_SHIFT) & U40;
        if (pendingAt > block.timestamp) {
            info.pendingPrice = (it >> PENDING_SHIFT) & U48;
            info.pendingAt = pendingAt;
        }
        info.stock = (it >> STOCK_SHIFT) & U32;
        info.redeemed = (it >> SOLD_SHIFT) & U32;
        info.minTier = uint8(it >> TIER_SHIFT);
        info.active = it & ACTIVE != 0;
    }

    /// @inheritdoc IRedemptionVault
    function itemCount() external view returns (uint256) {
        return (_state >> COUNT_SHIFT) & U32;
    }

    // =====================================================================================
    // Redeeming
    // =====================================================================================

    /// @inheritdoc IRedemptionVault
    function redeem(uint256 itemId, uint256 quantity, uint256 maxPoints) external returns (uint256 id) {
        return _redeem(msg.sender, itemId, quantity, maxPoints, 0, false);
    }

    /// @inheritdoc IRedemptionVault
    function redeemWithPermit(
        uint256 itemId,
        uint256 quantity,
        address customer,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 id) {
        // A permit names an amount, not an item: only the customer may choose what it pays for.
        if (msg.sender != customer) revert NotCustomer(msg.sender, customer);
        uint256 points = _priceNow(_itemFor(itemId)) * quantity;
        if (deadline < block.timestamp) revert SignatureExpired(deadline, block.timestamp);
        // A permit already used by someone who saw it in the mempool leaves the allowance in place.
        // slither-disable-next-line reentrancy-no-eth — permit on our own token: no callbacks
        try IERC20Permit(address(_token)).permit(customer, address(this), points, deadline, v, r, s) {} catch {}
        uint256 allowance = _token.allowance(customer, address(this));
        if (allowance < points) revert PermitNotGranted(customer, allowance, points);
        return _redeem(customer, itemId, quantity, points, 0, true);
    }

    /// @inheritdoc IRedemptionVault
    function redeemBySig(RedeemRequest calldata request, bytes calldata signature) external returns (uint256 id) {
        if (request.deadline < block.timestamp) revert SignatureExpired(request.deadline, block.timestamp);
        if (request.nonce >= NONCE_LIMIT) revert NonceTooLarge(request.nonce);
        if (!SignatureChecker.isValidSignatureNow(request.customer, _digest(request), signature)) {
            revert InvalidSignature(request.customer);
        }
        id = signedRedemptionId(request.itemId, request.customer, request.nonce);
        return _redeem(request.customer, request.itemId, request.quantity, request.maxPoints, id, false);
    }

    /// @inheritdoc IRedemptionVault
    function cancelNonce(uint256 itemId, uint256 nonce) external {
        if (nonce >= NONCE_LIMIT) revert NonceTooLarge(nonce);
        uint256 id = signedRedemptionId(itemId, msg.sender, nonce);
        if (_records[id] != 0) revert NonceUsed(msg.sender, itemId, nonce);
        _records[id] = uint256(uint160(msg.sender)) | (block.timestamp << CREATED_SHIFT)
            | (uint256(Status.Cancelled) << STATUS_SHIFT);
        emit NonceCancelled(msg.sender, itemId, nonce);
    }

    /// @inheritdoc IRedemptionVault
    function signedRedemptionId(uint256 itemId, address customer, uint256 nonce) public pure returns (uint256) {
        if (itemId > U32) revert UnknownItem(itemId);
        if (nonce >= NONCE_LIMIT) revert NonceTooLarge(nonce);
        return (itemId << ITEM_SHIFT) | SIGNED_FLAG | (uint256(uint160(customer)) << 63) | nonce;
    }

    /// @inheritdoc IRedemptionVault
    function redeemDigest(RedeemRequest calldata request) external view returns (bytes32) {
        return _digest(request);
    }

    /// @inheritdoc IRedemptionVault
    function redemption(uint256 id) external view returns (Redemption memory r) {
        (, uint256 rec) = _recordOf(id);
        if (rec == 0) return r;
        r.customer = address(uint160(rec));
        r.itemId = id >> ITEM_SHIFT;
        r.points = (rec >> POINTS_SHIFT) & U40;
        r.createdAt = (rec >> CREATED_SHIFT) & U32;
        r.status = Status(rec >> STATUS_SHIFT);
    }

    /// @dev One redemption: checks, then the item and the record, then the burn (the only call out).
    ///      `signedId` is the id of a signed request (0 for a direct one, which gets a recycled or new slot).
    function _redeem(
        address customer,
        uint256 itemId,
        uint256 quantity,
        uint256 maxPoints,
        uint256 signedId,
        bool viaAllowance
    ) private returns (uint256 id) {
        uint256 st = _state;
        if (st & LOCKED != 0) revert ReentrantCall();
        if (st & PAUSED != 0) revert EnforcedPause();
        (uint256 it, uint256 points) = _take(customer, itemId, quantity, maxPoints);
        uint256 key;
        if (signedId == 0) {
            (key, it) = _takeSlot(itemId, it);
            id = key | (block.timestamp << ID_CREATED_SHIFT);
        } else {
            id = key = signedId;
            if (_records[key] != 0) revert NonceUsed(customer, itemId, id & (NONCE_LIMIT - 1));
        }
        _items[itemId] = it;
        _records[key] = uint256(uint160(customer)) | (points << POINTS_SHIFT) | (block.timestamp << CREATED_SHIFT)
            | (quantity << QTY_SHIFT) | (uint256(Status.Open) << STATUS_SHIFT);
        _state = st | LOCKED;
        // slither-disable-next-line reentrancy-no-eth — vault LOCKED; the write after only unlocks
        if (viaAllowance) _token.burnFrom(customer, points);
        else _token.spend(customer, points);
        _state = st;
        emit Redeemed(id, customer, itemId, quantity, points);
    }

    /// @dev Checks an item can be redeemed by `customer` and returns its word with the stock taken
    ///      and the count increased (not stored yet), and the points due.
    function _take(address customer, uint256 itemId, uint256 quantity, uint256 maxPoints)
        private
        view
        returns (uint256 it, uint256 points)
    {
        it = _itemFor(itemId);
        if (it & ACTIVE == 0) revert ItemInactive(itemId);
        if (quantity == 0) revert ZeroQuantity();
        if (quantity > MAX_QUANTITY) revert AmountTooLarge(quantity, MAX_QUANTITY);
        points = _priceNow(it) * quantity;
        if (points > MAX_POINTS) revert AmountTooLarge(points, MAX_POINTS);
        if (points > maxPoints) revert PriceAboveLimit(itemId, points, maxPoints);
        uint256 stock = (it >> STOCK_SHIFT) & U32;
        if (stock != UNLIMITED) {
            if (quantity > stock) revert OutOfStock(itemId, stock, quantity);
            it -= quantity << STOCK_SHIFT;
        }
        if ((it >> SOLD_SHIFT) & U32 == U32) revert AmountTooLarge(U32 + 1, U32);
        it += 1 << SOLD_SHIFT;
        uint8 minTier = uint8(it >> TIER_SHIFT);
        if (minTier != 0) {
            uint8 tier = _token.tierOf(customer);
            if (tier < minTier) revert TierTooLow(customer, tier, minTier);
        }
    }

    /// @dev The record key for a new direct redemption of `itemId` and the item word with the free list
    ///      and slot count updated (not stored yet): the free list's head if its last redemption was created
    ///      before this second (so the new id differs from every earlier one of that slot), else a new slot.
    function _takeSlot(uint256 itemId, uint256 it) private view returns (uint256 key, uint256) {
        uint256 base = itemId << ITEM_SHIFT;
        uint256 head = (it >> HEAD_SHIFT) & U16;
        if (head != 0) {
            uint256 node = _records[base | head];
            if ((node >> CREATED_SHIFT) & U32 < block.timestamp) {
                return (base | head, (it & ~(U16 << HEAD_SHIFT)) | (((node >> NEXT_SHIFT) & U16) << HEAD_SHIFT));
            }
        }
        uint256 slots = (it >> SLOTS_SHIFT) & U16;
        if (slots < U16) return (base | (slots + 1), it + (1 << SLOTS_SHIFT));
        return (base | OVERFLOW_SLOT | ((it >> SOLD_SHIFT) & U32), it);
    }

    function _digest(RedeemRequest calldata q) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(REDEEM_TYPEHASH, q.customer, q.itemId, q.quantity, q.maxPoints, q.nonce, q.deadline))
        );
    }

    // =====================================================================================
    // Fulfilment
    // =====================================================================================

    /// @inheritdoc IRedemptionVault
    function fulfil(uint256 id, bytes32 voucherHash) external {
        uint256 st = _state;
        if (st & LOCKED != 0) revert ReentrantCall();
        if (st & PAUSED != 0) revert EnforcedPause();
        (uint256 key, uint256 rec) = _openRecord(id);
        uint256 itemId = id >> ITEM_SHIFT;
        if (_recycles(id)) _items[itemId] = _release(key, rec, _items[itemId], Status.Fulfilled);
        else _records[key] = (rec & ~(U8 << STATUS_SHIFT)) | (uint256(Status.Fulfilled) << STATUS_SHIFT);
        emit Fulfilled(id, msg.sender, voucherHash);
    }

    /// @inheritdoc IRedemptionVault
    function refund(uint256 id) external {
        uint256 st = _state;
        if (st & LOCKED != 0) revert ReentrantCall();
        if (st & PAUSED != 0) revert EnforcedPause();
        (uint256 key, uint256 rec) = _openRecord(id);
        uint256 closesAt = ((rec >> CREATED_SHIFT) & U32) + ((st >> WINDOW_SHIFT) & U40);
        if (block.timestamp > closesAt) revert RefundWindowClosed(id, closesAt);
        (address customer, uint256 points) = _giveBack(id, key, rec, st, Status.Refunded);
        emit Refunded(id, customer, msg.sender, points);
    }

    /// @inheritdoc IRedemptionVault
    function cancelRedemption(uint256 id) external {
        uint256 st = _state;
        if (st & LOCKED != 0) revert ReentrantCall();
        if (st & PAUSED != 0) revert EnforcedPause();
        (uint256 key, uint256 rec) = _recordOf(id);
        if (rec == 0) revert UnknownRedemption(id);
        Status status = Status(rec >> STATUS_SHIFT);
        if (status != Status.Open) revert RedemptionClosed(id, status);
        if (msg.sender != address(uint160(rec))) revert NotCustomer(msg.sender, address(uint160(rec)));
        uint256 dueBy = ((rec >> CREATED_SHIFT) & U32) + ((st >> FULFIL_SHIFT) & U40);
        if (block.timestamp <= dueBy) revert FulfilmentNotDue(id, dueBy);
        (address customer, uint256 points) = _giveBack(id, key, rec, st, Status.Cancelled);
        emit RedemptionCancelled(id, customer, points);
    }

    /// @dev Closes the open redemption `id` (record `rec` at `key`) with `status`, puts its units back in stock
    ///      and its points back with the customer (reason Refund): effects first, then the one call out, locked.
    function _giveBack(uint256 id, uint256 key, uint256 rec, uint256 st, Status status)
        private
        returns (address customer, uint256 points)
    {
        customer = address(uint160(rec));
        points = (rec >> POINTS_SHIFT) & U40;
        uint256 itemId = id >> ITEM_SHIFT;
        uint256 it = _items[itemId];
        uint256 stock = (it >> STOCK_SHIFT) & U32;
        if (stock != UNLIMITED) {
            uint256 back = (rec >> QTY_SHIFT) & U16;
            uint256 restocked = stock + back >= UNLIMITED ? UNLIMITED - 1 : stock + back;
            it = (it & ~(U32 << STOCK_SHIFT)) | (restocked << STOCK_SHIFT);
        }
        if (_recycles(id)) {
            it = _release(key, rec, it, status);
        } else {
            _records[key] = (rec & ~(U8 << STATUS_SHIFT)) | (uint256(status) << STATUS_SHIFT);
        }
        if (stock != UNLIMITED || _recycles(id)) _items[itemId] = it;
        _state = st | LOCKED;
        // slither-disable-next-line unused-return,reentrancy-no-eth — minted is in Issued; vault LOCKED
        _token.issue(customer, points, IRewardToken.Reason.Refund, bytes32(id));
        _state = st;
    }

    /// @dev The key and record of an open redemption whose item the caller fulfils (and still a merchant).
    function _openRecord(uint256 id) private view returns (uint256 key, uint256 rec) {
        (key, rec) = _recordOf(id);
        if (rec == 0) revert UnknownRedemption(id);
        uint256 itemId = id >> ITEM_SHIFT;
        if (msg.sender != _merchants[itemId]) revert NotItemMerchant(itemId, msg.sender);
        if (!hasRole(MERCHANT_ROLE, msg.sender)) revert NotMerchant(msg.sender);
        Status status = Status(rec >> STATUS_SHIFT);
        if (status != Status.Open) revert RedemptionClosed(id, status);
    }

    /// @dev The storage key of `id` and its record, or 0 when `id` names no redemption: a direct id must
    ///      carry the created time of its slot's redemption (an id whose slot was reused reads as unknown).
    function _recordOf(uint256 id) private view returns (uint256 key, uint256 rec) {
        if (id & SIGNED_FLAG != 0) return (id, _records[id]);
        key = id & ~(U32 << ID_CREATED_SHIFT);
        rec = _records[key];
        if ((rec >> CREATED_SHIFT) & U32 != (id >> ID_CREATED_SHIFT) & U32) rec = 0;
    }

    /// @dev Whether finishing `id` frees its slot for reuse (a direct redemption in a recycled slot).
    function _recycles(uint256 id) private pure returns (bool) {
        return id & SIGNED_FLAG == 0 && id & U64 < OVERFLOW_SLOT;
    }

    /// @dev Marks the record at `key` finished with `status` and pushes its slot on the item's free list:
    ///      the quantity bits take the old head, the item word (returned, not stored) the slot as new head.
    function _release(uint256 key, uint256 rec, uint256 it, Status status) private returns (uint256) {
        _records[key] = (rec & ~((U16 << NEXT_SHIFT) | (U8 << STATUS_SHIFT))) | (((it >> HEAD_SHIFT) & U16) << NEXT_SHIFT)
            | (uint256(status) << STATUS_SHIFT);
        return (it & ~(U16 << HEAD_SHIFT)) | ((key & U16) << HEAD_SHIFT);
    }

    // =====================================================================================
    // Checkout discount
    // =====================================================================================

    /// @inheritdoc IRedemptionVault
    function redeemForDiscount(uint256 points, bytes32 orderRef, uint256 minDiscount)
        external
        returns (uint256 used, uint256 discount)
    {
        uint256 st = _state;
        if (st & LOCKED != 0) revert ReentrantCall();
        if (st & PAUSED != 0) revert EnforcedPause();
        uint256 d = _discount;
        uint256 rate = _rateNow(d);
        if (rate == 0) revert DiscountDisabled();
        if (points == 0) revert ZeroAmount();
        if (points > MAX_POINTS) revert AmountTooLarge(points, MAX_POINTS);
        // slither-disable-next-line divide-before-multiply — whole cents on purpose
        discount = (points * CENTS) / rate;
        if (discount == 0) revert DiscountTooSmall(points, rate);
        if (discount < minDiscount) revert DiscountBelowMinimum(discount, minDiscount);
        used = (discount * rate + CENTS - 1) / CENTS; // what the discount is worth, never more than `points`
        uint256 orderCap = (d >> ORDER_CAP_SHIFT) & U48;
        if (used > orderCap) revert OrderCapExceeded(used, orderCap);
        mapping(uint256 day => uint256) storage days_ = _discountDays[msg.sender];
        uint256 day = block.timestamp / 1 days;
        uint256 w = days_[day];
        uint256 usedToday = w & U64;
        uint256 dayCap = (d >> DAY_CAP_SHIFT) & U64;
        if (usedToday + used > dayCap) revert DailyCapExceeded(usedToday, used, dayCap);
        days_[day] = _addOrder(w, orderRef) + used;
        _state = st | LOCKED;
        // slither-disable-next-line reentrancy-no-eth — vault LOCKED; the write after only unlocks
        _token.spend(msg.sender, used);
        _state = st;
        emit DiscountRedeemed(msg.sender, orderRef, used, discount, rate);
    }

    /// @dev The customer's day word `w` with the tag of `orderRef` in the first free place: an order is
    ///      discounted once per customer, and a customer discounts at most MAX_ORDERS_PER_DAY orders a day.
    function _addOrder(uint256 w, bytes32 orderRef) private view returns (uint256) {
        uint256 tag = _orderTag(orderRef);
        for (uint256 shift = FIRST_TAG; shift < 256; shift += TAG_BITS) {
            uint256 t = (w >> shift) & U48;
            if (t == tag) revert OrderAlreadyDiscounted(msg.sender, orderRef);
            if (t == 0) return w | (tag << shift);
        }
        revert TooManyOrdersToday(msg.sender, MAX_ORDERS_PER_DAY);
    }

    /// @dev A non-zero 48-bit tag of an order reference (its hash, so that any reference format spreads).
    function _orderTag(bytes32 orderRef) private pure returns (uint256) {
        return (uint256(keccak256(abi.encode(orderRef))) >> 208) | 1;
    }

    /// @inheritdoc IRedemptionVault
    function discountUsedToday(address customer) external view returns (uint256) {
        return _discountDays[customer][block.timestamp / 1 days] & U64;
    }

    /// @inheritdoc IRedemptionVault
    function announceDiscountRate(uint256 newRate) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint256 effectiveAt) {
        if (newRate == 0) revert ZeroAmount();
        if (newRate > U48) revert AmountTooLarge(newRate, U48);
        uint256 d = _discount;
        uint256 current = _rateNow(d);
        effectiveAt = block.timestamp + ((_state >> NOTICE_SHIFT) & U40);
        _discount = (d & ~PRICE_FIELDS) | current | (newRate << PENDING_SHIFT) | (effectiveAt << PENDING_AT_SHIFT);
        emit DiscountRateAnnounced(current, newRate, effectiveAt);
    }

    /// @inheritdoc IRedemptionVault
    function setDiscountCaps(uint256 perOrderCap, uint256 perDayCap) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setCaps(perOrderCap, perDayCap);
    }

    /// @inheritdoc IRedemptionVault
    function discountTerms() external view returns (DiscountTerms memory t) {
        uint256 d = _discount;
        t.rate = _rateNow(d);
        uint256 pendingAt = (d >> PENDING_AT_SHIFT) & U40;
        if (pendingAt > block.timestamp) {
            t.pendingRate = (d >> PENDING_SHIFT) & U48;
            t.pendingAt = pendingAt;
        }
        t.perOrderCap = (d >> ORDER_CAP_SHIFT) & U48;
        t.perDayCap = (d >> DAY_CAP_SHIFT) & U64;
    }

    function _setCaps(uint256 perOrderCap, uint256 perDayCap) private {
        if (perOrderCap > U48) revert AmountTooLarge(perOrderCap, U48);
        if (perDayCap > U64) revert AmountTooLarge(perDayCap, U64);
        _discount = (_discount & PRICE_FIELDS) | (perOrderCap << ORDER_CAP_SHIFT) | (perDayCap << DAY_CAP_SHIFT);
        emit DiscountCapsSet(perOrderCap, perDayCap);
    }

    // =====================================================================================
    // Settings and pause
    // =====================================================================================

    /// @inheritdoc IRedemptionVault
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IRedemptionVault
    function noticePeriod() external view returns (uint256) {
        return (_state >> NOTICE_SHIFT) & U40;
    }

    /// @inheritdoc IRedemptionVault
    function setNoticePeriod(uint256 seconds_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 st = _state;
        uint256 current = (st >> NOTICE_SHIFT) & U40;
        if (seconds_ < current) revert NoticePeriodTooShort(current, seconds_);
        if (seconds_ > MAX_NOTICE_PERIOD) revert NoticePeriodTooLong(seconds_, MAX_NOTICE_PERIOD);
        _state = (st & ~(U40 << NOTICE_SHIFT)) | (seconds_ << NOTICE_SHIFT);
        emit NoticePeriodSet(seconds_);
    }

    /// @inheritdoc IRedemptionVault
    function refundWindow() external view returns (uint256) {
        return (_state >> WINDOW_SHIFT) & U40;
    }

    /// @inheritdoc IRedemptionVault
    function setRefundWindow(uint256 seconds_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setWindow(WINDOW_SHIFT, seconds_);
        emit RefundWindowSet(seconds_);
    }

    /// @inheritdoc IRedemptionVault
    function fulfilmentWindow() external view returns (uint256) {
        return (_state >> FULFIL_SHIFT) & U40;
    }

    /// @inheritdoc IRedemptionVault
    function setFulfilmentWindow(uint256 seconds_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setWindow(FULFIL_SHIFT, seconds_);
        emit FulfilmentWindowSet(seconds_);
    }

    /// @dev Writes a 40-bit window of seconds at `shift` in the state word (refund or fulfilment window).
    function _setWindow(uint256 shift, uint256 seconds_) private {
        if (seconds_ > U40) revert AmountTooLarge(seconds_, U40);
        _state = (_state & ~(U40 << shift)) | (seconds_ << shift);
    }

    /// @inheritdoc IRedemptionVault
    function paused() external view returns (bool) {
        return _state & PAUSED != 0;
    }

    /// @inheritdoc IRedemptionVault
    function pause() external onlyRole(PAUSER_ROLE) {
        uint256 st = _state;
        if (st & PAUSED != 0) revert EnforcedPause();
        _state = st | PAUSED;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IRedemptionVault
    function unpause() external onlyRole(PAUSER_ROLE) {
        uint256 st = _state;
        if (st & PAUSED == 0) revert ExpectedPause();
        _state = st & ~PAUSED;
        emit Unpaused(msg.sender);
    }

    // =====================================================================================
    // Helpers
    // =====================================================================================

    function _itemFor(uint256 itemId) private view returns (uint256 it) {
        it = _items[itemId];
        if (it == 0) revert UnknownItem(itemId);
    }

    /// @dev Whether the caller manages `itemId` as the admin; reverts unless it is the admin or the item's
    ///      merchant holding MERCHANT_ROLE now.
    function _onlyItemManager(uint256 itemId) private view returns (bool byAdmin) {
        if (hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) return true;
        if (msg.sender != _merchants[itemId]) revert NotItemMerchant(itemId, msg.sender);
        if (!hasRole(MERCHANT_ROLE, msg.sender)) revert NotMerchant(msg.sender);
    }

    function _checkPrice(uint256 price) private pure {
        if (price == 0) revert ZeroAmount();
        if (price > MAX_PRICE) revert AmountTooLarge(price, MAX_PRICE);
    }

    /// @dev Price (or rate) in force: the pending one once its time has come.
    function _priceNow(uint256 word) private view returns (uint256) {
        uint256 pendingAt = (word >> PENDING_AT_SHIFT) & U40;
        if (pendingAt != 0 && block.timestamp >= pendingAt) return (word >> PENDING_SHIFT) & U48;
        return word & U48;
    }

    function _rateNow(uint256 d) private view returns (uint256) {
        return _priceNow(d);
    }

    /// @inheritdoc AccessControlDefaultAdminRules
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IRedemptionVault).interfaceId || super.supportsInterface(interfaceId);
    }
}
