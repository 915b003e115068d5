"""The operators' persistent local chain: anvil with its state saved under .servicecoin/chain/."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

from servicecoin import PROJECT_ROOT
from servicecoin.errors import ServiceCoinError
from servicecoin.networks import TEST_MNEMONIC, get_network
from servicecoin.paths import CHAIN_DIR

PORT = int(get_network("svc-local").rpc_url.rsplit(":", 1)[1])  # networks.yaml is the one place


@dataclass(frozen=True)
class LocalChain:
    """Where one persistent anvil listens and keeps its files (the default: svc-local)."""

    port: int = PORT
    folder: Path = CHAIN_DIR

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def state_file(self) -> Path:
        return self.folder / "state.json"

    @property
    def pid_file(self) -> Path:
        return self.folder / "anvil.pid"

    @property
    def log_file(self) -> Path:
        return self.folder / "anvil.log"


DEFAULT = LocalChain()


@dataclass
class ChainStatus:
    running: bool
    pid: int | None
    url: str
    block: int | None
    chain_id: int | None
    state_file: Path


def anvil_binary() -> str:
    for candidate in (PROJECT_ROOT / ".venv" / "bin" / "anvil", PROJECT_ROOT / "node_modules" / ".bin" / "anvil"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("anvil")
    if not found:
        raise ServiceCoinError("anvil not found: run 'make setup' (it installs @foundry-rs/anvil from npm)")
    return found


def anvil_command(port: int, *extra: str) -> list[str]:
    """The anvil command line every local node of the project uses: loopback, hardfork shanghai (the EVM
    the contracts are compiled for), the well-known test mnemonic, ten funded accounts."""
    return [anvil_binary(), "--port", str(port), "--host", "127.0.0.1", "--hardfork", "shanghai",
            "--mnemonic", TEST_MNEMONIC, "--accounts", "10", *extra]


def spawn_anvil(port: int, *extra: str, timeout: float = 15) -> subprocess.Popen:
    """A throw-away anvil (tests, benchmarks) on `port`, silent, returned once it answers JSON-RPC."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise ServiceCoinError(f"port {port} is already in use (a stale node?): not starting anvil there")
    proc = subprocess.Popen(anvil_command(port, "--gas-limit", "30000000", "--silent", *extra),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 1}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServiceCoinError(f"anvil on port {port} exited with code {proc.returncode} (port in use?)")
        try:
            w3.eth.chain_id
            return proc
        except Exception:
            time.sleep(0.1)
    proc.kill()
    proc.wait()
    raise ServiceCoinError(f"anvil did not answer on port {port} within {timeout}s")


def _pid(lc: LocalChain) -> int | None:
    try:
        pid = int(lc.pid_file.read_text())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return pid


def status(lc: LocalChain = DEFAULT) -> ChainStatus:
    url = lc.url
    pid = _pid(lc)
    block = chain_id = None
    if pid:
        try:
            w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 2}))
            block, chain_id = w3.eth.block_number, w3.eth.chain_id
        except Exception:
            pass
    return ChainStatus(pid is not None and block is not None, pid, url, block, chain_id, lc.state_file)


def start(lc: LocalChain = DEFAULT, timeout: float = 20) -> ChainStatus:
    """Start anvil in the background (reusing a running one); state is loaded and saved to disk."""
    current = status(lc)
    if current.running:
        return current
    lc.folder.mkdir(parents=True, exist_ok=True)
    cmd = anvil_command(lc.port, "--state", str(lc.state_file), "--state-interval", "5")
    with open(lc.log_file, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    lc.pid_file.write_text(str(proc.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = status(lc)
        if current.running:
            return current
        if proc.poll() is not None:
            raise ServiceCoinError(f"anvil exited with code {proc.returncode}; see {lc.log_file}")
        time.sleep(0.2)
    raise ServiceCoinError(f"anvil did not answer on port {lc.port} within {timeout}s; see {lc.log_file}")


def stop(lc: LocalChain = DEFAULT, timeout: float = 15) -> bool:
    """Stop anvil gracefully (it writes its state on SIGINT). Returns whether it was running."""
    pid = _pid(lc)
    if pid is None:
        lc.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    lc.pid_file.unlink(missing_ok=True)
    return True
