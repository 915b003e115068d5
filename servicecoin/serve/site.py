"""What one `svc serve` serves: a deployment, its chain (for relays), the page settings, the
serve settings with the relay's guard, and the relays registered for it (servicecoin.relay
registers its own on import). Site.config() is the page's /config.json."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from web3 import Web3

from servicecoin import PROJECT_ROOT
from servicecoin.chain import Chain, artifact
from servicecoin.config import load_config, token_info
from servicecoin.errors import ConfigError
from servicecoin.networks import Network
from servicecoin.paths import deployment_file
from servicecoin.serve.guard import Guard
from servicecoin.serve.settings import ServeSettings

WEB_ROOT = PROJECT_ROOT / "web"
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

# A relay: (Site, JSON body) → JSON-able result. servicecoin.relay registers those `svc serve` offers.
Relay = Callable[["Site", dict], dict]
RELAYS: dict[str, tuple[str, Relay]] = {}
RELAY_SCHEMAS: dict[str, dict] = {}  # name → JSON schema of the request body (for /openapi.json)


def register_relay(name: str, contract: str, fn: Relay, schema: dict | None = None) -> None:
    """Expose `fn` as POST /api/<name>, available when `contract` is in the deployment; `schema`
    describes its request body in the OpenAPI document."""
    RELAYS[name] = (contract, fn)
    if schema is not None:
        RELAY_SCHEMAS[name] = schema


@dataclass
class Site:
    """What one `svc serve` serves: a deployment, its chain (for relays), the page settings and the
    serve settings (servicecoin.yaml `web:` and `serve:`)."""

    record: dict
    network: Network
    web_settings: dict = field(default_factory=dict)
    web_root: Path = WEB_ROOT
    _chain: Chain | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    settings: ServeSettings = field(default_factory=ServeSettings)
    anchored_folder: Path | None = None  # the anchored batches (default: the network's, as `svc log anchor` keeps them)
    catalog_folder: Path | None = None  # catalog metadata and pictures (default: the network's, as `svc catalog describe` keeps them)
    guard: Guard = field(init=False)

    def __post_init__(self) -> None:
        self.guard = Guard(self.settings)

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

    @property
    def chain_id(self) -> int:
        """The chain this site serves (from its deployment record; no node asked)."""
        return int(self.record["chain_id"])

    @property
    def anchored(self) -> Path:
        """The folder of the anchored batches whose receipts GET /api/receipts hands out."""
        from servicecoin.servicelog.anchoring import anchored_dir

        return self.anchored_folder or anchored_dir(self.network.id)

    @property
    def catalog(self) -> Path:
        """The folder of the catalog metadata and pictures GET /api/catalog and /catalog-images/ serve."""
        from servicecoin.vault.metadata import catalog_dir

        return self.catalog_folder or catalog_dir(self.network.id)

    def secret_urls(self) -> list[str]:
        """The node URLs whose secret parts must never leave the server (see serve.redact)."""
        return [u for u in (self.network.rpc_url, self.record.get("rpc_url")) if u]

    def contracts(self) -> dict[str, str]:
        return self.record.get("contracts", {})

    def config(self) -> dict:
        """The page's /config.json: chain, addresses, ABIs and which actions this server relays."""
        chain_id = int(self.record["chain_id"])
        settings = self.web_settings
        rpc = settings.get("rpc_urls", {}).get(self.network.id)
        if rpc is None and self.network.local:
            # a local node; never a live URL (it may carry an API key)
            rpc = self.record.get("rpc_url") or self.network.rpc_url or None
        # web.explorers by network id (e.g. svc-live) or chain id; none for a local chain: the page offers copy only
        explorers = settings.get("explorers", {}) or {}
        explorer = explorers.get(self.network.id, explorers.get(chain_id, EXPLORERS.get(chain_id)))
        token = self.record.get("token") or _token_info()
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
            "reminder_days": _reminder_days(settings),
            "abis": abis,
        }


def _reminder_days(settings: dict) -> int:
    """web.reminder_days: how many days ahead the page warns about expiring points (default 30)."""
    days = settings.get("reminder_days", 30)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        raise ConfigError(f"servicecoin.yaml web.reminder_days: {days!r} is not a whole number of days from 1 to 365")
    return days


def _token_info() -> dict:
    """Symbol, decimals and tier names from servicecoin.yaml (deployment files hold only addresses)."""
    try:
        return token_info()
    except ConfigError:
        return {}


def _chain_name(chain_id: int, network: Network) -> str:
    names = {1: "Ethereum", 11155111: "Sepolia", 31337: "ServiceCoin local chain", 1337: "ServiceCoin Ganache"}
    return names.get(chain_id, f"ServiceCoin ({network.id})")


def _network_of(name: str, fallback: str) -> Network:
    """The network `name` of networks.yaml, or `fallback` when it has no such network."""
    from servicecoin.networks import get_network

    try:
        return get_network(name or fallback)
    except ConfigError as exc:
        if name and "unknown network" in str(exc):
            return get_network(fallback)
        raise


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
    if deployment is not None and record.get("rpc_url"):  # a deployment file written before it left URLs out
        url = record["rpc_url"]
        local = url.startswith(("http://127.0.0.1", "http://localhost"))
        network = Network(record.get("network", path.stem), url, local)
    elif deployment is not None:  # its network's URL from networks.yaml (svc-live: SVC_RPC_URL)
        network = _network_of(str(record.get("network") or ""), network_id or "svc-local")
    else:
        network = get_network(network_id or "svc-local")
    try:
        config = load_config() or {}
    except ConfigError:
        config = {}
    return Site(record, network, config.get("web", {}) or {}, settings=ServeSettings.from_config(config.get("serve")))


