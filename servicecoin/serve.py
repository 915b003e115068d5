"""`svc serve`: the customer web page and the relay API, on 127.0.0.1 by default.

Serves the static page in web/, ethers from node_modules (no CDN, no build step), /config.json
built from deployments/<network>.json, and a small JSON API through which customers without ETH
have their signed requests relayed (the relayer pays the gas). The relays themselves live in
servicecoin.relay, which registers them here (`svc serve` imports it); a relay whose contract is
not deployed answers 404 with a clear message.
"""

from __future__ import annotations

import json
import mimetypes
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from web3 import Web3

from servicecoin import PROJECT_ROOT
from servicecoin.chain import Chain, artifact
from servicecoin.config import load_config
from servicecoin.errors import ConfigError, ServiceCoinError
from servicecoin.networks import Network
from servicecoin.paths import deployment_file

WEB_ROOT = PROJECT_ROOT / "web"
# Files served from outside web/: URL path → file. Nothing else outside web/ is reachable.
VENDOR = {
    "/vendor/ethers.min.js": PROJECT_ROOT / "node_modules" / "ethers" / "dist" / "ethers.min.js",
}
MAX_BODY = 16 * 1024  # bytes; relayed requests are a signature and a few fields
RATE_LIMIT = (30, 60.0)  # relayed requests per client address per window (seconds); pages are not limited
READ_TIMEOUT = 10  # seconds a client may take to send its request (slow clients hold a thread)
DEFAULT_PORT = 8080
# Explorers for the networks customers are likely to use; servicecoin.yaml web.explorers overrides.
EXPLORERS = {
    1: "https://etherscan.io",
    11155111: "https://sepolia.etherscan.io",
    10: "https://optimistic.etherscan.io",
    8453: "https://basescan.org",
    84532: "https://sepolia.basescan.org",
    42161: "https://arbiscan.io",
    137: "https://polygonscan.com",
}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


class RequestError(ServiceCoinError):
    """A relayed request is malformed or refused; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.field = field
        self.status = status


# A relay: (Site, JSON body) → JSON-able result. servicecoin.relay registers those `svc serve` offers.
Relay = Callable[["Site", dict], dict]
RELAYS: dict[str, tuple[str, Relay]] = {}


def register_relay(name: str, contract: str, fn: Relay) -> None:
    """Expose `fn` as POST /api/<name>, available when `contract` is in the deployment."""
    RELAYS[name] = (contract, fn)


@dataclass
class Site:
    """What one `svc serve` serves: a deployment, its chain (for relays) and the page settings."""

    record: dict
    network: Network
    web_settings: dict = field(default_factory=dict)
    web_root: Path = WEB_ROOT
    _chain: Chain | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def chain(self) -> Chain:
        """The connection relays send through (created on first use)."""
        if self._chain is None:
            w3 = Web3(Web3.HTTPProvider(self.network.rpc_url, request_kwargs={"timeout": 60}))
            self._chain = Chain(self.network, w3)
        return self._chain

    @property
    def lock(self) -> threading.Lock:
        """Held while relaying, so the relayer's nonces stay in order."""
        return self._lock

    def contracts(self) -> dict[str, str]:
        return self.record.get("contracts", {})

    def config(self) -> dict:
        """The page's /config.json: chain, addresses, ABIs and which actions this server relays."""
        chain_id = int(self.record["chain_id"])
        settings = self.web_settings
        rpc = settings.get("rpc_urls", {}).get(self.network.id)
        if rpc is None and self.network.local:
            rpc = self.record.get("rpc_url")  # a local node; never a live URL (it may carry an API key)
        explorer = settings.get("explorers", {}).get(chain_id, EXPLORERS.get(chain_id))
        token = self.record.get("token", {})
        contracts = self.contracts()
        abis = {}
        for name in contracts:
            try:
                abis[name] = artifact(name)["abi"]
            except ConfigError:
                pass
        relays = [name for name, (contract, _) in RELAYS.items() if contract in contracts]
        return {
            "network": self.network.id,
            "chain_id": chain_id,
            "chain_id_hex": hex(chain_id),
            "chain_name": settings.get("chain_names", {}).get(chain_id, _chain_name(chain_id, self.network)),
            "rpc_url": rpc,
            "explorer": explorer,
            "deployment_block": int(self.record.get("block", 0)),
            "contracts": contracts,
            "token": {
                "address": contracts.get("RewardToken"),
                "symbol": token.get("symbol", "SVC"),
                "decimals": int(token.get("decimals", 2)),
                "tier_names": token.get("tier_names", []),
                "image": settings.get("token_image"),
            },
            "relays": relays,
            "abis": abis,
        }


def _chain_name(chain_id: int, network: Network) -> str:
    names = {1: "Ethereum", 11155111: "Sepolia", 31337: "ServiceCoin local chain", 1337: "ServiceCoin Ganache"}
    return names.get(chain_id, f"ServiceCoin ({network.id})")


def load_site(network_id: str | None = None, deployment: str | Path | None = None) -> Site:
    """The Site for a network id (networks.yaml + deployments/<id>.json) or a deployment file."""
    from servicecoin.networks import get_network

    if deployment is not None:
        path = Path(deployment)
    else:
        path = deployment_file(network_id or "svc-local")
    if not path.exists():
        hint = f"; run 'svc deploy --network {network_id}'" if deployment is None else ""
        raise ConfigError(f"{path}: no deployment file{hint}")
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    for key in ("chain_id", "contracts"):
        if key not in record:
            raise ConfigError(f"{path}: missing field '{key}'")
    if "RewardToken" not in record["contracts"]:
        raise ConfigError(f"{path}: field 'contracts' has no RewardToken address")
    if deployment is not None:
        url = record.get("rpc_url", "")
        local = url.startswith(("http://127.0.0.1", "http://localhost"))
        network = Network(record.get("network", path.stem), url, local)
    else:
        network = get_network(network_id or "svc-local")
    try:
        settings = load_config().get("web", {}) or {}
    except ConfigError:
        settings = {}
    return Site(record, network, settings)


class Handler(BaseHTTPRequestHandler):
    """Static files, /config.json and POST /api/<relay>."""

    site: Site  # set on the subclass made by make_server
    timeout = READ_TIMEOUT  # socket timeout: a client that stalls mid-request is dropped
    server_version = "svc-serve"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    # ------------------------------------------------------------------ responses
    def _headers(self, status: int, content_type: str, length: int, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-cache" if cache else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", CSP)
        self.end_headers()

    def _json(self, status: int, data: Any) -> None:
        body = json.dumps(data).encode()
        self._headers(status, "application/json; charset=utf-8", len(body))
        self.wfile.write(body)

    def _error(self, status: int, message: str, field: str | None = None) -> None:
        self._json(status, {"error": message, **({"field": field} if field else {})})

    # ------------------------------------------------------------------ GET
    def do_HEAD(self) -> None:  # noqa: N802
        self._get(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._get(head=False)

    def _get(self, head: bool) -> None:
        path = urlsplit(self.path).path
        if path == "/config.json":
            return self._json(HTTPStatus.OK, self.site.config())
        if path == "/api/health":
            return self._json(HTTPStatus.OK, {"ok": True, "network": self.site.network.id})
        file = self._static(path)
        if file is None:
            return self._error(HTTPStatus.NOT_FOUND, f"no such page: {path}")
        data = file.read_bytes()
        ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith(("javascript", "json")):
            ctype += "; charset=utf-8"
        self._headers(HTTPStatus.OK, ctype, len(data), cache=True)
        if not head:
            self.wfile.write(data)

    def _static(self, path: str) -> Path | None:
        if path in VENDOR:
            return VENDOR[path] if VENDOR[path].is_file() else None
        if path.endswith("/"):
            path += "index.html"
        root = self.site.web_root.resolve()
        target = (root / path.lstrip("/")).resolve()
        if root not in target.parents or not target.is_file() or target.name.startswith("."):
            return None
        return target

    # ------------------------------------------------------------------ POST
    def do_POST(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        if not path.startswith("/api/"):
            return self._error(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")
        name = path[len("/api/"):]
        if not self._within_rate_limit():
            return self._error(HTTPStatus.TOO_MANY_REQUESTS, "too many requests from this address; wait a minute")
        if name not in RELAYS or RELAYS[name][0] not in self.site.contracts():
            return self._error(HTTPStatus.NOT_FOUND, f"this server does not relay '{name}' on {self.site.network.id}")
        origin = self.headers.get("Origin")
        host = self.headers.get("Host", "")
        if origin and urlsplit(origin).netloc != host:
            return self._error(HTTPStatus.FORBIDDEN, f"requests from {origin} are not accepted")
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
            return self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send the request as application/json")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return self._error(HTTPStatus.LENGTH_REQUIRED, "Content-Length is required")
        if length < 0:
            return self._error(HTTPStatus.BAD_REQUEST, "Content-Length must not be negative")
        if length > MAX_BODY:
            return self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request is {length} bytes; the limit is {MAX_BODY}")
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except TimeoutError:
            self.close_connection = True
            return
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return self._error(HTTPStatus.BAD_REQUEST, f"request body is not valid JSON: {exc}")
        if not isinstance(body, dict):
            return self._error(HTTPStatus.BAD_REQUEST, "request body must be a JSON object")
        try:
            with self.site.lock:
                result = RELAYS[name][1](self.site, body)
        except RequestError as exc:
            return self._error(exc.status, str(exc), exc.field)
        except ServiceCoinError as exc:
            return self._error(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc))
        except Exception as exc:  # a bug or a node failure: answer, and keep the trace for the operator
            import traceback

            traceback.print_exc()
            return self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"relaying failed: {type(exc).__name__}: {exc}")
        return self._json(HTTPStatus.OK, result)


    def _within_rate_limit(self) -> bool:
        """Count this request against its client address (sliding window); False when over the limit."""
        import time

        limit = getattr(self.server, "rate_limit", RATE_LIMIT)
        if not limit:
            return True
        count, window = limit
        now = time.monotonic()
        with self.server.rate_lock:  # type: ignore[attr-defined]
            hits = [t for t in self.server.hits.get(self.client_address[0], []) if now - t < window]  # type: ignore[attr-defined]
            allowed = len(hits) < count
            if allowed:
                hits.append(now)
            self.server.hits[self.client_address[0]] = hits  # type: ignore[attr-defined]
        return allowed


def make_server(site: Site, host: str = "127.0.0.1", port: int = DEFAULT_PORT, verbose: bool = False) -> ThreadingHTTPServer:
    """An HTTP server for `site` (not yet serving; call serve_forever)."""
    handler = type("SiteHandler", (Handler,), {"site": site})
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise ServiceCoinError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    server.daemon_threads = True
    server.verbose = verbose  # type: ignore[attr-defined]
    server.rate_limit = RATE_LIMIT  # type: ignore[attr-defined]  # (requests, seconds) per client; None: off
    server.hits = {}  # type: ignore[attr-defined]
    server.rate_lock = threading.Lock()  # type: ignore[attr-defined]
    return server


# --------------------------------------------------------------------------- validation helpers
def require(body: dict, name: str, kind: type | tuple[type, ...]) -> Any:
    """Field `name` of a request body, of type `kind`, or a RequestError naming it."""
    if name not in body:
        raise RequestError(f"field '{name}' is missing", name)
    value = body[name]
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        raise RequestError(f"field '{name}' has the wrong type", name)
    return value


def require_address(body: dict, name: str) -> str:
    value = require(body, name, str)
    if not Web3.is_address(value):
        raise RequestError(f"field '{name}' is not an address", name)
    return Web3.to_checksum_address(value)


def require_uint(body: dict, name: str, bits: int = 256) -> int:
    value = require(body, name, (int, str))
    try:
        number = int(value, 0) if isinstance(value, str) else value
    except ValueError:
        raise RequestError(f"field '{name}' is not a number", name) from None
    if not 0 <= number < 2**bits:
        raise RequestError(f"field '{name}' is out of range", name)
    return number


def require_hex(body: dict, name: str, size: int | None = None) -> bytes:
    value = require(body, name, str)
    try:
        raw = bytes.fromhex(value[2:] if value.startswith("0x") else "!")
    except ValueError:
        raise RequestError(f"field '{name}' is not 0x-prefixed hex", name) from None
    if size is not None and len(raw) != size:
        raise RequestError(f"field '{name}' must be {size} bytes", name)
    return raw
