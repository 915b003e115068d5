"""EIP-4361 "Sign-In with Ethereum" messages: parsing the text a wallet signed with `personal_sign`
and checking it against what this server expects — its own domain and URI, the chain it serves,
version 1, times within limits — then who signed it (an ECDSA key recovered with eth-account's
`encode_defunct`, or a contract wallet asked through ERC-1271). Plain functions over data; the
nonce and session tables are in serve.sessions, the endpoints in serve.auth.

    example.org wants you to sign in with your Ethereum account:
    0xAbC…(EIP-55)

    Sign in to see your vouchers.            (optional statement, one line)

    URI: https://example.org/
    Version: 1
    Chain ID: 1
    Nonce: 32a1…
    Issued At: 2026-11-30T12:00:00Z
    Expiration Time: …                       (optional, like Not Before, Request ID, Resources)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.messages import defunct_hash_message, encode_defunct
from web3 import Web3

from servicecoin.serve.fields import RequestError

MAX_MESSAGE = 4_096  # characters
CLOCK_SKEW = 300  # seconds a wallet's clock may be off from ours
MAX_AGE = 600  # seconds between Issued At and the sign-in

HEADER = re.compile(r"^(?:(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://)?(?P<domain>[^\s/?#]+) wants you to sign in with your "
                    r"Ethereum account:\n(?P<address>0x[0-9a-fA-F]{40})\n\n(?:(?P<statement>[^\n]+)\n)?\n")
FIELDS = ("URI", "Version", "Chain ID", "Nonce", "Issued At", "Expiration Time", "Not Before", "Request ID")
REQUIRED = ("URI", "Version", "Chain ID", "Nonce", "Issued At")
NONCE = re.compile(r"^[a-zA-Z0-9]{8,64}$")


@dataclass(frozen=True)
class SiweMessage:
    scheme: str | None
    domain: str
    address: str
    statement: str | None
    uri: str
    version: str
    chain_id: int
    nonce: str
    issued_at: datetime
    expiration_time: datetime | None = None
    not_before: datetime | None = None
    request_id: str | None = None
    resources: tuple[str, ...] = ()


def _malformed(why: str) -> RequestError:
    return RequestError(f"field 'message' is not a sign-in message (EIP-4361): {why}", "message")


def _time(name: str, text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _malformed(f"'{name}' is not an RFC 3339 time") from None
    if value.tzinfo is None:
        raise _malformed(f"'{name}' has no time zone")
    return value


def parse_message(text: str) -> SiweMessage:
    """The fields of an EIP-4361 message, or a RequestError (400) naming what is wrong."""
    if len(text) > MAX_MESSAGE:
        raise _malformed(f"longer than {MAX_MESSAGE} characters")
    head = HEADER.match(text)
    if head is None:
        raise _malformed("the first lines are not '<domain> wants you to sign in with your Ethereum account:', "
                         "the address and a blank line")
    fields: dict[str, str] = {}
    resources: list[str] = []
    lines = text[head.end():].split("\n")
    for index, line in enumerate(lines):
        if line == "Resources:":
            resources = [r[2:] for r in lines[index + 1:] if r.startswith("- ")]
            if len(resources) != len([r for r in lines[index + 1:] if r]):
                raise _malformed("every resource is a line '- URI'")
            break
        name, sep, value = line.partition(": ")
        if not sep or name not in FIELDS or name in fields or not value:
            raise _malformed(f"unexpected line {line[:40]!r}")
        if list(fields) and FIELDS.index(name) < FIELDS.index(list(fields)[-1]):
            raise _malformed(f"'{name}' is out of order")
        fields[name] = value
    missing = [name for name in REQUIRED if name not in fields]
    if missing:
        raise _malformed(f"'{missing[0]}' is missing")
    if not Web3.is_checksum_address(head["address"]):
        raise _malformed("the address is not in EIP-55 mixed case")
    if not fields["Chain ID"].isdigit() or len(fields["Chain ID"]) > 20:
        raise _malformed("'Chain ID' is not a number")
    if not NONCE.match(fields["Nonce"]):
        raise _malformed("'Nonce' is not 8 to 64 letters and digits")
    return SiweMessage(
        scheme=head["scheme"], domain=head["domain"], address=head["address"], statement=head["statement"],
        uri=fields["URI"], version=fields["Version"], chain_id=int(fields["Chain ID"]), nonce=fields["Nonce"],
        issued_at=_time("Issued At", fields["Issued At"]),
        expiration_time=_time("Expiration Time", fields["Expiration Time"]) if "Expiration Time" in fields else None,
        not_before=_time("Not Before", fields["Not Before"]) if "Not Before" in fields else None,
        request_id=fields.get("Request ID"), resources=tuple(resources))


def check_message(message: SiweMessage, *, host: str, scheme: str, chain_id: int, now: datetime) -> None:
    """Refuse a message made for another site (domain, URI, scheme), another chain, another version,
    or outside its time limits: 403 for the place, 401 for the time."""
    if message.domain.lower() != host.lower():
        raise RequestError(f"the message signs in to {message.domain}, not {host}", "message", HTTPStatus.FORBIDDEN)
    if message.scheme is not None and message.scheme.lower() != scheme:
        raise RequestError(f"the message is for {message.scheme}://, this page is {scheme}://", "message",
                           HTTPStatus.FORBIDDEN)
    uri = urlsplit(message.uri)
    if uri.scheme.lower() != scheme or uri.netloc.lower() != host.lower():
        raise RequestError(f"the message's URI {message.uri} is not on {scheme}://{host}", "message",
                           HTTPStatus.FORBIDDEN)
    if message.version != "1":
        raise RequestError(f"version {message.version} of EIP-4361 is not supported", "message")
    if message.chain_id != chain_id:
        raise RequestError(f"the message is for chain {message.chain_id}; this page serves chain {chain_id}",
                           "message", HTTPStatus.FORBIDDEN)
    age = (now - message.issued_at).total_seconds()
    if age > MAX_AGE or age < -CLOCK_SKEW:
        raise RequestError("the message was not issued just now (check your clock); sign in again", "message",
                           HTTPStatus.UNAUTHORIZED)
    if message.expiration_time is not None and message.expiration_time <= now:
        raise RequestError("the message has expired; sign in again", "message", HTTPStatus.UNAUTHORIZED)
    if message.not_before is not None and (message.not_before - now).total_seconds() > CLOCK_SKEW:
        raise RequestError("the message is not valid yet", "message", HTTPStatus.UNAUTHORIZED)


def recover_signer(text: str, signature: bytes) -> str | None:
    """The address whose key signed `text` with personal_sign (EIP-191), or None."""
    if len(signature) != 65:
        return None
    try:
        return Account.recover_message(encode_defunct(text=text), signature=signature)
    except Exception:  # r, s or v out of range
        return None


def message_digest(text: str) -> bytes:
    """The EIP-191 hash a contract wallet is asked about (ERC-1271)."""
    return bytes(defunct_hash_message(text=text))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
