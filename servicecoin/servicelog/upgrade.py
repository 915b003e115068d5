"""A new log version, in three steps that a run after a crash takes up where they stopped:

    1. stop    the old ServiceLog: AGENT_ROLE revoked from every holder (read from its role events), its
               issuer budget on the token set to 0 — a `Plan` (shown, asked on live networks, sent or
               written unsigned); nothing is written to the old log after its state is read
    2. deploy  a ServiceLog continuing the old one from its `state()` read after step 1 (servicecoin.deploy's
               `deploy_log`), with the old log's rewards, the settings' admin delay, the issuer budget and
               AGENT_ROLE for the agents revoked in step 1
    3. record  deployments/<network>.json names the new log; `previous_logs` keeps the old ones, oldest first

A journal, .servicecoin/<network>/log-upgrade.json, is written before step 1 (the agents it revokes) and
before the deploy (the deployer and its nonce, hence the new log's address): a run after a crash finds a
log deployed but not recorded and goes on with it rather than deploying a second one. It is removed once
the deployment file names the new log.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import rlp
from eth_utils import keccak, to_bytes, to_checksum_address

from servicecoin.admin.actions import Plan
from servicecoin.admin.program import update_deployment
from servicecoin.admin.roles_report import role_holders
from servicecoin.chain import Chain
from servicecoin.deploy import deploy_log
from servicecoin.errors import ChainError, ConfigError, ServiceCoinError
from servicecoin.paths import data_dir
from servicecoin.roles import grant_issuer, grant_role, role_id
from servicecoin.servicelog.events import start_block
from servicecoin.servicelog.lineage import previous_of
from servicecoin.servicelog.records import log_contract
from servicecoin.token import UNIT, fmt

JOURNAL = "log-upgrade.json"


def create_address(sender: str, nonce: int) -> str:
    """The address of the contract `sender` creates with its transaction number `nonce`."""
    return to_checksum_address(keccak(rlp.encode([to_bytes(hexstr=sender), nonce]))[12:])


def journal_path(network: str) -> Path:
    return data_dir(network) / JOURNAL


def read_journal(network: str) -> dict | None:
    path = journal_path(network)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError as exc:
        raise ConfigError(f"{path}: not a log upgrade journal ({exc})") from None


def write_journal(network: str, journal: dict) -> None:
    path = journal_path(network)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(journal, indent=2) + "\n")
    os.replace(tmp, path)


def _drop_journal(network: str) -> None:
    journal_path(network).unlink(missing_ok=True)


@dataclass
class Upgrade:
    """What a run will do: the old log, the token, the agents, the new log's budget and rewards, the plan of
    step 1, and the journal (a run that takes up a crashed one finds its own there)."""

    chain: Chain
    old: object  # web3 ServiceLog
    token: object  # web3 RewardToken
    agents: list[str]
    budget: int  # whole points
    rewards: tuple[int, int]
    journal: dict
    fresh: bool  # the journal was started by this run
    plan: Plan = field(default_factory=lambda: Plan(""))
    done: str | None = None  # the new log, when a crashed run had recorded it already

    def notes(self) -> list[str]:
        reward, bonus = self.rewards
        new = self.journal.get("new")
        what = (f"then goes on with the new ServiceLog {new}" if new else
                "then deploys a new ServiceLog continuing it from its head and count")
        return [f"{what}: feedback reward {fmt(reward)}, follow-up bonus {fmt(bonus)} points, issuer budget "
                f"{self.budget:,} points, AGENT_ROLE to {', '.join(self.agents)}; deployments/"
                f"{self.chain.network.id}.json then names it and keeps {self.old.address} in previous_logs"]


def prepare(chain: Chain, config: dict, budget: int | None = None, agents: list[str] | None = None) -> Upgrade:
    """The upgrade of the log in the deployment file, or the one a crashed run left in the journal."""
    contracts = chain.deployment().get("contracts", {})
    if "ServiceLog" not in contracts or "RewardToken" not in contracts:
        raise ConfigError(f"deployments/{chain.network.id}.json names no ServiceLog and RewardToken: nothing to upgrade")
    current = to_checksum_address(contracts["ServiceLog"])
    journal, fresh = read_journal(chain.network.id), False
    if journal and journal["old"].lower() != current.lower():
        if str(journal.get("new", "")).lower() != current.lower():
            raise ServiceCoinError(f"{journal_path(chain.network.id)}: an upgrade of log {journal['old']} was under "
                                   f"way, but deployments/{chain.network.id}.json names log {current}; check which "
                                   "log is right, then remove the journal")
        old = log_contract(chain, journal["old"])
    else:
        old = log_contract(chain, current)
    token = chain.contract("RewardToken", contracts["RewardToken"])
    _check_deployer(chain, token)
    holders = _agents_of(chain, old)
    given = [to_checksum_address(a) for a in agents or []]
    if journal is None:
        journal, fresh = {"old": old.address, "agents": given or holders or [chain.account("agent").address],
                          "budget": budget, "stage": "stopping"}, True
    elif given:
        journal["agents"] = given
    if budget is None:
        budget = journal.get("budget")
    if budget is None:
        try:
            budget = int((config.get("log") or {}).get("budget", 0))
        except (TypeError, ValueError):
            raise ConfigError(f"servicecoin.yaml log.budget: {config['log']['budget']!r} is not a whole number of "
                              "points") from None
    up = Upgrade(chain, old, token, journal["agents"], int(budget), tuple(old.functions.rewards().call()), journal,
                 fresh)
    if str(journal.get("new", "")).lower() == current.lower() and journal["old"].lower() != current.lower():
        up.done = current
    up.plan = stop_plan(up, holders)
    return up


def _agents_of(chain: Chain, log) -> list[str]:
    """Who holds AGENT_ROLE on `log`, from its role events since it was deployed."""
    return role_holders(chain, log, start_block(chain, log))["AGENT_ROLE"]


def _check_deployer(chain: Chain, token) -> None:
    """The deployer key gives the new log its issuer role and budget on the token: it must be the token's
    admin (checked before anything is sent; a program whose admin moved to a Safe cannot upgrade here yet)."""
    admin, deployer = token.functions.defaultAdmin().call(), chain.account("deployer").address
    if admin.lower() != deployer.lower():
        raise ConfigError(f"the token's admin is {admin}, not the deployer key {deployer}: the deployer gives the "
                          "new log its issuer role and budget, so svc log upgrade needs it to be the token's admin; "
                          "nothing sent")


def stop_plan(up: Upgrade, holders: list[str]) -> Plan:
    """Step 1: the calls that are still to make (none once the old log is stopped)."""
    plan = Plan(f"upgrade the service log: stop ServiceLog {up.old.address}")
    if up.done:
        plan.notes.append(f"already done: deployments/{up.chain.network.id}.json names the new log {up.done}")
        return plan
    for agent in holders:
        plan.add(up.old, "ServiceLog", "revokeRole", role_id("AGENT_ROLE"), agent,
                 description=f"revoke AGENT_ROLE from {agent}: it can no longer write to the old log")
    if up.token.functions.issuerBudget(up.old.address).call()[0]:
        plan.add(up.token, "RewardToken", "setIssuerBudget", up.old.address, 0,
                 description="set the old log's issuer budget to 0: it credits no more points")
    plan.notes.extend(up.notes())
    return plan


def begin(up: Upgrade) -> None:
    """Write the journal before step 1: a rerun must know the agents it revoked."""
    if not up.done:
        write_journal(up.chain.network.id, up.journal)


def forget(up: Upgrade) -> None:
    """Drop a journal this run started when nothing was sent (the question was answered no)."""
    agent_role = role_id("AGENT_ROLE")
    if up.fresh and all(up.old.functions.hasRole(agent_role, a).call() for a in up.agents):
        _drop_journal(up.chain.network.id)


def stopped(up: Upgrade) -> bool:
    """Whether step 1 is done: no agent left on the old log, no budget left for it."""
    left = _agents_of(up.chain, up.old)
    return not left and not up.token.functions.issuerBudget(up.old.address).call()[0]


def finish(up: Upgrade, config: dict) -> dict:
    """Steps 2 and 3 after step 1: deploy (or find) the new log, wire it, record it. Returns what was done."""
    chain, network = up.chain, up.chain.network.id
    if up.done:
        _drop_journal(network)
        return _summary(up, up.done, deployed=False)
    if not stopped(up):
        raise ChainError(f"log {up.old.address} is not stopped yet (an agent still holds AGENT_ROLE or it has an "
                         "issuer budget): run 'svc log upgrade' again once step 1 is sent")
    head, count = up.old.functions.state().call()
    new, deployed = _deployed_before(up), False
    if new is None:
        deployer = chain.account("deployer").address
        nonce = chain.w3.eth.get_transaction_count(deployer, "pending")
        up.journal.update(stage="deploying", deployer=deployer, nonce=nonce, head="0x" + bytes(head).hex(),
                          count=int(count), expected=create_address(deployer, nonce))
        write_journal(network, up.journal)
        new = deploy_log(chain, config, up.token, previous=(up.old.address, bytes(head), int(count)),
                         rewards=up.rewards, budget=up.budget, agents=up.agents)
        deployed = True
    up.journal.update(stage="wiring", new=new)
    write_journal(network, up.journal)
    if not deployed:
        _wire(up, new)
    old = up.old.address

    def change(record):
        record["contracts"]["ServiceLog"] = new
        record["previous_logs"] = [*record.get("previous_logs", []), old]

    update_deployment(chain, change)
    _drop_journal(network)
    return _summary(up, new, deployed)


def _deployed_before(up: Upgrade) -> str | None:
    """The new log a crashed run deployed (at the address its journalled nonce gives), or None; a deploy
    still pending from that nonce stops the run (it may yet land)."""
    j, chain = up.journal, up.chain
    if j.get("new"):
        return j["new"]
    if j.get("stage") != "deploying":
        return None
    address = j["expected"]
    if chain.w3.eth.get_code(address) and previous_of(log_contract(chain, address))[0].lower() == up.old.address.lower():
        return to_checksum_address(address)
    latest = chain.w3.eth.get_transaction_count(j["deployer"], "latest")
    if latest <= j["nonce"] < chain.w3.eth.get_transaction_count(j["deployer"], "pending"):
        raise ChainError(f"the new log's deployment (nonce {j['nonce']} of {j['deployer']}) is still pending: "
                         "run 'svc log upgrade' again once it is mined or dropped")
    return None  # never sent, or it failed: deploy it (again)


def _wire(up: Upgrade, new: str) -> None:
    """What `deploy_log` gives a new log after deploying it, for a log a crashed run deployed: whatever is
    missing of its issuer role and budget and its agents."""
    chain, token = up.chain, up.token
    issuer = token.functions.hasRole(role_id("ISSUER_ROLE"), new).call()
    if up.budget and (not issuer or not token.functions.issuerBudget(new).call()[0]):
        grant_issuer(chain, token, new, up.budget)
    elif not issuer:
        grant_role(chain, token, "ISSUER_ROLE", new)
    log = log_contract(chain, new)
    for agent in up.agents:
        if not log.functions.hasRole(role_id("AGENT_ROLE"), agent).call():
            grant_role(chain, log, "AGENT_ROLE", agent)


def _summary(up: Upgrade, new: str, deployed: bool) -> dict:
    log = log_contract(up.chain, new)
    _, head, count = previous_of(log)
    return {"old_log": up.old.address, "new_log": new, "deployed": deployed, "continues_at": int(count),
            "head": "0x" + bytes(head).hex(), "rewards": [str(r) for r in up.rewards], "budget_points": up.budget,
            "issuer_budget": str(up.token.functions.issuerBudget(new).call()[0] // UNIT),
            "agents": up.agents, "previous_logs": up.chain.deployment().get("previous_logs", [])}
