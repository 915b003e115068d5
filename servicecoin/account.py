"""What the chain says about one account: balance, tier, lots."""

from __future__ import annotations

from web3 import Web3

from servicecoin.chain import Chain
from servicecoin.errors import ConfigError
from servicecoin.reports.dates import iso


def checksum(address: str, where: str = "") -> str:
    """A checksummed address, or a ConfigError naming what was wrong."""
    try:
        if address != address.lower() and address != address.upper()[:2].lower() + address[2:].upper() \
                and not Web3.is_checksum_address(address):
            raise ConfigError(f"{where}address {address!r} has a wrong checksum")
        return Web3.to_checksum_address(address)
    except ValueError:
        raise ConfigError(f"{where}{address!r} is not an address") from None


def account_summary(chain: Chain, address: str) -> dict:
    token = chain.contract("RewardToken")
    address = checksum(address)
    from servicecoin.config import token_info

    names = token_info()["tier_names"]
    tier = token.functions.tierOf(address).call()
    to, ready_at = token.functions.recoveryOf(address).call()
    lots = [
        {"epoch": e, "amount": a, "expires_at": x,
         "expires": iso(x)}
        for e, a, x in token.functions.lotsOf(address).call()
    ]
    return {
        "address": address,
        "balance": token.functions.balanceOf(address).call(),
        "lifetime": token.functions.lifetimeEarned(address).call(),
        "tier": tier,
        "tier_name": names[tier] if tier < len(names) else str(tier),
        "lots": lots,
        # a pending wallet recovery of this address (its points cannot be spent until it ends)
        "recovery": {"to": to, "ready_at": ready_at, "ready": iso(ready_at)} if int(to, 16) else None,
        **ahead(chain, token.address, address, names),
    }


def ahead(chain: Chain, token: str, address: str, names: list[str]) -> dict:
    """Pending credits with their release dates, and what keeps the tier at the next review (rolling
    tiers); nothing pending and no outlook on an old-layout token."""
    from servicecoin.migration.snapshot import optional, reader
    from servicecoin.reports.dates import day, utc
    from servicecoin.reports.outlook import chain_outlook, points_text

    block = chain.w3.eth.block_number
    amounts, releases = optional(reader(chain, token).functions.pendingOf(address), block, ([], []))
    pending = [{"amount": a, "points": points_text(a), "release_at": r, "release": utc(r),
                "text": f"pending until {day(r)}"} for a, r in zip(amounts, releases)]
    return {"pending": pending, "pending_total": sum(amounts),
            "tier_outlook": chain_outlook(reader(chain, token), address, block, names)}
