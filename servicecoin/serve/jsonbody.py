"""Parsing a request body as JSON without letting it hurt the server: nesting deeper than
MAX_DEPTH and integers longer than MAX_DIGITS are refused before Python's parser meets them
(which would raise RecursionError, or ValueError past its 4,300-digit limit), and everything else
the parser refuses is a RequestError (400) too."""

from __future__ import annotations

import json
from typing import Any

from servicecoin.serve.fields import RequestError

MAX_DEPTH = 32  # nested objects and arrays; a relayed request needs 2
MAX_DIGITS = 100  # digits of a JSON integer; a uint256 has at most 78


def nesting_depth(text: str) -> int:
    """The deepest nesting of objects and arrays in `text`, brackets inside strings not counted
    (a linear scan; stops counting once past MAX_DEPTH)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    break
        elif char in "]}":
            depth -= 1
    return deepest


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise RequestError(f"request body has a number of more than {MAX_DIGITS} digits")
    return int(digits)


def _constant(name: str) -> None:
    raise RequestError(f"request body is not valid JSON: {name} is not a number")


def parse_object(raw: bytes) -> dict[str, Any]:
    """The JSON object in `raw`, or a RequestError (400) saying what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError("request body is not UTF-8") from None
    if nesting_depth(text) > MAX_DEPTH:
        raise RequestError(f"request body is nested more than {MAX_DEPTH} levels deep")
    try:
        body = json.loads(text or "null", parse_int=_integer, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise RequestError(f"request body is not valid JSON: {exc}") from None
    except (ValueError, RecursionError) as exc:  # a float the parser cannot read; depth is checked above
        raise RequestError(f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise RequestError("request body must be a JSON object")
    return body
