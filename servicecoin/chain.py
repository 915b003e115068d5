"""A connection to one network: web3, the signing accounts, contract artifacts and transactions.

Every off-chain module talks to the chain through `Chain`, so the same code path serves the
embedded anvil, Ganache and live RPCs: transactions are signed locally (test keys on local
chains, SVC_PRIVATE_KEY elsewhere) and priced with EIP-1559 fees where the node supports them.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, TimeExhausted

from servicecoin.errors import ChainError, ConfigError, NodeUnreachable, Refused, ServiceCoinError
from servicecoin.networks import LOCAL_ROLES, TEST_MNEMONIC, Network, get_network
from servicecoin.paths import BUILD_DIR, deployment_file

Account.enable_unaudited_hdwallet_features()

LOG_CHUNK = 5_000  # blocks per eth_getLogs request


def dev_account(index: int) -> LocalAccount:
    """Account `index` of the well-known local test mnemonic."""
    return Account.from_mnemonic(TEST_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


@lru_cache(maxsize=None)
def artifact(name: str) -> dict:
    """The brownie build artifact (abi, bytecode) of contract `name`."""
    path = BUILD_DIR / f"{name}.json"
    if not path.exists():
        raise ConfigError(f"{path}: no build artifact for {name}; run 'make compile'")
    return json.loads(path.read_text())


@lru_cache(maxsize=1)
def _error_selectors() -> dict[bytes, tuple[str, list[str], list[str]]]:
    """4-byte selector → (error name, input types, input names) for every custom error in the build."""
    found: dict[bytes, tuple[str, list[str], list[str]]] = {}
    for path in BUILD_DIR.glob("*.json"):
        for item in json.loads(path.read_text()).get("abi", []):
            if item.get("type") == "error":
                types = [i["type"] for i in item["inputs"]]
                sig = f"{item['name']}({','.join(types)})"
                found[keccak(text=sig)[:4]] = (item["name"], types, [i.get("name", "") for i in item["inputs"]])
    return found


def _shown(value: Any, name: str) -> str:
    """An error argument as the CLI shows it: bytes and redemption ids (`id`) in 0x-hex, as the commands
    print and take them."""
    if isinstance(value, bytes):
        return f"0x{value.hex()}"
    if name == "id" and isinstance(value, int):
        return hex(value)
    return str(value)


def decode_revert(data: Any) -> str:
    """A readable form of revert data: `ErrorName(arg, …)` for custom errors."""
    if isinstance(data, str):
        raw = bytes.fromhex(data[2:] if data.startswith("0x") else data)
    elif isinstance(data, (bytes, bytearray)):
        raw = bytes(data)
    else:
        return str(data)
    if len(raw) < 4:
        return "reverted without a reason"
    entry = _error_selectors().get(raw[:4])
    if entry is None:
        if raw[:4] == bytes.fromhex("08c379a0"):
            from eth_abi import decode

            return decode(["string"], raw[4:])[0]
        return f"unknown error 0x{raw.hex()}"
    name, types, names = entry
    from eth_abi import decode

    values = decode(types, raw[4:]) if types else ()
    shown = ", ".join(_shown(v, n) for v, n in zip(values, names))
    return f"{name}({shown})"


def revert_message(exc: Exception) -> str:
    if isinstance(exc, ContractCustomError):
        return decode_revert(exc.data if isinstance(exc.data, str) else exc.args[0])
    if isinstance(exc, ContractLogicError):
        if exc.data:
            return decode_revert(exc.data)
        return str(exc)
    return str(exc)


@dataclass
class Chain:
    """One network connection with the accounts that sign on it."""

    network: Network
    w3: Web3
    signers: dict[str, LocalAccount] = field(default_factory=dict)
    _nonces: dict[str, int] = field(default_factory=dict)

    # ------------------------------------------------------------------ accounts
    def account(self, role: str) -> LocalAccount:
        if role in self.signers:
            return self.signers[role]
        if self.network.uses_test_keys:
            if role not in LOCAL_ROLES:
                raise ConfigError(f"unknown role '{role}' (known: {', '.join(LOCAL_ROLES)})")
            self.signers[role] = dev_account(LOCAL_ROLES[role])
            return self.signers[role]
        key = os.environ.get(f"SVC_{role.upper()}_KEY") or os.environ.get("SVC_PRIVATE_KEY")
        if not key:
            raise ConfigError(
                f"network {self.network.id}: set SVC_PRIVATE_KEY (or SVC_{role.upper()}_KEY) to sign as {role}"
            )
        try:
            self.signers[role] = Account.from_key(key)
        except Exception:  # noqa: BLE001  eth_keys raises ValueError or a bare Exception; never echo the key
            source = f"SVC_{role.upper()}_KEY" if os.environ.get(f"SVC_{role.upper()}_KEY") else "SVC_PRIVATE_KEY"
            raise ConfigError(f"{source}: not a private key (0x and 64 hex digits, below the curve order)") from None
        return self.signers[role]

    @property
    def chain_id(self) -> int:
        return self.w3.eth.chain_id

    # ------------------------------------------------------------------ contracts
    def contract(self, name: str, address: str | None = None):
        """A web3 contract for `name`, at `address` or at the address in deployments/<network>.json."""
        if address is None:
            address = self.deployment()["contracts"][name]
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact(name)["abi"])

    def deployment(self) -> dict:
        path = deployment_file(self.network.id)
        if not path.exists():
            raise ConfigError(f"{path}: no deployment on {self.network.id}; run 'svc deploy --network {self.network.id}'")
        return json.loads(path.read_text())

    def deployment_block(self, address: str) -> int:
        """Where the events of the contract at `address` start: the block deployments/<network>.json was
        written at (after the deployment, before any use) when it lists `address`; 0 otherwise."""
        try:
            record = self.deployment()
        except (ServiceCoinError, ValueError):
            return 0
        if address.lower() not in {str(a).lower() for a in record.get("contracts", {}).values()}:
            return 0
        return int(record.get("block", 0))

    def events(self, contract, name: str, from_block: int | None = None, to_block: int | None = None,
               argument_filters: dict | None = None) -> list:
        """Every `name` event of `contract` (a web3 contract) in chain order, from `from_block` (default:
        its deployment block) to `to_block` (default: the latest), LOG_CHUNK blocks per eth_getLogs."""
        event = getattr(contract.events, name)()
        start = self.deployment_block(contract.address) if from_block is None else from_block
        end = self.w3.eth.block_number if to_block is None else to_block
        found: list = []
        for lo in range(start, end + 1, LOG_CHUNK):
            found += event.get_logs(from_block=lo, to_block=min(lo + LOG_CHUNK - 1, end),
                                    argument_filters=argument_filters)
        return found

    def logs(self, address: str, from_block: int, to_block: int, topics: list | None = None) -> list:
        """The raw logs of the contract at `address` from `from_block` to `to_block` (with `topics`, the
        eth_getLogs filter, if given), in chain order, LOG_CHUNK blocks per eth_getLogs."""
        where = {"address": self.w3.to_checksum_address(address)}
        if topics is not None:
            where["topics"] = topics
        found: list = []
        for lo in range(from_block, to_block + 1, LOG_CHUNK):
            found += self.w3.eth.get_logs({**where, "fromBlock": lo, "toBlock": min(lo + LOG_CHUNK - 1, to_block)})
        return found

    # ------------------------------------------------------------------ transactions
    def fee_fields(self) -> dict[str, int]:
        """EIP-1559 fees where the node has a base fee, a legacy gas price otherwise."""
        block = self.w3.eth.get_block("latest")
        base = block.get("baseFeePerGas")
        if base is None:
            return {"gasPrice": self.w3.eth.gas_price}
        try:
            tip = self.w3.eth.max_priority_fee
        except Exception:  # nodes without eth_maxPriorityFeePerGas
            tip = 10**9
        return {"maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip}

    def next_nonce(self, address: str) -> int:
        pending = self.w3.eth.get_transaction_count(address, "pending")
        nonce = max(pending, self._nonces.get(address, 0))
        self._nonces[address] = nonce + 1
        return nonce

    def reset_nonce(self, address: str) -> None:
        """Forget the locally counted nonce (after a node restart or a dropped tx): ask the node again."""
        self._nonces.pop(address, None)

    def why_reverted(self, tx: dict, block: int) -> str:
        """Why a mined transaction (`from`, `to`, `data`) reverted: it is replayed as a call on the state
        after its block, which is what later transactions see; "" when the replay does not revert."""
        try:
            self.w3.eth.call({k: tx[k] for k in ("from", "to", "data")}, block_identifier=block)
        except (ContractCustomError, ContractLogicError) as exc:
            return revert_message(exc)
        return ""

    def build(self, call, sender: LocalAccount, gas: int | None = None, nonce: int | None = None) -> dict:
        """A signed-ready transaction for a contract function call; reverts surface here decoded."""
        tx: dict[str, Any] = {"from": sender.address, "chainId": self.chain_id, **self.fee_fields()}
        try:
            if gas is None:
                gas = int(call.estimate_gas({"from": sender.address}) * 1.2) + 20_000
        except (ContractCustomError, ContractLogicError) as exc:
            raise Refused(f"{_call_name(call)} would revert: {revert_message(exc)}") from None
        tx["gas"] = gas
        tx["nonce"] = self.next_nonce(sender.address) if nonce is None else nonce
        built = call.build_transaction(tx)
        if "maxFeePerGas" in built:
            built.pop("gasPrice", None)  # a gas price strategy on the Web3 (brownie's) may add one
        return built

    def send_raw(self, tx: dict, sender: LocalAccount) -> bytes:
        signed = sender.sign_transaction(tx)
        return self.w3.eth.send_raw_transaction(signed.raw_transaction)

    def wait(self, tx_hash: bytes, timeout: float = 120, confirmations: int = 0) -> Any:
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=0.05)
        except TimeExhausted:
            raise ChainError(f"transaction 0x{tx_hash.hex()} not mined within {timeout}s") from None
        if confirmations > 0:
            target = receipt["blockNumber"] + confirmations
            while self.w3.eth.block_number < target:
                time.sleep(0.2)
        return receipt

    def transact(self, call, sender: LocalAccount | str = "operator", gas: int | None = None) -> Any:
        """Sign, send and wait for a contract call; raise ChainError with the decoded error if it reverts."""
        account = self.account(sender) if isinstance(sender, str) else sender
        tx = self.build(call, account, gas=gas)
        receipt = self.wait(self.send_raw(tx, account))
        if receipt["status"] != 1:
            raise Refused(f"{_call_name(call)} reverted in tx 0x{receipt['transactionHash'].hex()}")
        return receipt

    def deploy(self, name: str, *args, sender: LocalAccount | str = "deployer") -> tuple[str, Any]:
        """Deploy contract `name` with constructor `args`; returns (address, receipt)."""
        account = self.account(sender) if isinstance(sender, str) else sender
        art = artifact(name)
        factory = self.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        tx = self.build(factory.constructor(*args), account)
        receipt = self.wait(self.send_raw(tx, account))
        if receipt["status"] != 1 or not receipt["contractAddress"]:
            raise Refused(f"deploying {name} failed in tx 0x{receipt['transactionHash'].hex()}")
        return receipt["contractAddress"], receipt


def _call_name(call) -> str:
    name = getattr(call, "fn_name", None) or getattr(call, "abi", {}).get("name") or "constructor"
    return str(name)


CONNECT_TIMEOUT = 3.0  # seconds a command waits for a node before it says none answers (SVC_CONNECT_TIMEOUT)
REQUEST_TIMEOUT = 60.0  # seconds one JSON-RPC answer may take once connected


def connect_timeout() -> float:
    """SVC_CONNECT_TIMEOUT (seconds) or CONNECT_TIMEOUT."""
    try:
        return max(0.0, float(os.environ.get("SVC_CONNECT_TIMEOUT", CONNECT_TIMEOUT)))
    except ValueError:
        raise ConfigError(f"SVC_CONNECT_TIMEOUT: {os.environ['SVC_CONNECT_TIMEOUT']!r} is not a number of seconds") from None


def _http(url: str, connect_s: float, read_s: float, retries: bool = True) -> Web3:
    """A Web3 over HTTP with these connect and read timeouts; without `retries`, web3's own retries of a
    failed request (five, with back-off) are off, so a probe fails in one timeout."""
    extra = {} if retries else {"exception_retry_configuration": None}
    return Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": (max(connect_s, 0.05), max(read_s, 0.05))}, **extra))


def connect(network_id: str, timeout: float | None = None) -> Chain:
    """Connect to `network_id` (see networks.yaml), or raise NodeUnreachable within about `timeout`
    seconds (default SVC_CONNECT_TIMEOUT, 3 s): a refused connection is asked again until then (a node
    that is starting), a node that accepts but does not answer is given that long for its chain id."""
    return connect_to(get_network(network_id), timeout)


def connect_to(network: Network, timeout: float | None = None) -> Chain:
    """`connect` for a Network not in networks.yaml (an auditor's --rpc URL)."""
    network_id = network.id
    timeout = connect_timeout() if timeout is None else timeout
    deadline = time.monotonic() + timeout
    probe = _http(network.rpc_url, min(timeout, CONNECT_TIMEOUT), timeout, retries=False)
    while True:
        try:
            probe.eth.chain_id
            break
        except Exception as exc:  # refused while a node starts, a timeout, not JSON-RPC at all
            if time.monotonic() + 0.2 > deadline:
                hint = " (start it with 'svc chain start')" if network_id == "svc-local" else ""
                raise NodeUnreachable(f"network {network_id}: no node answers at {_shown_url(network)}{hint}: "
                                      f"{_why_down(exc, timeout, network.rpc_url)}") from None
            time.sleep(0.2)
    return Chain(network, _http(network.rpc_url, CONNECT_TIMEOUT, REQUEST_TIMEOUT))


def _why_down(exc: Exception, timeout: float, url: str) -> str:
    """A few words on why a node did not answer (requests' own messages run to several hundred characters)."""
    from requests.exceptions import ConnectionError as RequestsConnectionError, Timeout

    if isinstance(exc, Timeout):
        return f"no answer within {timeout:g}s"
    if isinstance(exc, RequestsConnectionError):
        text = str(exc)
        for cause in ("Connection refused", "Name or service not known", "No route to host", "Network is unreachable",
                      "Temporary failure in name resolution", "Connection reset"):
            if cause in text:
                return cause.lower()
        return "cannot connect"
    first = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
    return _redact(first, url)


def _shown_url(network: Network) -> str:
    """A local node's URL as it is; a live one as scheme://host only (its path or query may hold an API key)."""
    if network.local:
        return network.rpc_url
    from urllib.parse import urlsplit

    parts = urlsplit(network.rpc_url)
    return f"{parts.scheme}://{parts.hostname or '?'}{f':{parts.port}' if parts.port else ''}/…"


def _redact(text: str, url: str) -> str:
    """`text` without the URL (requests puts the whole URL, key included, in its messages)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    for secret in (url, parts.path, parts.query):
        if secret and len(secret) > 1:
            text = text.replace(secret, "/…")
    return text


def from_web3(w3: Web3, network_id: str = "development") -> Chain:
    """A Chain over an existing Web3 (brownie's, in tests and brownie scripts)."""
    return Chain(get_network(network_id) if network_id else Network("custom", "", True), w3)
