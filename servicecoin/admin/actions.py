"""A plan of contract calls — what an admin command will do — checked, then sent or written unsigned.

An admin command builds a `Plan`: a list of `Call`s, each with its contract, function, arguments by
name and a sentence saying what it does. The same plan is then

- `check`ed: every call is simulated (eth_call) from the account that will send it, so a refusal is
  found before anything is sent;
- `send`: signed and sent in order, one transaction per call, each waited for;
- or `unsigned_document` / `safe_batch`: written as JSON for a key held elsewhere (a Safe multisig's
  Transaction Builder imports the batch; a hardware wallet signs `to`, `value`, `data`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.logs import DISCARD

from servicecoin.chain import Chain, revert_message
from servicecoin.errors import ChainError, ServiceCoinError
from servicecoin.roles import contract_roles

UNSIGNED_FORMAT = "servicecoin-unsigned/1"
SAFE_BATCH_VERSION = "1.0"
SAFE_TX_BUILDER_VERSION = "1.18.0"


@dataclass
class Call:
    """One contract call of a plan."""

    contract: str  # artifact name, e.g. RewardToken
    to: str  # checksummed address of the contract
    function: str
    args: dict[str, Any]  # ABI input name → value, in order
    data: str  # 0x calldata
    description: str  # what the call does, in words
    inputs: list[dict] = field(default_factory=list)  # the ABI inputs (name, type, internalType)
    fn: Any = field(default=None, repr=False)  # the web3 ContractFunction, for sending
    value: int = 0

    def signature(self) -> str:
        """`RewardToken.grantRole(role=ISSUER_ROLE, account=0x…)`: contract, function and arguments as sent
        (raw units), role ids by their name."""
        roles = {rid: name for name, rid in contract_roles(self.fn).items()} if self.fn is not None else {}
        shown = ", ".join(f"{name}={roles.get(v, _show(v)) if isinstance(v, bytes) else _show(v)}"
                          for name, v in self.args.items())
        return f"{self.contract}.{self.function}({shown})"

    def to_json(self) -> dict:
        return {"to": self.to, "value": str(self.value), "data": self.data, "description": self.description,
                "contract": self.contract, "function": self.function,
                "args": {name: _json_value(v) for name, v in self.args.items()}}


@dataclass
class Plan:
    """What a command will do: its calls in order, and what the operator should know first."""

    title: str
    calls: list[Call] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, contract, contract_name: str, function: str, *args, description: str) -> Call:
        """Append the call `contract.function(*args)` (a web3 contract)."""
        return self.add_call(getattr(contract.functions, function)(*args), contract_name, description=description)

    def add_call(self, fn, contract_name: str, *, description: str) -> Call:
        """Append a bound web3 contract function (`token.functions.startRecovery(old, new)`)."""
        made = make_call(fn, contract_name, description)
        self.calls.append(made)
        return made


def make_call(fn, contract_name: str, description: str) -> Call:
    """A `Call` of a bound web3 contract function; the calldata is encoded here, once."""
    inputs = [{"internalType": i.get("internalType", i["type"]), "name": i["name"], "type": i["type"]}
              for i in fn.abi["inputs"]]
    names = [i["name"] or f"arg{n}" for n, i in enumerate(inputs)]
    return Call(contract_name, Web3.to_checksum_address(fn.address), fn.fn_name, dict(zip(names, fn.args)),
                fn._encode_transaction_data(), description, inputs, fn)


def _show(value) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _json_value(value):
    """Arguments as the Safe Transaction Builder writes them: strings, lists as JSON arrays of strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return json.dumps([_json_value(v) for v in value], separators=(",", ":"))
    return _show(value)


# ------------------------------------------------------------------------------------------ checking
def check(chain: Chain, plan: Plan, sender: str) -> None:
    """Simulate every call of `plan` from `sender` on the latest state; a call that would revert stops
    everything with a ChainError naming it (nothing is sent)."""
    for n, c in enumerate(plan.calls, 1):
        try:
            chain.w3.eth.call({"from": sender, "to": c.to, "data": c.data, "value": c.value})
        except (ContractCustomError, ContractLogicError) as exc:
            raise ChainError(f"nothing sent: call {n} of {len(plan.calls)}, {c.contract}.{c.function}, would be "
                             f"refused for {sender}: {revert_message(exc)}") from None


# ------------------------------------------------------------------------------------------ sending
def send(chain: Chain, plan: Plan, sender: LocalAccount) -> list[dict]:
    """Send the calls in order, each waited for; returns one record per call (tx hash, block, gas used)."""
    done: list[dict] = []
    for n, c in enumerate(plan.calls, 1):
        try:
            receipt = chain.transact(c.fn, sender)
        except ServiceCoinError as exc:
            sent = {1: "; nothing was sent", 2: "; call 1 was sent"}.get(n, f"; calls 1-{n - 1} were sent")
            raise ChainError(f"call {n} of {len(plan.calls)} ({c.contract}.{c.function}): {exc}{sent}") from None
        done.append({"description": c.description, "call": c.signature(),
                     "tx": "0x" + bytes(receipt["transactionHash"]).hex().removeprefix("0x"),
                     "block": receipt["blockNumber"], "gas_used": receipt["gasUsed"],
                     "events": events_of(chain, c, receipt)})
    return done


def events_of(chain: Chain, c: Call, receipt) -> list[dict]:
    """The events the called contract emitted in `receipt`, decoded: [{"event": name, "args": {…}}]."""
    contract = chain.w3.eth.contract(address=c.to, abi=c.fn.contract_abi)
    found = []
    for item in c.fn.contract_abi:
        if item.get("type") == "event":
            for ev in getattr(contract.events, item["name"])().process_receipt(receipt, errors=DISCARD):
                found.append((ev["logIndex"], {"event": ev["event"],
                                               "args": {k: _json_value(v) for k, v in ev["args"].items()}}))
    return [e for _, e in sorted(found, key=lambda pair: pair[0])]


def send_unsigned(chain: Chain, document: dict, sender: LocalAccount) -> list[Any]:
    """Send the transactions of an unsigned document (`to`, `value`, `data`) from `sender` (tests, and a
    key that signs here after all); returns the receipts."""
    if int(document["chainId"]) != chain.chain_id:
        raise ChainError(f"the transactions are for chain {document['chainId']}, this node is chain {chain.chain_id}")
    receipts = []
    for tx in document["transactions"]:
        built = {"from": sender.address, "to": Web3.to_checksum_address(tx["to"]), "data": tx["data"],
                 "value": int(tx["value"]), "chainId": chain.chain_id, **chain.fee_fields()}
        built["gas"] = int(chain.w3.eth.estimate_gas(built) * 1.2) + 20_000
        built["nonce"] = chain.next_nonce(sender.address)
        receipt = chain.wait(chain.send_raw(built, sender))
        if receipt["status"] != 1:
            raise ChainError(f"{tx['description']}: reverted in tx 0x{bytes(receipt['transactionHash']).hex()}")
        receipts.append(receipt)
    return receipts


# ------------------------------------------------------------------------------------------ unsigned
def unsigned_document(chain: Chain, plan: Plan, sender: str) -> dict:
    """The plan as plain JSON: chain id, the expected sender, and per transaction `to`, `value`, `data`,
    a description and the decoded call."""
    return {"format": UNSIGNED_FORMAT, "title": plan.title, "network": chain.network.id, "chainId": chain.chain_id,
            "from": sender, "createdAt": int(time.time()), "notes": plan.notes,
            "transactions": [c.to_json() for c in plan.calls]}


def safe_batch(chain_id: int, plan: Plan, safe: str = "") -> dict:
    """The plan in the Safe Transaction Builder's batch file format (import it in the Safe app's Transaction
    Builder). Each transaction carries its raw `data` and the method with its inputs; `meta.checksum` is the
    builder's own integrity check."""
    batch = {
        "version": SAFE_BATCH_VERSION,
        "chainId": str(chain_id),
        "createdAt": int(time.time() * 1000),
        "meta": {"name": plan.title, "description": "; ".join(c.description for c in plan.calls),
                 "txBuilderVersion": SAFE_TX_BUILDER_VERSION, "createdFromSafeAddress": safe,
                 "createdFromOwnerAddress": ""},
        "transactions": [
            {"to": c.to, "value": str(c.value), "data": c.data,
             "contractMethod": {"inputs": c.inputs, "name": c.function, "payable": False},
             "contractInputsValues": {k: _json_value(v) for k, v in c.args.items()}}
            for c in plan.calls
        ],
    }
    batch["meta"]["checksum"] = safe_checksum(batch)
    return batch


def _serialize(value) -> str:
    """The Transaction Builder's canonical form: objects as their sorted key list followed by each value and
    a comma, arrays element by element, scalars as JSON."""
    if isinstance(value, list):
        return "[" + ",".join(_serialize(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value)
        return "{" + json.dumps(keys, separators=(",", ":"), ensure_ascii=False) + \
            "".join(_serialize(value[k]) + "," for k in keys) + "}"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def safe_checksum(batch: dict) -> str:
    """keccak256 of the canonical form of `batch` with `meta.name` null and no checksum."""
    meta = {k: v for k, v in batch["meta"].items() if k != "checksum"}
    meta["name"] = None
    return "0x" + keccak(text=_serialize({**batch, "meta": meta})).hex().removeprefix("0x")


def write_unsigned(path: str | Path, chain: Chain, plan: Plan, sender: str) -> tuple[Path, Path]:
    """Write the plan to `path` (plain JSON) and beside it `<stem>.safe.json` (Safe Transaction Builder batch)."""
    path = Path(path)
    if path.is_dir():
        raise ServiceCoinError(f"{path}: is a folder; give a file name for the transactions")
    safe_path = path.with_name(path.name.removesuffix(".json") + ".safe.json")
    path.write_text(json.dumps(unsigned_document(chain, plan, sender), indent=2) + "\n")
    safe_path.write_text(json.dumps(safe_batch(chain.chain_id, plan, sender), indent=2) + "\n")
    return path, safe_path
