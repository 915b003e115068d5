"""The fields of a relayed request: each is read with its type and range, or refused with a
RequestError that names it (the HTTP answer is `{"error": …, "field": …}`)."""

from __future__ import annotations

from typing import Any

from web3 import Web3

from servicecoin.errors import ServiceCoinError


class RequestError(ServiceCoinError):
    """A relayed request is malformed or refused; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.field = field
        self.status = status


def require(body: dict, name: str, kind: type | tuple[type, ...]) -> Any:
    """Field `name` of a request body, of type `kind`, or a RequestError naming it."""
    if name not in body:
        raise RequestError(f"field '{name}' is missing", name)
    value = body[name]
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        raise RequestError(f"field '{name}' has the wrong type", name)
    return value


def require_address(body: dict, name: str) -> str:
    value = require(body, name, str)
    if not Web3.is_address(value):
        raise RequestError(f"field '{name}' is not an address", name)
    return Web3.to_checksum_address(value)


def require_uint(body: dict, name: str, bits: int = 256) -> int:
    value = require(body, name, (int, str))
    try:
        number = int(value, 0) if isinstance(value, str) else value
    except ValueError:
        raise RequestError(f"field '{name}' is not a number", name) from None
    if not 0 <= number < 2**bits:
        raise RequestError(f"field '{name}' is out of range", name)
    return number


def require_hex(body: dict, name: str, size: int | None = None) -> bytes:
    value = require(body, name, str)
    try:
        raw = bytes.fromhex(value[2:] if value.startswith("0x") else "!")
    except ValueError:
        raise RequestError(f"field '{name}' is not 0x-prefixed hex", name) from None
    if size is not None and len(raw) != size:
        raise RequestError(f"field '{name}' must be {size} bytes", name)
    return raw
