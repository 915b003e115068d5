"""What every `svc` command shares: the --network and --json options, the parameter types that check
every value before anything runs, one-line errors with the exit codes of servicecoin.errors, and output.

Parameter types (a bad value is one line `error: --option: what is wrong`, exit code 2, as click's
usage errors):

    Address      0x + 40 hex digits, EIP-55 checksum when mixed case, checksummed
    Points       whole points under the plain decimal grammar (servicecoin.token.parse_decimal) → raw units
    UInt         a whole number of ASCII digits in a range (ids, counts, ticket and sequence numbers)
    PrivateKey   0x + 64 hex digits that make a valid secp256k1 key
    Signer       a role name, a test-account number or a private key (resolved once connected)
    NetworkId    a network of networks.yaml
    RpcUrl       a node's http(s) URL
    FilePath     click.Path that refuses a NUL byte
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
from functools import wraps

import click
from web3.exceptions import Web3Exception

from servicecoin.errors import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_NODE_DOWN, EXIT_REFUSED, ServiceCoinError, quoted

UINT256_MAX = 2**256 - 1
_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}", re.ASCII)
_HEX_KEY = re.compile(r"0x[0-9a-fA-F]{64}", re.ASCII)


class BadValue(click.BadParameter):
    """A value an option or argument does not take: shown as one line, `error: --option: message`, exit 2."""

    def show(self, file=None) -> None:
        hint = self.param_hint or ""
        if not hint and isinstance(self.param, click.Argument):
            hint = (self.param.name or "").upper()
        elif not hint and self.param is not None:
            hint = self.param.get_error_hint(self.ctx)
        hint = hint if isinstance(hint, str) else " / ".join(hint)
        click.echo(f"error: {hint.strip(chr(39))}: {self.message}" if hint else f"error: {self.message}", err=True)


class StrictType(click.ParamType):
    """A parameter type whose failures are one line (BadValue)."""

    def fail(self, message, param=None, ctx=None):
        raise BadValue(message, ctx=ctx, param=param)


def control_character(text: str) -> str | None:
    """The first control character (NUL, newline, escape…) in `text` as a name ("a NUL byte"), or None."""
    for ch in text:
        if ch == "\0":
            return "a NUL byte"
        if ord(ch) < 32 or ord(ch) == 127:
            return f"a control character ({ch!r})"
    return None


class FilePath(click.Path):
    """click.Path that refuses a name the operating system cannot take (a NUL byte), or one holding
    another control character (a newline would break the one-line errors that name it), as a usage
    error, where click.Path's own os.stat would end in a traceback."""

    def fail(self, message, param=None, ctx=None):
        raise BadValue(message, ctx=ctx, param=param)

    def convert(self, value, param, ctx):
        what = control_character(str(value))
        if what:
            self.fail(f"{quoted(value)} is not a file name (it holds {what})", param, ctx)
        return super().convert(value, param, ctx)


class Address(StrictType):
    """An Ethereum address: 0x + 40 hex digits; a mixed-case one must carry a valid EIP-55 checksum."""

    name = "address"

    def convert(self, value, param, ctx):
        from eth_utils import to_checksum_address

        text = str(value)
        if not _HEX_ADDRESS.fullmatch(text):
            self.fail(f"{quoted(text)} is not an address (0x followed by 40 hex digits)", param, ctx)
        address = to_checksum_address(text)
        digits = text[2:]
        if digits != digits.lower() and digits != digits.upper() and address != text:
            self.fail(f"{text} has a wrong EIP-55 checksum", param, ctx)
        return address


class Points(StrictType):
    """Whole points (e.g. 12.50) under the plain decimal grammar, converted to raw token units."""

    name = "points"

    def __init__(self, decimals: int | None = None, what: str = "number of points"):
        from servicecoin.token import DECIMALS

        self.decimals = DECIMALS if decimals is None else decimals
        self.what = what

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool):
            return value  # already raw (a default)
        from servicecoin.errors import ConfigError
        from servicecoin.token import parse_decimal

        try:
            raw = int(parse_decimal(str(value), self.decimals, self.what) * 10**self.decimals)
        except ConfigError as exc:
            self.fail(str(exc), param, ctx)
        if raw > UINT256_MAX:
            self.fail(f"{quoted(value)} is too large", param, ctx)
        return raw


class UInt(StrictType):
    """A whole number of ASCII digits from `low` to `high` (Python's int() would take '+5', '1_000' and
    non-ASCII digits such as '٣')."""

    name = "integer"

    def __init__(self, low: int = 0, high: int = UINT256_MAX):
        self.low, self.high = low, high

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value)
            if not re.fullmatch(r"[0-9]{1,80}", text, re.ASCII):
                self.fail(f"{quoted(text)} is not a whole number (ASCII digits only)", param, ctx)
            number = int(text)
        if not self.low <= number <= self.high:
            high = f"{self.high:,}" if self.high < 10**12 else f"2^{self.high.bit_length()} - 1"
            self.fail(f"{quoted(value)} is out of range ({self.low} to {high})", param, ctx)
        return number


class Matching(StrictType):
    """A value that must match `pattern` (ASCII only), then read by `parse` (a value already read, e.g. a
    default, is passed through)."""

    def __init__(self, name: str, pattern: str, parse, what: str):
        self.name, self.pattern, self.parse, self.what = name, re.compile(pattern, re.ASCII), parse, what

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        if not self.pattern.fullmatch(value):
            self.fail(f"{quoted(value)} is not {self.what}", param, ctx)
        return self.parse(value)


def PositiveInt(high: int = UINT256_MAX) -> UInt:  # noqa: N802  (a type, like click.IntRange)
    return UInt(1, high)


class PrivateKey(StrictType):
    """A secp256k1 private key: 0x + 64 hex digits, not zero and below the curve order."""

    name = "private key"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if not _HEX_KEY.fullmatch(text):
            self.fail("not a private key (0x followed by 64 hex digits)", param, ctx)  # never echo a key
        from eth_account import Account

        try:
            return Account.from_key(text)
        except Exception:  # noqa: BLE001  eth_keys raises a bare Exception for a key past the curve order
            self.fail("not a valid private key (zero or past the curve order)", param, ctx)


class Signer(StrictType):
    """Who signs: a role name (operator, merchant, customer…), a test-account number (local chains) or a
    private key. Checked for its form here; resolved on the network once connected."""

    name = "signer"

    def convert(self, value, param, ctx):
        from servicecoin.networks import LOCAL_ROLES

        text = str(value).strip()
        if text in LOCAL_ROLES or (text.startswith("$") and text[1:] in LOCAL_ROLES):
            return text
        if re.fullmatch(r"[0-9]{1,4}", text, re.ASCII):
            return text
        if _HEX_KEY.fullmatch(text):
            PrivateKey().convert(text, param, ctx)
            return text
        shown = "a 0x… value" if text.startswith("0x") else quoted(text)
        self.fail(f"{shown} is not a role ({', '.join(LOCAL_ROLES)}), an account number or a private key", param, ctx)


class NetworkId(StrictType):
    """A network id from networks.yaml."""

    name = "network"

    def convert(self, value, param, ctx):
        from servicecoin.networks import network_ids

        known = network_ids()
        if value not in known:
            self.fail(f"unknown network {quoted(value)} (known: {', '.join(known)})", param, ctx)
        return value


class RpcUrl(StrictType):
    """A node's JSON-RPC URL: http:// or https://, a host, no spaces or control characters. Never echoed
    whole (its path or query may hold an API key)."""

    name = "url"

    def convert(self, value, param, ctx):
        from urllib.parse import urlsplit

        text = str(value)
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018  raises ValueError for a port that is not a number
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:  # a port that is not a number, a bad IPv6 literal
            ok = False
        if not ok or any(ch.isspace() for ch in text) or control_character(text):
            self.fail("not a node URL (http:// or https://, then the host)", param, ctx)
        return text


def network_option(fn):
    return click.option(
        "--network", "network", default="svc-local", show_default=True, envvar="SVC_NETWORK", type=NetworkId(),
        help="Network id from networks.yaml (svc-local, development, ganache, svc-live).",
    )(fn)


def json_option(fn):
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(fn)


def node_message(exc: Exception) -> str:
    """What a node's JSON-RPC error says, without the envelope (`{'code': -32003, 'message': …}`), and what
    to do about the common one: a sending key without ETH for gas."""
    rpc = getattr(exc, "rpc_response", None)  # web3's Web3RPCError keeps the answer; its text is repr(error)
    error = rpc.get("error") if isinstance(rpc, dict) else None
    if isinstance(error, dict) and error.get("message"):
        text = str(error["message"])
    else:
        text = str(exc.args[0] if exc.args else exc)
    if "insufficient funds" in text.lower():
        text += " (the sending key needs ETH to pay for gas: fund it and try again)"
    return text


def handle_errors(fn):
    """Turn a failure into one clear line on stderr and the exit code of its kind (servicecoin.errors).

    ServiceCoinError messages already say what and where, and carry their exit code. Failures from below
    are named by their source: the node unreachable (requests' connection errors and timeouts: 3), a
    revert (4), a value the contract call does not take (2), other node errors, the file system, the
    SQLite journal or index (1). A closed stdout (`svc … | head -1`) ends quietly. Set SVC_DEBUG=1 for
    the traceback.
    """

    @wraps(fn)
    def wrapper(*args, **kwargs):
        from requests.exceptions import ConnectionError as RequestsConnectionError, Timeout
        from web3.exceptions import ContractCustomError, ContractLogicError, Web3ValidationError

        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # click's own: a usage error, --help, Ctrl-C
        except BrokenPipeError:
            quiet_broken_pipe()
        except ServiceCoinError as exc:
            _fail(exc, f"error: {exc}", exc.exit_code)
        except sqlite3.Error as exc:
            _fail(exc, f"error: database: {exc}", EXIT_FAILURE)
        except (ContractCustomError, ContractLogicError) as exc:
            from servicecoin.chain import revert_message

            why = revert_message(exc) if getattr(exc, "data", None) else (exc.args[0] if exc.args else exc)
            _fail(exc, f"error: refused by the chain: {_first_line(why)}", EXIT_REFUSED)
        except Web3ValidationError as exc:
            _fail(exc, f"error: a value does not fit the contract call: {_first_line(exc)}", EXIT_BAD_INPUT)
        except (RequestsConnectionError, Timeout) as exc:
            _fail(exc, f"error: node unreachable: {_first_line(exc)}", EXIT_NODE_DOWN)
        except Web3Exception as exc:
            _fail(exc, f"error: node: {_first_line(node_message(exc))}", EXIT_FAILURE)
        except OSError as exc:
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            _fail(exc, f"error: {where}{exc.strerror or exc}", EXIT_FAILURE)
        except Exception as exc:  # noqa: BLE001  a bug: still one line, the traceback with SVC_DEBUG=1
            _fail(exc, f"error: unexpected {type(exc).__name__}: {_first_line(exc, 200)} (SVC_DEBUG=1 shows where)",
                  EXIT_FAILURE)

    return wrapper


def _first_line(value, limit: int = 300) -> str:
    """The first line of an exception's text (web3 puts a whole ABI listing after it), cut at `limit`."""
    lines = str(value).strip().splitlines() or [""]
    line = lines[0]
    return line if len(line) <= limit else line[:limit] + "…"


def quiet_broken_pipe() -> None:
    """stdout's reader went away (`| head -1`): stop quietly. Python would otherwise complain when it
    flushes stdout at exit, so stdout is pointed at /dev/null first."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test runner's stdout)
        pass
    sys.exit(EXIT_FAILURE)


def _fail(exc: BaseException, line: str, code: int) -> None:
    if os.environ.get("SVC_DEBUG"):
        raise exc
    click.echo(line, err=True)
    sys.exit(code)


def emit(data, as_json: bool, human) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        human(data)
