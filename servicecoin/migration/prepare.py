"""Before a migration sends anything: the two tokens are checked (the old one readable and paused, the new
one open for migration with the sender as its admin, both on one epoch clock), and the plan is made from a
snapshot taken now — or, when a run already began, the plan it froze is taken from the journal."""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, Web3Exception

from servicecoin.chain import Chain, revert_message
from servicecoin.errors import ChainError, ConfigError, Refused
from servicecoin.migration.codec import encode
from servicecoin.migration.journal import MigrationJournal
from servicecoin.migration.newtoken import migrate_data, migrated_accounts, migration_contract
from servicecoin.migration.plan import TARGET_GAS, MigrationPlan, make_plan
from servicecoin.migration.snapshot import reader, take

ADMIN_ROLE = b"\0" * 32


@dataclass
class Prepared:
    plan: MigrationPlan
    key: str
    shift: int
    resumed: bool  # the plan came from the journal (a run began before)


def epoch_shift(chain: Chain, old: str, new: str) -> int:
    """How many epochs the new token's numbering is ahead of the old one's for the same expiry date; a
    ConfigError when the clocks cannot carry a lot's expiry over exactly."""
    o, n = reader(chain, old).functions, reader(chain, new).functions
    og, ol, ov = o.genesis().call(), o.epochLength().call(), o.validityEpochs().call()
    ng, nl, nv = n.genesis().call(), n.epochLength().call(), n.validityEpochs().call()
    if (ol, ov) != (nl, nv) or (og - ng) % ol:
        raise ConfigError(f"the new token's epochs ({nl} s, validity {nv}, genesis {ng}) do not line up with the old "
                          f"token's ({ol} s, validity {ov}, genesis {og}): lots would change their expiry; deploy the "
                          f"new token with the same epoch length and validity and a genesis a whole number of epochs apart")
    return (og - ng) // ol


def is_paused(chain: Chain, old: str) -> bool:
    return reader(chain, old).functions.paused().call()


def check_tokens(chain: Chain, old: str, new: str, sender: str) -> None:
    """Refuse, in one line, what would make every batch revert."""
    if Web3.to_checksum_address(old) == Web3.to_checksum_address(new):
        raise ConfigError("--old and --new are the same token")
    for name, address in (("--old", old), ("--new", new)):
        if not chain.w3.eth.get_code(Web3.to_checksum_address(address)):
            raise ConfigError(f"{name} {address}: no contract at this address on {chain.network.id}")
    try:
        reader(chain, old).functions.genesis().call()
        open_ = migration_contract(chain, new).functions.migrationOpen().call()
    except (ContractLogicError, ContractCustomError, Web3Exception, ValueError):
        raise ConfigError(f"--new {new}: not a RewardToken that takes migrations (no migrationOpen())") from None
    if not open_:
        raise Refused(f"--new {new}: its migration is finished (finishMigration was called)")
    if not reader(chain, new).functions.hasRole(ADMIN_ROLE, Web3.to_checksum_address(sender)).call():
        raise Refused(f"{sender} is not the new token's admin (DEFAULT_ADMIN_ROLE), which migrateAccounts needs")


def estimator(chain: Chain, new: str, sender: str):
    def estimate(packed: bytes) -> int:
        try:
            return chain.w3.eth.estimate_gas({"from": Web3.to_checksum_address(sender), "to": Web3.to_checksum_address(new),
                                              "data": migrate_data(chain, new, packed)})
        except (ContractCustomError, ContractLogicError) as exc:
            raise Refused(f"migrateAccounts would revert: {revert_message(exc)}") from None
    return estimate


def prepare(chain: Chain, old: str, new: str, journal: MigrationJournal, sender: str, start: int | None = None,
            target: int = TARGET_GAS) -> Prepared:
    """The run's plan: the frozen one from `journal`, or a new one from a snapshot of the (paused) old token."""
    from servicecoin.admin.program import creation_block

    old, new = Web3.to_checksum_address(old), Web3.to_checksum_address(new)
    stored = journal.stored_plan(old, new, encode)
    if stored is not None:
        key = journal.open_campaign(stored, new, chain.chain_id, chain.network.id)
        return Prepared(stored, key, epoch_shift(chain, old, new), True)
    check_tokens(chain, old, new, sender)
    if not is_paused(chain, old):
        raise ChainError(f"the old token {old} is not paused: pause it first, so that no account changes under the "
                         f"snapshot (svc migrate token pauses it when --from holds PAUSER_ROLE)")
    shift = epoch_shift(chain, old, new)
    block = chain.w3.eth.block_number
    start = creation_block(chain, old, block) if start is None else start
    snapshot = take(chain, old, block, start)
    done = set(migrated_accounts(chain, new))  # a run whose journal was lost: those are not sent again
    plan = make_plan(snapshot, new, encode, estimator(chain, new, sender), target, shift, done)
    if not snapshot.accounts:
        raise ConfigError(f"the old token {old} holds no account to migrate")
    key = journal.freeze(plan, shift, chain.chain_id, chain.network.id)
    return Prepared(plan, key, shift, False)
