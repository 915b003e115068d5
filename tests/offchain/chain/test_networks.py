"""networks.yaml as `svc` reads it: a live network whose host names an environment variable."""

import pytest

from servicecoin import networks
from servicecoin.errors import ConfigError

YAML = """
development: []
live:
  - name: ServiceCoin
    networks:
      - {name: Sepolia through a provider, id: sepolia, host: "${SEPOLIA_RPC_URL}"}
"""


@pytest.fixture
def sepolia_file(tmp_path, monkeypatch):
    path = tmp_path / "networks.yaml"
    path.write_text(YAML)
    monkeypatch.setattr(networks, "NETWORKS_FILE", path)
    monkeypatch.delenv("SEPOLIA_RPC_URL", raising=False)
    return path


def test_an_unset_variable_in_a_host_is_named(sepolia_file):
    with pytest.raises(ConfigError, match=r"network sepolia: set SEPOLIA_RPC_URL \(its host in networks.yaml"):
        networks.get_network("sepolia")


def test_a_set_variable_gives_the_url(sepolia_file, monkeypatch):
    monkeypatch.setenv("SEPOLIA_RPC_URL", "https://rpc.example/v3/KEY")
    net = networks.get_network("sepolia")
    assert net.rpc_url == "https://rpc.example/v3/KEY" and not net.local
