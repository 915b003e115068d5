"""Helpers for the admin suites: accounts by part, powers read straight from the contracts, one-line errors."""

from servicecoin.chain import dev_account
from servicecoin.roles import contract_roles

ADMIN = dev_account(0)
OPERATOR = dev_account(1)
SHOP_A = dev_account(6)
SHOP_B = dev_account(7)
CUSTOMER = dev_account(8)
CUSTOMER2 = dev_account(9)


def held_roles(contracts: dict, address: str) -> dict[str, list[str]]:
    """Contract → roles `address` holds, asked of every role each contract's ABI names."""
    return {name: [r for r, rid in contract_roles(c).items() if c.functions.hasRole(rid, address).call()]
            for name, c in contracts.items()}


def assert_one_error_line(result, *fragments: str) -> str:
    """The command failed with exit code 1 and one `error:` line that holds every fragment."""
    lines = result.output.strip().split("\n")
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    for f in fragments:
        assert f in lines[0], result.output
    return lines[0]
