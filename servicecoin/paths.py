"""Where the project keeps its files."""

import os
from pathlib import Path

from servicecoin import PROJECT_ROOT

BUILD_DIR = PROJECT_ROOT / "build" / "contracts"
DEPLOYMENTS_DIR = PROJECT_ROOT / "deployments"
DATA_DIR = PROJECT_ROOT / ".servicecoin"
CHAIN_DIR = DATA_DIR / "chain"
NETWORKS_FILE = PROJECT_ROOT / "networks.yaml"
CONFIG_FILE = PROJECT_ROOT / "servicecoin.yaml"


def data_dir(network: str) -> Path:
    """Per-network folder for off-chain state (journals, content store, index)."""
    path = DATA_DIR / network
    path.mkdir(parents=True, exist_ok=True)
    return path


def deployments_dir() -> Path:
    """deployments/ in the project, or SVC_DEPLOYMENTS_DIR (tests use a temporary folder)."""
    return Path(os.environ.get("SVC_DEPLOYMENTS_DIR", DEPLOYMENTS_DIR))


def deployment_file(network: str) -> Path:
    return deployments_dir() / f"{network}.json"
