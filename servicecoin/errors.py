"""Errors the command line turns into one clear line and a non-zero exit."""


class ServiceCoinError(Exception):
    """A failure the operator can act on; the message says what and where."""


class ConfigError(ServiceCoinError):
    """A configuration or input file is wrong (the message names file, line and field)."""


class ChainError(ServiceCoinError):
    """The node refused or reverted a call; the message carries the decoded custom error."""
