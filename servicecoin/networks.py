"""Network definitions shared with brownie (networks.yaml) and the keys each one uses."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import yaml

from servicecoin.errors import ConfigError, quoted
from servicecoin.paths import NETWORKS_FILE

# The well-known local test mnemonic (anvil's and our Ganache's default). Local chains only.
TEST_MNEMONIC = "test test test test test test test test test test test junk"
# Which test account plays which part on local chains.
LOCAL_ROLES = {
    "deployer": 0,
    "operator": 1,
    "agent": 2,
    "merchant": 3,
    "relayer": 4,
    "customer": 5,
}


@dataclass(frozen=True)
class Network:
    id: str
    rpc_url: str
    local: bool  # keys from the test mnemonic; otherwise from SVC_PRIVATE_KEY

    @property
    def uses_test_keys(self) -> bool:
        return self.local


def _load() -> dict[str, Network]:
    with NETWORKS_FILE.open() as fp:
        raw = yaml.safe_load(fp)
    found: dict[str, Network] = {}
    for entry in raw.get("development", []):
        port = entry["cmd_settings"]["port"]
        found[entry["id"]] = Network(entry["id"], f"{entry['host']}:{port}", True)
    for chain in raw.get("live", []):
        for entry in chain["networks"]:
            host = os.path.expandvars(entry["host"])
            local = host.startswith("http://127.0.0.1") and entry["id"] != "svc-live"
            found[entry["id"]] = Network(entry["id"], host, local)
    return found


def network_ids() -> list[str]:
    """The ids networks.yaml defines, sorted."""
    return sorted(_load())


def get_network(network_id: str) -> Network:
    """The network called `network_id`; SVC_RPC_URL overrides the URL of svc-live."""
    networks = _load()
    if network_id not in networks:
        raise ConfigError(f"{NETWORKS_FILE.name}: unknown network {quoted(network_id)} (known: {', '.join(sorted(networks))})")
    net = networks[network_id]
    if network_id == "svc-live":
        url = os.environ.get("SVC_RPC_URL")
        if not url:
            raise ConfigError("network svc-live: set SVC_RPC_URL to the node's URL and SVC_PRIVATE_KEY to the signing key")
        net = Network(net.id, url, False)
    unset = re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", net.rpc_url)  # expandvars leaves unset ones as they are
    if unset:
        raise ConfigError(f"network {network_id}: set {', '.join(unset)} (its host in {NETWORKS_FILE.name} is "
                          f"{net.rpc_url})")
    return net
