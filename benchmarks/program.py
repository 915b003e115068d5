"""The program every gas benchmark starts from: the token as `svc deploy` configures it, and an operator
holding the issuer role with a budget large enough for any run."""

from __future__ import annotations

import subprocess
import time

from web3 import Web3

from servicecoin.chain import Chain
from servicecoin.config import load_config
from servicecoin.deploy import deploy_token
from servicecoin.localchain import anvil_command
from servicecoin.networks import Network
from servicecoin.roles import grant_issuer


def token_with_operator(chain, budget: int = 10**9):
    """(config, token contract, operator account) on a fresh deployment."""
    config = load_config()
    token = deploy_token(chain, config)
    operator = chain.account("operator")
    grant_issuer(chain, token, operator.address, budget)
    return config, token, operator


def on_prague(port: int, measure) -> dict:
    """`measure(chain)` on a throw-away anvil at hardfork Prague (the contracts are the shanghai build),
    its keys suffixed `.prague`: where calldata dominates, EIP-7623's calldata floor binds there."""
    command = [("prague" if a == "shanghai" else a) for a in anvil_command(port, "--gas-limit", "30000000", "--silent")]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 120}))
        deadline = time.monotonic() + 15
        while not w3.is_connected():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Prague anvil did not answer on port {port}")
            time.sleep(0.1)
        return {k + ".prague": v for k, v in measure(Chain(Network("bench-prague", url, True), w3)).items()}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
