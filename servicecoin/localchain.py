"""The operators' persistent local chain: anvil with its state saved under .servicecoin/chain/."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

from servicecoin import PROJECT_ROOT
from servicecoin.errors import ServiceCoinError
from servicecoin.networks import TEST_MNEMONIC, get_network
from servicecoin.paths import CHAIN_DIR

PORT = 8546
STATE_FILE = CHAIN_DIR / "state.json"
PID_FILE = CHAIN_DIR / "anvil.pid"
LOG_FILE = CHAIN_DIR / "anvil.log"


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


def _pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return pid


def status() -> ChainStatus:
    url = get_network("svc-local").rpc_url
    pid = _pid()
    block = chain_id = None
    if pid:
        try:
            w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 2}))
            block, chain_id = w3.eth.block_number, w3.eth.chain_id
        except Exception:
            pass
    return ChainStatus(pid is not None and block is not None, pid, url, block, chain_id, STATE_FILE)


def start(timeout: float = 20) -> ChainStatus:
    """Start anvil in the background (reusing a running one); state is loaded and saved to disk."""
    current = status()
    if current.running:
        return current
    CHAIN_DIR.mkdir(parents=True, exist_ok=True)
    cmd = [
        anvil_binary(),
        "--port", str(PORT),
        "--host", "127.0.0.1",
        "--hardfork", "shanghai",
        "--mnemonic", TEST_MNEMONIC,
        "--accounts", "10",
        "--state", str(STATE_FILE),
        "--state-interval", "5",
    ]
    log = open(LOG_FILE, "ab")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    PID_FILE.write_text(str(proc.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = status()
        if current.running:
            return current
        if proc.poll() is not None:
            raise ServiceCoinError(f"anvil exited with code {proc.returncode}; see {LOG_FILE}")
        time.sleep(0.2)
    raise ServiceCoinError(f"anvil did not answer on port {PORT} within {timeout}s; see {LOG_FILE}")


def stop(timeout: float = 15) -> bool:
    """Stop anvil gracefully (it writes its state on SIGTERM/SIGINT). Returns whether it was running."""
    pid = _pid()
    if pid is None:
        PID_FILE.unlink(missing_ok=True)
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
    PID_FILE.unlink(missing_ok=True)
    return True
