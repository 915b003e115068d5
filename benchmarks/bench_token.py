"""RewardToken gas beside plain OpenZeppelin and Solady ERC20 mints."""

from __future__ import annotations

from web3 import Web3

from benchmarks.program import token_with_operator
from servicecoin.token import Reason

TARGETS = {
    "token.runtime_bytes": ("<=", 24_576, "deployed runtime size in bytes (eth_getCode); EIP-170 cap 24,576"),
    "token.issue_new_holder.gas": ("<=", 80_000, "one `issue` tx to a new holder (program already issued this epoch)"),
    "token.issue_batch100_new.gas_per_recipient": ("<=", 30_000, "one `issueBatch` of 100 new holders, total / 100"),
    "token.spend_3_epochs.gas": ("<=", 60_000, "a transfer to a merchant that consumes lots from 3 epochs"),
    "token.recovery_start.gas": ("info", None, "`startRecovery` of a lost wallet (the recovery role)"),
    "token.recovery_complete_12_lots.gas": ("info", None, "`completeRecovery` moving a year of lots (12, in all four "
                                            "account slots) and the lifetime to a fresh address"),
}
NOREF = b"\0" * 32


def fresh_addresses(label: str, n: int) -> list[str]:
    return [Web3.to_checksum_address(Web3.keccak(text=f"{label}-{i}")[:20]) for i in range(n)]


def advance(chain, seconds: int) -> None:
    chain.w3.provider.make_request("evm_increaseTime", [seconds])
    chain.w3.provider.make_request("evm_mine", [])


def run(ctx) -> dict:
    chain = ctx.chain
    _, token, operator = token_with_operator(chain)
    merchant = chain.account("merchant")
    chain.transact(token.functions.setAcceptor(merchant.address, True), "deployer")
    out = {"token.runtime_bytes": len(chain.w3.eth.get_code(token.address))}

    # Steady state: the program has already issued this epoch (the very first credit of a contract
    # also creates its supply counters, two more fresh slots, once).
    warmup, new_holder = fresh_addresses("single", 2)
    chain.transact(token.functions.issue(warmup, 100, Reason.PURCHASE, NOREF), operator)
    receipt = chain.transact(token.functions.issue(new_holder, 12_345, Reason.PURCHASE, NOREF), operator)
    out["token.issue_new_holder.gas"] = receipt["gasUsed"]

    recipients = fresh_addresses("batch", 100)
    receipt = chain.transact(
        token.functions.issueBatch(Web3.keccak(text="bench-batch"), recipients, [1_000] * 100, Reason.CAMPAIGN), operator
    )
    out["token.issue_batch100_new.gas_per_recipient"] = receipt["gasUsed"] / 100

    customer = chain.account("customer")
    epoch = token.functions.epochLength().call()
    for _ in range(3):
        chain.transact(token.functions.issue(customer.address, 1_000, Reason.PURCHASE, NOREF), operator)
        advance(chain, epoch)
    assert len(token.functions.lotsOf(customer.address).call()) == 3
    chain.transact(token.functions.issue(merchant.address, 1, Reason.COMPENSATION, NOREF), operator)
    receipt = chain.transact(token.functions.transfer(merchant.address, 2_500), customer)
    assert len(token.functions.lotsOf(customer.address).call()) == 1
    out["token.spend_3_epochs.gas"] = receipt["gasUsed"]

    lost, fresh = fresh_addresses("recovery", 2)
    for month in range(12):
        if month:
            advance(chain, epoch)
        chain.transact(token.functions.issue(lost, 1_000, Reason.PURCHASE, NOREF), operator)
    receipt = chain.transact(token.functions.startRecovery(lost, fresh), "deployer")
    out["token.recovery_start.gas"] = receipt["gasUsed"]
    advance(chain, token.functions.recoveryDelay().call())
    receipt = chain.transact(token.functions.completeRecovery(lost), operator)
    assert len(token.functions.lotsOf(fresh).call()) == 12
    out["token.recovery_complete_12_lots.gas"] = receipt["gasUsed"]

    for peer, key in (("OZMintLoop", "peer.oz_erc20"), ("SoladyMintLoop", "peer.solady_erc20")):
        address, _ = chain.deploy(peer)
        contract = chain.contract(peer, address)
        receipt = chain.transact(contract.functions.mintLoop(fresh_addresses(peer, 100), 1_000), operator)
        out[f"{key}.mint_loop100.gas_per_recipient"] = receipt["gasUsed"] / 100
    return out
