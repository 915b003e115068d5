"""What a relayed request must pass before, and what it costs after, the relayer pays for it:

- the deadline stays valid for a margin past both the wall clock and the latest block, so the
  transaction cannot expire between the check and the block it is mined in;
- each customer (the signer) has a request rate and a budget of failed relays; all customers
  together have one budget too, beyond which the relay pauses;
- every transaction is simulated against the pending state within its kind's gas cap, is not sent
  when the simulation reverts or needs more, and is sent with a gas limit no higher than the cap;
- with `serve.relay_quota_per_customer`, what the relayer spends on each customer per UTC day is
  bounded, durably (serve.quota): over it, 429 with Retry-After.

Plain functions and one small state object (Guard), so any HTTP front end can call them.
"""

from __future__ import annotations

import time
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable

from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from servicecoin.chain import Chain, decode_revert
from servicecoin.errors import ChainError
from servicecoin.serve.client import client_key
from servicecoin.serve.fields import RequestError
from servicecoin.serve.quota import QuotaBook, chain_scope, quota_file
from servicecoin.serve.ratelimit import SlidingWindow
from servicecoin.serve.settings import ServeSettings

MAX_DEADLINE = 86_400  # a signature may be valid for at most a day
GAS_PADDING = (1.2, 20_000)  # gas limit = estimate × 1.2 + 20,000, never above the cap


def check_deadline(chain: Chain, deadline: int, margin: int, clock: Callable[[], float] = time.time) -> None:
    """Refuse a deadline that has passed (409: sign again), that leaves less than `margin` seconds past
    both the wall clock and the latest block (400), or that is more than a day ahead (400)."""
    latest = int(chain.w3.eth.get_block("latest")["timestamp"])
    now = max(int(clock()), latest)
    if deadline <= now:
        raise RequestError("the signature has expired; sign again", "deadline", HTTPStatus.CONFLICT)
    if deadline < now + margin:
        raise RequestError(f"field 'deadline' must be at least {margin} s ahead (it is {deadline - now} s); "
                           "sign again with a later deadline", "deadline")
    if deadline > now + MAX_DEADLINE:
        raise RequestError("field 'deadline' is more than a day ahead", "deadline")


def _reason(exc: Exception) -> str:
    data = getattr(exc, "data", None)
    return decode_revert(data) if isinstance(data, (str, bytes)) and data else str(exc)


def simulate(chain: Chain, call: Any, sender: str, cap: int, kind: str) -> int:
    """The gas `call` needs from `sender` against the pending state, given at most `cap`; a ChainError
    (nothing sent) when it would revert or needs more than the cap."""
    name = getattr(call, "fn_name", kind)
    over = f"{name} needs more than {cap:,} gas, the most this server pays for a {kind}; send it yourself"
    try:
        gas = call.estimate_gas({"from": sender, "gas": cap}, block_identifier="pending")
    except (ContractCustomError, ContractLogicError) as exc:
        raise ChainError(f"{name} would revert: {_reason(exc)}") from None
    except (Web3RPCError, ValueError) as exc:  # nodes answer "out of gas" / "gas required exceeds allowance"
        if "gas" in str(exc).lower():
            raise ChainError(over) from None
        raise
    if gas > cap:
        raise ChainError(over)
    return gas


class Guard:
    """The counters one `svc serve` keeps for its relayer: requests per client and per customer, and
    failed relays."""

    def __init__(self, settings: ServeSettings | None = None, clock: Callable[[], float] = time.monotonic):
        self.settings = settings = settings or ServeSettings()
        limit = settings.client_limit
        self.clients = SlidingWindow(limit, settings.max_tracked, clock) if limit else None
        limit = settings.customer_limit
        self.customers = SlidingWindow(limit, settings.max_tracked, clock) if limit else None
        self.failures = SlidingWindow(settings.failed_per_customer, settings.max_tracked, clock)
        self.all_failures = SlidingWindow(settings.failed_total, 1, clock)
        self.quota: QuotaBook | None = None  # opened on the first relay (serve.quota), when a quota is set
        self.quota_path: Path | None = None  # where; default .servicecoin/<network>/serve/relay-quota.sqlite

    def quota_book(self, chain: Chain) -> QuotaBook | None:
        """The daily per-customer quota book of `chain`'s relays; None when no quota is set."""
        if self.quota is None and self.settings.customer_quota is not None:
            self.quota = QuotaBook(self.quota_path or quota_file(chain.network.id), self.settings.customer_quota,
                                   chain_scope(chain))
        return self.quota

    def check_deadline(self, chain: Chain, deadline: int) -> None:
        check_deadline(chain, deadline, self.settings.deadline_margin)

    def admit_client(self, peer: str, forwarded_for: str | None = None) -> None:
        """Count a relayed request of the client at `peer` (or the one a trusted proxy names); 429 over the
        limit. Pages and /api/health are not counted."""
        key = client_key(peer, forwarded_for, self.settings.trusted_proxies)
        if self.clients is not None and not self.clients.hit(key):
            raise RequestError("too many requests from this address; wait a minute", None,
                               HTTPStatus.TOO_MANY_REQUESTS)

    def admit(self, customer: str) -> None:
        """Count a request of `customer` (the verified signer); 429 over the rate or the failure budgets."""
        if self.all_failures.full("all"):
            raise RequestError("the relay is paused after too many failed transactions; try again later, "
                               "or send it yourself", None, HTTPStatus.TOO_MANY_REQUESTS)
        if self.failures.full(customer):
            hours = self.settings.failed_per_customer.seconds / 3600
            raise RequestError(f"too many of this customer's relayed transactions failed; wait up to "
                               f"{hours:g} h or send it yourself", "customer", HTTPStatus.TOO_MANY_REQUESTS)
        if self.customers is not None and not self.customers.hit(customer):
            raise RequestError("too many requests for this customer; wait a minute", "customer",
                               HTTPStatus.TOO_MANY_REQUESTS)

    def failed(self, customer: str) -> None:
        """Count a relay that cost the relayer gas and did nothing."""
        self.failures.add(customer)
        self.all_failures.add("all")

    def send(self, chain: Chain, call: Any, kind: str, customer: str) -> Any:
        """Simulate, then send `call` from the relayer with a capped gas limit and wait for it; a revert
        on chain counts against `customer` and raises ChainError."""
        cap = self.settings.gas_cap(kind)
        relayer = chain.account("relayer")
        book = self.quota_book(chain)
        if book is not None:
            book.check(customer)  # used up already: refused before any call to the node
        estimate = simulate(chain, call, relayer.address, cap, kind)
        gas = min(cap, int(estimate * GAS_PADDING[0]) + GAS_PADDING[1])
        tx = chain.build(call, relayer, gas=gas)
        reservation = None
        if book is not None:  # its most, on disk before it is sent (a crash never undercounts)
            fee = int(tx.get("maxFeePerGas", tx.get("gasPrice", 0)))
            try:
                book.check(customer, estimate, estimate * fee)
            except Exception:
                chain.reset_nonce(relayer.address)  # built, never sent: the nonce is still free
                raise
            reservation = book.reserve(customer, gas, gas * fee)
        try:
            tx_hash = chain.send_raw(tx, relayer)
        except Exception:
            chain.reset_nonce(relayer.address)  # the node refused it: the nonce is still free
            if reservation is not None:
                book.release(reservation)
            raise
        receipt = chain.wait(tx_hash)
        if reservation is not None:
            price = int(receipt.get("effectiveGasPrice") or tx.get("gasPrice") or tx.get("maxFeePerGas", 0))
            book.settle(reservation, receipt["gasUsed"], receipt["gasUsed"] * price, f"0x{bytes(tx_hash).hex()}")
        if receipt["status"] != 1:
            self.failed(customer)
            raise ChainError(f"{getattr(call, 'fn_name', kind)} reverted on chain in tx 0x{bytes(tx_hash).hex()}")
        return receipt
