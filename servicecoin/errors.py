"""Errors the command line turns into one clear line and a non-zero exit."""


class ServiceCoinError(Exception):
    """A failure the operator can act on; the message says what and where."""


class ConfigError(ServiceCoinError):
    """A configuration or input file is wrong (the message names file, line and field)."""


class ChainError(ServiceCoinError):
    """The node refused or reverted a call; the message carries the decoded custom error."""


def enum_member(enum, key: str, text: str, what: str, where: str = "", known: list[str] | None = None):
    """`enum[key]`, or a ConfigError "{where}unknown {what} '{text}' (known: …)" listing `known` (by
    default every member's name in lower case)."""
    try:
        return enum[key]
    except KeyError:
        names = known if known is not None else [m.name.lower() for m in enum]
        raise ConfigError(f"{where}unknown {what} {text!r} (known: {', '.join(names)})") from None
