"""Errors the command line turns into one clear line, and the exit code each kind of failure gets.

Exit codes (docs/cli.md): the one table every `svc` command follows.

    0  EXIT_OK         done (a status command: running)
    1  EXIT_FAILURE    anything else: a check that does not hold (verify-log, index verify, a transparency
                       report that does not reconcile), an incomplete campaign run, the file system, a database
    2  EXIT_BAD_INPUT  bad input: a usage error or bad value on the command line (click's code), a bad
                       configuration, campaign or input file, campaign rows that are bad
    3  EXIT_NODE_DOWN  no node answers (or `svc chain status` / `svc db status`: not running)
    4  EXIT_REFUSED    the chain refused: a call would revert or reverted (the custom error is named)
"""

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2
EXIT_NODE_DOWN = 3
EXIT_REFUSED = 4


class ServiceCoinError(Exception):
    """A failure the operator can act on; the message says what and where."""

    exit_code = EXIT_FAILURE


class ConfigError(ServiceCoinError):
    """A configuration or input file, or a value given on the command line, is wrong (the message names
    file, line and field, or the option)."""

    exit_code = EXIT_BAD_INPUT


class ChainError(ServiceCoinError):
    """The node refused or reverted a call; the message carries the decoded custom error."""

    exit_code = EXIT_REFUSED


class Refused(ChainError):
    """The chain refused a transaction for certain: its gas estimate reverted (nothing was sent) or it was
    mined and reverted. Anything prepared for it off chain may be discarded."""


class NodeUnreachable(ServiceCoinError):
    """No node answers at the network's URL (refused, timed out, not an Ethereum node)."""

    exit_code = EXIT_NODE_DOWN


def quoted(value, limit: int = 40) -> str:
    """`value` as a message shows it: quoted, control characters escaped (a message stays one line), cut
    after `limit` characters."""
    text = str(value)
    return repr(text[:limit]) + ("…" if len(text) > limit else "")


def enum_member(enum, key: str, text: str, what: str, where: str = "", known: list[str] | None = None):
    """`enum[key]`, or a ConfigError "{where}unknown {what} '{text}' (known: …)" listing `known` (by
    default every member's name in lower case)."""
    try:
        return enum[key]
    except KeyError:
        names = known if known is not None else [m.name.lower() for m in enum]
        raise ConfigError(f"{where}unknown {what} {quoted(text)} (known: {', '.join(names)})") from None
