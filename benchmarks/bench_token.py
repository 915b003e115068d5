"""RewardToken gas beside plain OpenZeppelin and Solady ERC20 mints.

Every figure uses the production configuration from servicecoin.yaml (4 tiers, validity 12, epochs of
30 days, rolling tiers on) with purchase credits pending 14 days: credits in batches are campaign credits
(not pending) unless the key says `pending`. The batch figures, where calldata weighs most, are measured
again on a Prague anvil (`….prague`, EIP-7623's calldata floor).
"""

from __future__ import annotations

import rlp
from web3 import Web3

from benchmarks.program import on_prague, token_with_operator
from servicecoin.token import Reason

PER = "total / 100"
TARGETS = {
    "token.runtime_bytes": ("<=", 24_576, "deployed runtime size in bytes (eth_getCode); EIP-170 cap 24,576"),
    "token.initcode_bytes": ("<=", 49_152, "the token's deployment input (its init code with the extension's, and the "
                             "constructor arguments); EIP-3860 caps init code at 49,152 bytes"),
    "token.ext_runtime_bytes": ("<=", 24_576, "runtime size of RewardTokenExt, the code the token DELEGATECALLs "
                                "for its less frequent functions"),
    "token.issue_new_holder.gas": ("<=", 80_000, "one `issue` tx to a new holder with a real 32-byte ref "
                                   "(program already issued this epoch; a campaign credit)"),
    "token.issue_batch100_new.gas_per_recipient": ("<=", 27_000, f"one `issueBatch` of 100 new holders, {PER}"),
    "token.issue_batch100_existing.gas_per_recipient": ("<=", 10_000, "the same 100 holders again in the same "
                                                        f"epoch (their lot grows), {PER}"),
    "token.issue_batch100_existing_next_epoch.gas_per_recipient": ("<=", 10_000, "the same 100 holders in the next "
                                                                   f"epoch (one lot, from the previous epoch), {PER}"),
    "token.issue_batch100_existing_fresh_word.gas_per_recipient": ("info", None, "the same holders an epoch later: "
                                                                   f"their third lot opens a fresh word, {PER}"),
    "token.issue_batch100_dormant.gas_per_recipient": ("<=", 30_000, "100 holders whose 12 lots all expired "
                                                       f"(one PointsExpired each), {PER}"),
    "token.issue_batch100_new_pending.gas_per_recipient": ("<=", 30_000, "one `issueBatch` of 100 new holders "
                                                           f"for a pending reason (purchase), {PER}"),
    "token.issue_batch100_existing_pending.gas_per_recipient": ("info", None, "one `issueBatch` for a pending reason "
                                                                f"to 100 holders who hold a lot (each entry takes a word of its own), {PER}"),
    "token.spend_3_epochs.gas": ("<=", 60_000, "a transfer to a merchant that consumes lots from 3 epochs"),
    "token.spend_12_lots.gas": ("<=", 70_000, "a transfer to a merchant that empties 11 lots and half the 12th"),
    "token.customer_year.gas": ("info", None, "a customer's second year: 12 monthly `issue` credits and a spend "
                                "every 3 months, summed (the ring-zeroing choice is judged on it)"),
    "token.recovery_start.gas": ("info", None, "`startRecovery` of a lost wallet (the recovery role)"),
    "token.recovery_complete_12_lots.gas": ("info", None, "`completeRecovery` moving a year of lots (12, in four "
                                            "account slots), the lifetime and the qualification to a fresh address"),
    "peer.oz_erc20.mint_loop100_existing.gas_per_recipient": ("info", None, "OpenZeppelin ERC20 `_mint` loop to 100 "
                                                              "existing holders, / 100"),
    "peer.solady_erc20.mint_loop100_existing.gas_per_recipient": ("info", None, "Solady ERC20 `_mint` loop to 100 "
                                                                  "existing holders, / 100"),
}
BATCH_KEYS = ("new", "existing", "existing_next_epoch", "existing_fresh_word", "dormant", "new_pending",
              "existing_pending")
TARGETS.update({f"token.issue_batch100_{k}.gas_per_recipient.prague": ("info", None, "the same batch on a Prague anvil")
                for k in BATCH_KEYS})
REF = Web3.keccak(text="order 2026-000123")  # a real, non-zero reference (calldata costs 16 gas a byte)


def fresh_addresses(label: str, n: int) -> list[str]:
    return [Web3.to_checksum_address(Web3.keccak(text=f"{label}-{i}")[:20]) for i in range(n)]


def advance(chain, seconds: int) -> None:
    chain.w3.provider.make_request("evm_increaseTime", [seconds])
    chain.w3.provider.make_request("evm_mine", [])


def batch(chain, token, operator, label: str, recipients: list[str], reason=Reason.CAMPAIGN) -> float:
    """Gas per recipient of one `issueBatch` of 1,000 raw points each."""
    receipt = chain.transact(
        token.functions.issueBatch(Web3.keccak(text=label), recipients, [1_000] * len(recipients), reason), operator)
    assert receipt["gasUsed"] < 16_777_216
    return receipt["gasUsed"] / len(recipients)


def batch_figures(chain) -> dict:
    """The `issueBatch` figures on a fresh deployment (both hardforks run this)."""
    _, token, operator = token_with_operator(chain)
    # Production with the return window on: purchase credits pending 14 days.
    chain.transact(token.functions.setPendingPolicy(1 << Reason.PURCHASE, 14 * 86_400), "deployer")
    epoch = token.functions.epochLength().call()
    out = {}
    holders = fresh_addresses("batch", 100)
    dormant = fresh_addresses("dormant", 100)
    chain.transact(token.functions.issue(fresh_addresses("warmup", 1)[0], 100, Reason.CAMPAIGN, REF), operator)
    out["token.issue_batch100_new.gas_per_recipient"] = batch(chain, token, operator, "new", holders)
    out["token.issue_batch100_existing.gas_per_recipient"] = batch(chain, token, operator, "again", holders)
    out["token.issue_batch100_new_pending.gas_per_recipient"] = batch(
        chain, token, operator, "pending", fresh_addresses("pending", 100), Reason.PURCHASE)
    buyers = fresh_addresses("buyers", 100)  # holders of a lot (not the ones above: their later figures stay clean)
    batch(chain, token, operator, "buyers", buyers)
    out["token.issue_batch100_existing_pending.gas_per_recipient"] = batch(
        chain, token, operator, "buyers-pending", buyers, Reason.PURCHASE)
    advance(chain, epoch)
    out["token.issue_batch100_existing_next_epoch.gas_per_recipient"] = batch(chain, token, operator, "next", holders)
    advance(chain, epoch)
    out["token.issue_batch100_existing_fresh_word.gas_per_recipient"] = batch(chain, token, operator, "word", holders)
    validity = token.functions.validityEpochs().call()
    for month in range(validity):
        batch(chain, token, operator, f"dormant-{month}", dormant)
        advance(chain, epoch)
    advance(chain, validity * epoch)
    assert token.functions.balanceOf(dormant[0]).call() == 0
    out["token.issue_batch100_dormant.gas_per_recipient"] = batch(chain, token, operator, "wake", dormant)
    return {k: out[k] for k in sorted(out)}


def spend_figures(chain) -> dict:
    """Spends, a customer's year, recovery, and the token's size."""
    _, token, operator = token_with_operator(chain)
    merchant = chain.account("merchant")
    chain.transact(token.functions.setAcceptor(merchant.address, True), "deployer")
    out = {"token.runtime_bytes": len(chain.w3.eth.get_code(token.address))}
    out["token.ext_runtime_bytes"] = len(chain.w3.eth.get_code(extension_address(chain, token)))
    out["token.initcode_bytes"] = deployment_input_bytes(chain, token.address)

    warmup, new_holder = fresh_addresses("single", 2)
    chain.transact(token.functions.issue(warmup, 100, Reason.CAMPAIGN, REF), operator)
    receipt = chain.transact(token.functions.issue(new_holder, 12_345, Reason.CAMPAIGN, REF), operator)
    out["token.issue_new_holder.gas"] = receipt["gasUsed"]

    epoch = token.functions.epochLength().call()
    chain.transact(token.functions.issue(merchant.address, 1, Reason.COMPENSATION, REF), operator)
    customer = chain.account("customer")
    for _ in range(3):
        chain.transact(token.functions.issue(customer.address, 1_000, Reason.CAMPAIGN, REF), operator)
        advance(chain, epoch)
    assert len(token.functions.lotsOf(customer.address).call()) == 3
    receipt = chain.transact(token.functions.transfer(merchant.address, 2_500), customer)
    assert len(token.functions.lotsOf(customer.address).call()) == 1
    out["token.spend_3_epochs.gas"] = receipt["gasUsed"]

    yearly = chain.account("relayer")  # any key that signs: a second customer
    validity = token.functions.validityEpochs().call()
    for _ in range(validity):
        advance(chain, epoch)
        chain.transact(token.functions.issue(yearly.address, 1_000, Reason.CAMPAIGN, REF), operator)
    assert len(token.functions.lotsOf(yearly.address).call()) == 12
    receipt = chain.transact(token.functions.transfer(merchant.address, 11_500), yearly)
    assert len(token.functions.lotsOf(yearly.address).call()) == 1
    out["token.spend_12_lots.gas"] = receipt["gasUsed"]

    year = 0
    for month in range(12):
        advance(chain, epoch)
        year += chain.transact(token.functions.issue(yearly.address, 1_000, Reason.CAMPAIGN, REF), operator)["gasUsed"]
        if month % 3 == 2:
            year += chain.transact(token.functions.transfer(merchant.address, 2_500), yearly)["gasUsed"]
    out["token.customer_year.gas"] = year

    lost, fresh = fresh_addresses("recovery", 2)
    for month in range(12):
        if month:
            advance(chain, epoch)
        chain.transact(token.functions.issue(lost, 1_000, Reason.CAMPAIGN, REF), operator)
    receipt = chain.transact(token.functions.startRecovery(lost, fresh), "deployer")
    out["token.recovery_start.gas"] = receipt["gasUsed"]
    advance(chain, token.functions.recoveryDelay().call())
    receipt = chain.transact(token.functions.completeRecovery(lost), operator)
    assert len(token.functions.lotsOf(fresh).call()) == 12
    out["token.recovery_complete_12_lots.gas"] = receipt["gasUsed"]
    return out


def deployment_input_bytes(chain, address: str) -> int:
    """The length of the input of the transaction that created the contract at `address` (a recent block)."""
    for number in range(chain.w3.eth.block_number, -1, -1):
        for tx in chain.w3.eth.get_block(number, full_transactions=True)["transactions"]:
            if tx["to"] is None and chain.w3.eth.get_transaction_receipt(tx["hash"])["contractAddress"] == address:
                return len(tx["input"])
    raise LookupError(f"no transaction created {address}")


def extension_address(chain, token) -> str:
    """RewardTokenExt's address: the first contract the token created (CREATE from the token, nonce 1)."""
    return Web3.to_checksum_address(Web3.keccak(rlp.encode([bytes.fromhex(token.address[2:]), 1]))[12:])


def peer_figures(chain) -> dict:
    out = {}
    operator = chain.account("operator")
    for peer, key in (("OZMintLoop", "peer.oz_erc20"), ("SoladyMintLoop", "peer.solady_erc20")):
        address, _ = chain.deploy(peer)
        contract = chain.contract(peer, address)
        holders = fresh_addresses(peer, 100)
        receipt = chain.transact(contract.functions.mintLoop(holders, 1_000), operator)
        out[f"{key}.mint_loop100.gas_per_recipient"] = receipt["gasUsed"] / 100
        receipt = chain.transact(contract.functions.mintLoop(holders, 1_000), operator)
        out[f"{key}.mint_loop100_existing.gas_per_recipient"] = receipt["gasUsed"] / 100
    return out


def run(ctx) -> dict:
    out = spend_figures(ctx.chain)
    out.update(batch_figures(ctx.chain))
    out.update(peer_figures(ctx.chain))
    out.update(on_prague(ctx.port + 1, batch_figures))
    return out
