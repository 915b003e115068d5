"""Who pays whom: a plan that settles every balance in at most n-1 transfers for n parties.

Greedy and deterministic: the largest debtor pays the largest creditor the smaller of the two amounts;
each transfer closes at least one party, so n parties need at most n-1 transfers. Ties are broken by
the address (lower first), so two machines print the same list."""

from __future__ import annotations


def plan(balances: dict[str, int]) -> list[dict]:
    """balances: party → amount (positive: is owed; they sum to zero) → [{from, to, amount}]."""
    if sum(balances.values()) != 0:
        raise ValueError("balances do not sum to zero")
    owed = {p: v for p, v in balances.items() if v > 0}
    owing = {p: -v for p, v in balances.items() if v < 0}
    out = []
    while owing:
        debtor = min(owing, key=lambda p: (-owing[p], p))
        creditor = min(owed, key=lambda p: (-owed[p], p))
        amount = min(owing[debtor], owed[creditor])
        out.append({"from": debtor, "to": creditor, "amount": amount})
        for side, party in ((owing, debtor), (owed, creditor)):
            side[party] -= amount
            if side[party] == 0:
                del side[party]
    return out
