"""The redemption vault: catalog, redemptions (direct and signed), fulfilment, refunds, discounts.

Functions here are what `svc catalog`, `svc redeem`, `svc redemptions` and `svc discount` call, and
what the tests call directly. Amounts are raw token units (2 decimals) unless a name says points.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass
from enum import IntEnum

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.logs import DISCARD

from servicecoin.chain import Chain, dev_account
from servicecoin.eip712 import sign_typed, typed_data
from servicecoin.errors import ConfigError, ServiceCoinError
from servicecoin.networks import LOCAL_ROLES
from servicecoin.token import UNIT, fmt, to_raw

CONTRACT = "RedemptionVault"
DOMAIN_NAME = "ServiceCoin RedemptionVault"
DOMAIN_VERSION = "1"
UNLIMITED = 2**32 - 1
ITEM_SHIFT = 224
SIGNED_FLAG = 1 << 223  # a signed (gasless) redemption's id: item << 224 | 1 << 223 | customer << 63 | nonce
ID_CREATED_SHIFT = 64  # a direct redemption's id: item << 224 | created at << 64 | storage slot
LOG_CHUNK = 5_000
DAY = 86_400


class Kind(IntEnum):
    GIFT = 0
    DISCOUNT_VOUCHER = 1
    EXCLUSIVE_SERVICE = 2

    @classmethod
    def parse(cls, text: str, where: str = "") -> "Kind":
        key = text.strip().upper().replace("-", "_")
        aliases = {"VOUCHER": "DISCOUNT_VOUCHER", "DISCOUNT": "DISCOUNT_VOUCHER", "SERVICE": "EXCLUSIVE_SERVICE",
                   "EXCLUSIVE": "EXCLUSIVE_SERVICE"}
        try:
            return cls[aliases.get(key, key)]
        except KeyError:
            known = ", ".join(k.name.lower().replace("_", "-") for k in cls)
            raise ConfigError(f"{where}unknown item kind '{text}' (known: {known})") from None

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


class Status(IntEnum):
    NONE = 0
    OPEN = 1
    FULFILLED = 2
    REFUNDED = 3
    CANCELLED = 4

    @classmethod
    def parse(cls, text: str, where: str = "") -> "Status":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            known = ", ".join(s.name.lower() for s in cls if s)
            raise ConfigError(f"{where}unknown status '{text}' (known: {known})") from None


@dataclass
class CatalogItem:
    item_id: int
    kind: str
    merchant: str
    price: int  # raw points per unit now in force
    pending_price: int
    pending_at: int
    stock: int | None  # None: unlimited
    redeemed: int
    min_tier: int
    active: bool
    metadata_uri: str = ""
    metadata_hash: str = ""

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class RedemptionRecord:
    redemption_id: int
    item_id: int
    customer: str
    quantity: int
    points: int
    created_at: int
    status: str
    tx: str = ""
    voucher_hash: str = ""

    @property
    def id_hex(self) -> str:
        return hex(self.redemption_id)

    def to_json(self) -> dict:
        d = asdict(self)
        d["redemption_id"] = self.id_hex
        return d


@dataclass
class DiscountResult:
    customer: str
    order_ref: str
    points: int
    discount_cents: int
    rate: int
    tx: str


# ---------------------------------------------------------------------------------------- wiring
def vault_contract(chain: Chain, address: str | None = None):
    return chain.contract(CONTRACT, address)


def deploy_vault(chain: Chain, config: dict, token) -> str:
    """Deploy the vault with the `vault:` settings and wire it to the token; returns its address."""
    settings = config.get("vault") or {}
    try:
        notice = int(settings.get("notice_days", 7) * DAY)
        window = int(settings.get("refund_window_days", 14) * DAY)
        rate = to_raw(settings.get("discount_points_per_unit", 100))
        order_cap = to_raw(settings.get("discount_per_order_cap", 5_000))
        day_cap = to_raw(settings.get("discount_per_day_cap", 100_000))
        budget = int(settings.get("refund_budget", 1_000_000))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"servicecoin.yaml vault: {exc}") from None
    admin = chain.account("deployer")
    address, _ = chain.deploy(CONTRACT, admin.address, token.address, notice, window, rate, order_cap, day_cap)
    vault = vault_contract(chain, address)
    role = lambda name: Web3.keccak(text=name)  # noqa: E731
    chain.transact(token.functions.grantRole(role("SPENDER_ROLE"), address), admin)
    chain.transact(token.functions.grantRole(role("ISSUER_ROLE"), address), admin)
    chain.transact(token.functions.setIssuerBudget(address, budget * UNIT), admin)
    chain.transact(vault.functions.grantRole(role("MERCHANT_ROLE"), chain.account("merchant").address), admin)
    return address


# ---------------------------------------------------------------------------------------- signers
def resolve_signer(chain: Chain, key: str, where: str = "--from") -> LocalAccount:
    """A role name (customer, merchant, …), a test-account index on local chains, or a 0x private key."""
    key = key.strip()
    if key in LOCAL_ROLES or key.startswith("$"):
        return chain.account(key.lstrip("$"))
    if key.isdigit():
        if not chain.network.uses_test_keys:
            raise ConfigError(f"{where}: test account numbers only work on local networks")
        return dev_account(int(key))
    if key.startswith("0x") and len(key) == 66:
        try:
            return Account.from_key(key)
        except ValueError:
            pass
    raise ConfigError(f"{where}: '{key[:10]}…' is not a role ({', '.join(LOCAL_ROLES)}), an account number or a private key")


# ---------------------------------------------------------------------------------------- catalog
def _metadata(chain: Chain, vault) -> dict[int, tuple[str, str]]:
    out: dict[int, tuple[str, str]] = {}
    for ev in _events(chain, vault, "ItemListed") + _events(chain, vault, "ItemUpdated"):
        out[ev["args"]["itemId"]] = (ev["args"]["metadataURI"], "0x" + ev["args"]["metadataHash"].hex().removeprefix("0x"))
    return out


def get_item(chain: Chain, item_id: int, vault=None, metadata: dict | None = None) -> CatalogItem:
    vault = vault or vault_contract(chain)
    if not 0 < item_id <= vault.functions.itemCount().call():
        raise ServiceCoinError(f"item {item_id}: no such item (the catalog has {vault.functions.itemCount().call()})")
    kind, merchant, price, pending, pending_at, stock, redeemed, min_tier, active = vault.functions.item(item_id).call()
    uri, mhash = (metadata if metadata is not None else _metadata(chain, vault)).get(item_id, ("", ""))
    return CatalogItem(item_id, Kind(kind).label, merchant, price, pending, pending_at,
                       None if stock == UNLIMITED else stock, redeemed, min_tier, active, uri, mhash)


def list_items(chain: Chain, vault=None) -> list[CatalogItem]:
    vault = vault or vault_contract(chain)
    meta = _metadata(chain, vault)
    return [get_item(chain, i, vault, meta) for i in range(1, vault.functions.itemCount().call() + 1)]


def _stock_arg(stock: int | None) -> int:
    if stock is None:
        return UNLIMITED
    if not 0 <= stock < UNLIMITED:
        raise ConfigError(f"--stock: {stock} is out of range (0..{UNLIMITED - 1}, or unlimited)")
    return stock


def add_item(chain: Chain, kind: Kind, price: int, stock: int | None, min_tier: int = 0, merchant: str | None = None,
             metadata_uri: str = "", metadata_hash: bytes | None = None, sender: LocalAccount | str = "merchant",
             vault=None) -> int:
    """List an item; `price` is raw points per unit. Returns the new item id."""
    vault = vault or vault_contract(chain)
    account = chain.account(sender) if isinstance(sender, str) else sender
    merchant = Web3.to_checksum_address(merchant or account.address)
    mhash = metadata_hash or (Web3.keccak(text=metadata_uri) if metadata_uri else b"\0" * 32)
    receipt = chain.transact(
        vault.functions.listItem(int(kind), merchant, price, _stock_arg(stock), min_tier, metadata_uri, mhash), account
    )
    return vault.events.ItemListed().process_receipt(receipt, errors=DISCARD)[0]["args"]["itemId"]


def update_item(chain: Chain, item_id: int, *, stock: int | None | str = "keep", min_tier: int | None = None,
                active: bool | None = None, metadata_uri: str | None = None, price: int | None = None,
                sender: LocalAccount | str = "merchant", vault=None) -> CatalogItem:
    """Change what is given; a price change is announced and applies after the notice period."""
    vault = vault or vault_contract(chain)
    account = chain.account(sender) if isinstance(sender, str) else sender
    current = get_item(chain, item_id, vault)
    if stock != "keep" or min_tier is not None or active is not None or metadata_uri is not None:
        new_stock = _stock_arg(current.stock if stock == "keep" else stock)
        uri = current.metadata_uri if metadata_uri is None else metadata_uri
        mhash = Web3.keccak(text=uri) if uri else b"\0" * 32
        chain.transact(vault.functions.updateItem(
            item_id, new_stock, current.min_tier if min_tier is None else min_tier,
            current.active if active is None else active, uri, mhash), account)
    if price is not None:
        chain.transact(vault.functions.announcePrice(item_id, price), account)
    return get_item(chain, item_id, vault)


# ---------------------------------------------------------------------------------------- redeeming
def is_signed(redemption_id: int) -> bool:
    """Whether the id is a signed (gasless) redemption's (its record is never reused)."""
    return bool(redemption_id & SIGNED_FLAG)


def redemption_slot(redemption_id: int) -> int | None:
    """The item storage slot a direct redemption's record lives in (reused once it is finished); None if signed."""
    return None if is_signed(redemption_id) else redemption_id & (2**ID_CREATED_SHIFT - 1)


def _tx_hex(receipt) -> str:
    return "0x" + receipt["transactionHash"].hex().removeprefix("0x")


def _record(vault, redemption_id: int, quantity: int = 0, tx: str = "", block: int | str = "latest") -> RedemptionRecord:
    """The record as the chain holds it at `block` (a finished direct redemption reads as `none` once a later
    redemption reused its slot: read at the block of the transaction that touched it)."""
    customer, item_id, points, created, status = vault.functions.redemption(redemption_id).call(block_identifier=block)
    return RedemptionRecord(redemption_id, item_id, customer, quantity, points, created, Status(status).name.lower(), tx)


def _redeemed(vault, receipt) -> RedemptionRecord:
    ev = vault.events.Redeemed().process_receipt(receipt, errors=DISCARD)[0]["args"]
    return _record(vault, ev["id"], ev["quantity"], _tx_hex(receipt), receipt["blockNumber"])


def redeem(chain: Chain, item_id: int, quantity: int, customer: LocalAccount, vault=None) -> RedemptionRecord:
    """The customer redeems directly (pays its own gas)."""
    vault = vault or vault_contract(chain)
    receipt = chain.transact(vault.functions.redeem(item_id, quantity), customer)
    return _redeemed(vault, receipt)


REDEEM_FIELDS = [("customer", "address"), ("itemId", "uint256"), ("quantity", "uint256"), ("maxPoints", "uint256"),
                 ("nonce", "uint256"), ("deadline", "uint256")]


def redeem_typed_data(chain_id: int, vault_address: str, request: dict) -> dict:
    """The EIP-712 message a customer signs for a relayed redemption (what MetaMask shows)."""
    return typed_data("Redeem", REDEEM_FIELDS, DOMAIN_NAME, DOMAIN_VERSION, chain_id, vault_address, request)


def sign_redeem(customer: LocalAccount, chain_id: int, vault_address: str, item_id: int, quantity: int,
                max_points: int, nonce: int | None = None, deadline: int | None = None) -> tuple[tuple, bytes]:
    """A signed request: (request tuple for `redeemBySig`, 65-byte signature)."""
    nonce = secrets.randbits(63) if nonce is None else nonce
    deadline = int(time.time()) + 3_600 if deadline is None else deadline
    message = {"customer": customer.address, "itemId": item_id, "quantity": quantity, "maxPoints": max_points,
               "nonce": nonce, "deadline": deadline}
    signed = sign_typed(customer.key, redeem_typed_data(chain_id, vault_address, message))
    return (customer.address, item_id, quantity, max_points, nonce, deadline), bytes(signed.signature)


def redeem_gasless(chain: Chain, item_id: int, quantity: int, customer: LocalAccount,
                   relayer: LocalAccount | str = "relayer", vault=None) -> RedemptionRecord:
    """The customer signs (no ETH needed) for at most today's price; the relayer submits and pays gas."""
    vault = vault or vault_contract(chain)
    max_points = get_item(chain, item_id, vault, metadata={}).price * quantity
    deadline = chain.w3.eth.get_block("latest")["timestamp"] + 3_600
    request, signature = sign_redeem(customer, chain.chain_id, vault.address, item_id, quantity, max_points,
                                     deadline=deadline)
    receipt = chain.transact(vault.functions.redeemBySig(request, signature), relayer)
    return _redeemed(vault, receipt)


def _safe_start(chain: Chain) -> int:
    """The deployment block, or 0 when there is no deployment record (tests, scripts)."""
    try:
        return int(chain.deployment().get("block", 0))
    except (ServiceCoinError, TypeError, ValueError):
        return 0


def _events(chain: Chain, vault, name: str, argument_filters: dict | None = None) -> list:
    """Every `name` event of the vault since its deployment, fetched in chunks."""
    event = getattr(vault.events, name)()
    latest = chain.w3.eth.block_number
    found: list = []
    for lo in range(max(_safe_start(chain) - 1, 0), latest + 1, LOG_CHUNK):
        found += event.get_logs(from_block=lo, to_block=min(lo + LOG_CHUNK - 1, latest), argument_filters=argument_filters)
    return found


def list_redemptions(chain: Chain, customer: str | None = None, item_id: int | None = None,
                     status: Status | None = None, vault=None) -> list[RedemptionRecord]:
    """Every redemption, from the events alone: `Redeemed` (open), then `Fulfilled` or `Refunded`.

    The events are the lasting record: the vault reuses the storage of finished direct redemptions, so
    `redemption(id)` forgets a finished one once a later redemption of its item takes its slot.
    """
    vault = vault or vault_contract(chain)
    filters = {"customer": Web3.to_checksum_address(customer)} if customer else None
    logs = _events(chain, vault, "Redeemed", filters)
    vouchers = {ev["args"]["id"]: "0x" + ev["args"]["voucherHash"].hex().removeprefix("0x")
                for ev in _events(chain, vault, "Fulfilled")}
    refunded = {ev["args"]["id"] for ev in _events(chain, vault, "Refunded")}
    times: dict[int, int] = {}
    out = []
    for ev in logs:
        args = ev["args"]
        if item_id is not None and args["itemId"] != item_id:
            continue
        rid = args["id"]
        state = Status.FULFILLED if rid in vouchers else Status.REFUNDED if rid in refunded else Status.OPEN
        if status is not None and state != status:
            continue
        if not is_signed(rid):
            created = (rid >> ID_CREATED_SHIFT) & (2**32 - 1)
        else:
            block = ev["blockNumber"]
            created = times.setdefault(block, chain.w3.eth.get_block(block)["timestamp"])
        out.append(RedemptionRecord(rid, args["itemId"], args["customer"], args["quantity"], args["points"], created,
                                    state.name.lower(), _tx_hex(ev), vouchers.get(rid, "")))
    return out


def parse_redemption_id(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise ConfigError(f"redemption id '{text}' is not a number (decimal or 0x…)") from None


def voucher_hash(redemption_id: int, code: str) -> bytes:
    """The commitment to a voucher code: keccak256(abi.encodePacked(uint256 id, bytes code))."""
    return Web3.solidity_keccak(["uint256", "string"], [redemption_id, code])


def fulfil(chain: Chain, redemption_id: int, voucher_code: str, merchant: LocalAccount | str = "merchant",
           vault=None) -> RedemptionRecord:
    vault = vault or vault_contract(chain)
    commitment = voucher_hash(redemption_id, voucher_code)
    receipt = chain.transact(vault.functions.fulfil(redemption_id, commitment), merchant)
    rec = _record(vault, redemption_id, tx=_tx_hex(receipt), block=receipt["blockNumber"])
    rec.voucher_hash = "0x" + commitment.hex().removeprefix("0x")
    return rec


def refund(chain: Chain, redemption_id: int, merchant: LocalAccount | str = "merchant", vault=None) -> RedemptionRecord:
    vault = vault or vault_contract(chain)
    receipt = chain.transact(vault.functions.refund(redemption_id), merchant)
    return _record(vault, redemption_id, tx=_tx_hex(receipt), block=receipt["blockNumber"])


# ---------------------------------------------------------------------------------------- discount
def order_ref(text: str) -> bytes:
    """An order reference: 0x + 64 hex digits as is, anything else hashed (keccak of the text)."""
    if text.startswith("0x") and len(text) == 66:
        return bytes.fromhex(text[2:])
    return Web3.keccak(text=text)


def discount(chain: Chain, points: int, order: str, customer: LocalAccount, vault=None) -> DiscountResult:
    """Spend `points` (raw) for a checkout discount on `order`; only what the discount is worth is burned."""
    vault = vault or vault_contract(chain)
    ref = order_ref(order)
    receipt = chain.transact(vault.functions.redeemForDiscount(points, ref), customer)
    ev = vault.events.DiscountRedeemed().process_receipt(receipt, errors=DISCARD)[0]["args"]
    return DiscountResult(customer.address, "0x" + ref.hex(), ev["points"], ev["discount"], ev["rate"],
                          "0x" + receipt["transactionHash"].hex().removeprefix("0x"))


def discount_terms(chain: Chain, vault=None) -> dict:
    vault = vault or vault_contract(chain)
    rate, pending, pending_at, order_cap, day_cap, used = vault.functions.discountTerms().call()
    return {"rate": rate, "pending_rate": pending, "pending_at": pending_at, "per_order_cap": order_cap,
            "per_day_cap": day_cap, "used_today": used, "notice_period": vault.functions.noticePeriod().call()}


# ---------------------------------------------------------------------------------------- demo
def demo_step(chain: Chain, state: dict) -> None:
    """A small catalog and one redemption of each kind (one gasless), one fulfilled with a voucher."""
    vault = vault_contract(chain)
    names = ["Ana", "Ben", "Chloe"]
    customers = {n: dev_account(i) for n, i in zip(names, (5, 6, 7))}
    if vault.functions.itemCount().call() == 0:
        add_item(chain, Kind.GIFT, 40 * UNIT, 100, metadata_uri="demo://gift/coffee-mug", vault=vault)
        add_item(chain, Kind.DISCOUNT_VOUCHER, 25 * UNIT, None, metadata_uri="demo://voucher/10-percent", vault=vault)
        add_item(chain, Kind.EXCLUSIVE_SERVICE, 300 * UNIT, 5, min_tier=1,
                 metadata_uri="demo://service/priority-line", vault=vault)
    print("\ncatalog:")
    for it in list_items(chain, vault):
        stock = "unlimited" if it.stock is None else it.stock
        print(f"  #{it.item_id} {it.kind:17s} {fmt(it.price):>8} points  stock {stock}  min tier {it.min_tier}  "
              f"{it.metadata_uri}")
    gift = redeem(chain, 1, 1, customers["Ana"], vault)
    code = f"MUG-{gift.created_at % 10**6:06d}-{redemption_slot(gift.redemption_id)}"
    fulfil(chain, gift.redemption_id, code, vault=vault)
    print(f"  Ana redeemed a gift ({fmt(gift.points)} points), the merchant fulfilled it with voucher {code}")
    voucher = redeem_gasless(chain, 2, 1, customers["Ben"], vault=vault)
    print(f"  Ben signed a voucher redemption, the relayer paid the gas ({fmt(voucher.points)} points)")
    try:
        service = redeem(chain, 3, 1, customers["Chloe"], vault)
        print(f"  Chloe (Silver) unlocked the exclusive service ({fmt(service.points)} points)")
    except ServiceCoinError as exc:
        print(f"  Chloe could not unlock the exclusive service: {exc}")
    result = discount(chain, 10 * UNIT, f"demo-order-{chain.w3.eth.block_number}", customers["Chloe"], vault)
    print(f"  Chloe took {result.discount_cents / 100:.2f} off an order for {fmt(result.points)} points")
