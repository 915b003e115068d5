"""Fault-injection kit: a flaky JSON-RPC proxy in front of an anvil of our own, ports of our own
(8850–8899: nodes 8850–8869, proxies 8870–8889), and the ledger of what a fault cost, computed
from chain state against the plan.

The proxy forwards every JSON-RPC request to the node unless its `fault` hook says otherwise for
that request. Faults it can inject (what a flaky provider or load balancer does):

    "reset"    close the connection without an answer, before the node saw the request
    "5xx"      answer 502/503 with an HTML body, before the node saw the request
    "hang"     say nothing for `hang_seconds`, then close (the client's read timeout fires first)
    "drop"     forward to the node (a transaction *is* accepted), then close without the answer
    "rpc"      answer a JSON-RPC error object (-32603 internal error), before the node saw it
    callable   run it (e.g. kill the node), then close without an answer
"""

from __future__ import annotations

import http.client
import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from web3 import Web3

from tests.offchain.campaign.campaignkit import Node, deploy_on, expected_balances, purchases, write_campaign

from servicecoin.chain import Chain
from servicecoin.networks import Network

__all__ = ["FlakyProxy", "Node", "Tally", "deploy_on", "next_node_port", "next_proxy_port", "own_chain", "purchases",
           "write_campaign", "campaign_tally"]

_NODE_PORTS = itertools.count(8850)
_PROXY_PORTS = itertools.count(8870)


def next_node_port() -> int:
    port = next(_NODE_PORTS)
    if port > 8869:
        raise RuntimeError("out of the fault tests' node ports (8850–8869)")
    return port


def next_proxy_port() -> int:
    port = next(_PROXY_PORTS)
    if port > 8889:
        raise RuntimeError("out of the fault tests' proxy ports (8870–8889)")
    return port


def own_chain(url: str, timeout: float = 3, retries: bool = True) -> Chain:
    """A Chain over `url` signing with the test keys (operator = key 1), with a short read timeout."""
    kwargs = {} if retries else {"exception_retry_configuration": None}
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}, **kwargs))
    return Chain(Network("faults", url, True), w3)


def _methods(body: bytes) -> list[str]:
    try:
        payload = json.loads(body)
    except ValueError:
        return []
    items = payload if isinstance(payload, list) else [payload]
    return [str(i.get("method")) for i in items if isinstance(i, dict)]


@dataclass
class FlakyProxy:
    """A threaded HTTP proxy on `port` forwarding JSON-RPC to `upstream`, with injected faults.

    `fault(method, n)` is asked for every request (`method` is the first method of a batch, `n`
    counts requests of that method from 1) and returns None to forward, or a fault (see module doc).
    """

    port: int
    upstream: str
    fault: Callable[[str, int], object] = lambda method, n: None
    hang_seconds: float = 5.0
    injected: dict = field(default_factory=dict)
    seen: dict = field(default_factory=dict)

    def __post_init__(self):
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                methods = _methods(body)
                method = methods[0] if methods else "?"
                with proxy._lock:
                    proxy.seen[method] = n = proxy.seen.get(method, 0) + 1
                action = proxy.fault(method, n)
                if action is not None:
                    kind = action if isinstance(action, str) else "call"
                    with proxy._lock:
                        proxy.injected[kind] = proxy.injected.get(kind, 0) + 1
                if action is None or action == "drop" or callable(action):
                    if callable(action):
                        action()
                        return self._close()
                    try:
                        status, answer = proxy._forward(body)
                    except OSError:
                        return self._close()  # the node is down: the client sees a reset
                    if action == "drop":
                        return self._close()
                    return self._reply(status, answer, "application/json")
                if action == "reset":
                    return self._close()
                if action == "5xx":
                    return self._reply(503, b"<html><body>503 Service Unavailable</body></html>", "text/html")
                if action == "hang":
                    time.sleep(proxy.hang_seconds)
                    return self._close()
                if action == "rpc":
                    ids = [i.get("id") for i in json.loads(body)] if body.startswith(b"[") else [json.loads(body).get("id")]
                    errors = [{"jsonrpc": "2.0", "id": i, "error": {"code": -32603, "message": "internal error (injected)"}}
                              for i in ids]
                    out = json.dumps(errors if body.startswith(b"[") else errors[0]).encode()
                    return self._reply(200, out, "application/json")
                raise AssertionError(f"unknown fault {action!r}")

            def _reply(self, status: int, answer: bytes, ctype: str):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def _close(self):
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _forward(self, body: bytes) -> tuple[int, bytes]:
        host, port = self.upstream.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            conn.request("POST", "/", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def total_injected(self) -> int:
        return sum(self.injected.values())

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def every(nth: int, action, methods: set[str] | None = None, limit: int | None = None):
    """A fault hook: `action` on every `nth` request (of `methods`, if given), at most `limit` times."""
    count = {"n": 0, "done": 0}

    def hook(method: str, n: int):
        if methods is not None and method not in methods:
            return None
        count["n"] += 1
        if count["n"] % nth or (limit is not None and count["done"] >= limit):
            return None
        count["done"] += 1
        return action

    return hook


def bursts(action, start: int = 20, length: int = 2, period: int = 25, times: int = 2,
           methods: set[str] | None = None):
    """A fault hook: `action` on `length` consecutive requests every `period` requests (of `methods`),
    from request `start` on, `times` times (an outage, not a provider that is broken for ever)."""
    count = {"n": 0}

    def hook(method: str, n: int):
        if methods is not None and method not in methods:
            return None
        count["n"] += 1
        k = count["n"] - start
        return action if 0 <= k < times * period and k % period < length else None

    return hook


@dataclass
class Tally:
    """Points lost (planned but not credited) and doubled (credited beyond the plan) after recovery."""

    lost: int = 0
    doubled: int = 0

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.doubled == 0


def campaign_tally(chain: Chain, token_address: str, plan) -> Tally:
    """Compare every recipient's balance and the issuer's used budget with the plan (chain state)."""
    token = chain.contract("RewardToken", token_address)
    tally = Tally()
    for address, points in expected_balances(plan).items():  # an address may be paid for several reasons
        got = token.functions.balanceOf(address).call()
        tally.lost += max(0, points - got)
        tally.doubled += max(0, got - points)
    used = token.functions.issuerBudget(chain.account("operator").address).call()[1]
    tally.doubled = max(tally.doubled, used - plan.total)  # a batch paid twice shows in the budget too
    tally.lost = max(tally.lost, plan.total - used)
    return tally
