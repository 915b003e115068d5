"""Helpers for the admin suites: accounts by part, powers read straight from the contracts, one-line errors."""

from servicecoin.chain import dev_account
from servicecoin.errors import ChainError, ConfigError
from servicecoin.roles import contract_roles

ADMIN = dev_account(0)
OPERATOR = dev_account(1)
SHOP_A = dev_account(6)
SHOP_B = dev_account(7)
CUSTOMER = dev_account(8)
CUSTOMER2 = dev_account(9)

# Exit codes by kind of failure: bad input, a refusal by the chain (1 for both where the codes are not split).
BAD_INPUT = getattr(ConfigError, "exit_code", 1)
REFUSED = getattr(ChainError, "exit_code", 1)
# The lines of a refusal found by simulating a plan, or met while sending it (a ChainError).
REFUSAL_LINES = ("error: nothing sent: call ", "error: call ")


def held_roles(contracts: dict, address: str) -> dict[str, list[str]]:
    """Contract → roles `address` holds, asked of every role each contract's ABI names."""
    return {name: [r for r, rid in contract_roles(c).items() if c.functions.hasRole(rid, address).call()]
            for name, c in contracts.items()}


def one_error_line(result) -> str:
    """The failure's only line of output, an `error:` line (never a traceback); split on newlines only."""
    lines = result.output.strip().split("\n")
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def assert_one_error_line(result, *fragments: str, code: int | None = None) -> str:
    """The command failed in one `error:` line holding every fragment, with the exit code of its kind (`code`,
    or told from the line: a refusal found by simulating or sending, else bad input)."""
    line = one_error_line(result)
    expected = code if code is not None else REFUSED if line.startswith(REFUSAL_LINES) else BAD_INPUT
    assert result.exit_code == expected, result.output
    for f in fragments:
        assert f in line, result.output
    return line
