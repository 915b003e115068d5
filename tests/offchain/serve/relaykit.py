"""Helpers for the relay tests on brownie's anvil: signed /api/redeem bodies, the relayer's spend,
and a contract wallet whose ERC-1271 check burns gas (deployed from raw bytecode)."""

from __future__ import annotations

import time

from eth_account.messages import encode_typed_data

from servicecoin import vault as sv
from servicecoin.chain import dev_account
from servicecoin.token import UNIT

NOREF = b"\0" * 32
CUSTOMER, OTHER = 5, 6
PRICE = 40 * UNIT


def now(chain) -> int:
    """What the relay calls now: the later of the wall clock and the latest block."""
    return max(int(time.time()), chain.w3.eth.get_block("latest")["timestamp"])


def signed(chain, vault, item_id, *, signer=None, customer=None, quantity=1, max_points=None, nonce=7,
           deadline=None, after=None):
    """A /api/redeem body signed by `signer` (the customer's key by default); `after` alters it after signing."""
    signer = signer or dev_account(CUSTOMER)
    customer = customer or signer.address
    deadline = deadline or now(chain) + 600
    message = {"customer": customer, "itemId": item_id, "quantity": quantity,
               "maxPoints": PRICE * quantity if max_points is None else max_points, "nonce": nonce, "deadline": deadline}
    typed = sv.redeem_typed_data(chain.chain_id, vault.address, message)
    signature = signer.sign_message(encode_typed_data(full_message=typed)).signature
    body = {**{k: str(v) if isinstance(v, int) else v for k, v in message.items()}, "signature": "0x" + bytes(signature).hex()}
    return {**body, **(after or {})}


def relayer_nonce(chain):
    return chain.w3.eth.get_transaction_count(chain.account("relayer").address)


def relayer_state(chain) -> tuple[int, int]:
    """(ETH balance, nonce) of the relayer: what a drained relay loses."""
    relayer = chain.account("relayer").address
    return chain.w3.eth.get_balance(relayer), chain.w3.eth.get_transaction_count(relayer)


# A "wallet" that answers every call (isValidSignature included) with the ERC-1271 magic value after
# counting down from 100,000 (about 2.6M gas): a signature check that burns a relayer's gas.
#   PUSH3 100000; loop: JUMPDEST PUSH1 1 SWAP1 SUB DUP1 PUSH1 4 JUMPI; POP
#   PUSH32 0x1626ba7e…; PUSH1 0 MSTORE; PUSH1 32 PUSH1 0 RETURN
BURNER_RUNTIME = bytes.fromhex("620186a05b600190038060045750" + "7f1626ba7e" + "00" * 28 + "60005260206000f3")


def deploy_burner_wallet(chain) -> str:
    """Deploy the gas-burning wallet; its address."""
    runtime = BURNER_RUNTIME
    init = bytes.fromhex(f"60{len(runtime):02x}80600b6000396000f3") + runtime
    tx_hash = chain.w3.eth.send_transaction({"from": chain.w3.eth.accounts[0], "data": "0x" + init.hex()})
    return chain.w3.eth.wait_for_transaction_receipt(tx_hash)["contractAddress"]
