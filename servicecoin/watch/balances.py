"""Which keys and issuer budgets are watched, and their figures read from the chain.

Keys: the relayer, agent and operator keys this machine signs with (the local test keys on a local chain,
SVC_<ROLE>_KEY or SVC_PRIVATE_KEY elsewhere; a role without a key is left out), the operator named in the
deployment file, and any more addresses under `status.keys`. One address signing for several roles is one row.
Budgets: every issuer the token ever gave a budget (its IssuerBudgetSet events since the deployment), named
after the deployment's contracts, accounts and merchants where it can be.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from web3 import Web3

from servicecoin.chain import Chain
from servicecoin.errors import ConfigError
from servicecoin.token import fmt
from servicecoin.watch.settings import StatusSettings

ROLES = ("relayer", "agent", "operator")
WEI = 10**18


@dataclass
class KeyFigure:
    name: str
    address: str
    wei: int
    low: bool

    def to_json(self) -> dict:
        return {**asdict(self), "eth": self.wei / WEI}


@dataclass
class BudgetFigure:
    name: str
    issuer: str
    allowance: int  # raw token units
    used: int
    remaining: int
    share: float  # remaining / allowance (0 when there is no allowance)
    low: bool

    def to_json(self) -> dict:
        return {**asdict(self), "remaining_points": fmt(self.remaining), "allowance_points": fmt(self.allowance)}


def role_keys(chain: Chain, roles=ROLES) -> dict[str, str]:
    """Role → address of the keys this machine signs with; a role without a key is left out."""
    found = {}
    for role in roles:
        try:
            found[role] = chain.account(role).address
        except ConfigError:
            pass
    return found


class Watch:
    """The keys (name → address) and the token's issuers to watch on `chain`, against `settings`."""

    def __init__(self, chain: Chain, settings: StatusSettings, keys: dict[str, str], token=None,
                 names: dict[str, str] | None = None, first_block: int = 0):
        self.chain, self.settings, self.token, self.first_block = chain, settings, token, first_block
        self.keys: dict[str, str] = {}  # address → "name, name"
        for name, address in {**keys, **settings.keys}.items():
            address = Web3.to_checksum_address(address)
            self.keys[address] = f"{self.keys[address]}, {name}" if address in self.keys else name
        self.names = {Web3.to_checksum_address(a): n for a, n in (names or {}).items()}
        self._issuers: set[str] = set()
        self._scanned = first_block - 1

    @classmethod
    def for_deployment(cls, chain: Chain, settings: StatusSettings, record: dict | None = None,
                       keys: dict[str, str] | None = None) -> "Watch":
        """The keys of this machine and the deployment's token (`record`: deployments/<network>.json; read
        when None; a chain without one watches keys only)."""
        if record is None:
            try:
                record = chain.deployment()
            except (ConfigError, ValueError):  # none, or not JSON: keys only
                record = {}
        found = {**role_keys(chain), **(keys or {})}
        accounts = record.get("accounts", {})
        if accounts.get("operator") and accounts["operator"] not in found.values():
            found["operator (deployment)"] = accounts["operator"]
        names = {address: role for role, address in accounts.items() if address}
        names.update({address: name for name, address in record.get("contracts", {}).items()})
        names.update({m["address"]: f"merchant {n}" for n, m in record.get("merchants", {}).items()
                      if isinstance(m, dict) and m.get("address")})
        token_address = record.get("contracts", {}).get("RewardToken")
        token = chain.contract("RewardToken", token_address) if token_address else None
        first = record.get("first_block")
        if first is None and token is not None:  # a deployment file older than first_block: where the token began
            from servicecoin.admin.program import creation_block

            first = creation_block(chain, token.address, int(record.get("block", chain.w3.eth.block_number)))
        return cls(chain, settings, found, token, names, int(first or 0))

    def issuers(self) -> list[str]:
        """Every address the token gave a budget, scanning only the blocks not seen yet."""
        if self.token is None:
            return []
        latest = self.chain.w3.eth.block_number
        if latest > self._scanned:
            for ev in self.chain.events(self.token, "IssuerBudgetSet", self._scanned + 1, latest):
                self._issuers.add(Web3.to_checksum_address(ev["args"]["issuer"]))
            self._scanned = latest
        return sorted(self._issuers, key=lambda a: (self.names.get(a, "~"), a))

    def read_keys(self) -> list[KeyFigure]:
        floor = int(self.settings.min_eth * WEI)
        out = []
        for address, name in self.keys.items():
            wei = self.chain.w3.eth.get_balance(address)
            out.append(KeyFigure(name, address, wei, wei < floor))
        return out

    def read_budgets(self) -> list[BudgetFigure]:
        out = []
        for issuer in self.issuers():
            allowance, used, remaining = self.token.functions.issuerBudget(issuer).call()
            share = remaining / allowance if allowance else 0.0
            if allowance == 0 and used == 0:
                continue  # never given a budget that stands (revoked before use)
            out.append(BudgetFigure(self.names.get(issuer, issuer), issuer, allowance, used, remaining, share,
                                    allowance > 0 and share < self.settings.min_budget_share))
        return out

    def read(self) -> dict:
        """Keys and budgets with their figures, and the thresholds they were judged by."""
        return {"network": self.chain.network.id, "block": self.chain.w3.eth.block_number,
                "thresholds": {"min_eth": self.settings.min_eth, "min_budget_share": self.settings.min_budget_share},
                "keys": [k.to_json() for k in self.read_keys()],
                "budgets": [b.to_json() for b in self.read_budgets()]}
