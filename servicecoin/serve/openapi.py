"""The OpenAPI 3.1 description of `svc serve`'s JSON API (GET /openapi.json) and a plain page
listing it (GET /api/docs). Written by hand, one entry per endpoint; each relay brings its own
request schema when it registers (serve.site.register_relay), and only the relays this
deployment offers are listed. tests/offchain/serve/test_openapi.py validates the document and
checks that it lists every route of the app."""

from __future__ import annotations

import html

from servicecoin.serve.notices import openapi_paths as notice_paths
from servicecoin.serve.site import RELAY_SCHEMAS, RELAYS, Site

UINT = {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^(0x[0-9a-fA-F]+|[0-9]+)$"}],
        "description": "a whole number, as a JSON number or a decimal/0x string"}
ADDRESS = {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"}
HEX = {"type": "string", "pattern": "^0x([0-9a-fA-F]{2})*$"}
TEXT = {"type": "string"}
ERROR = {"$ref": "#/components/schemas/Error"}
ERRORS = {
    "400": "malformed request (the field is named)", "401": "not signed in, or the sign-in failed",
    "403": "wrong signer, site, chain or origin", "404": "unknown item or ticket, or not offered here",
    "408": "the request took too long to arrive", "409": "the state changed: sign again",
    "413": "body over 16 KiB", "415": "not application/json", "421": "unknown Host",
    "422": "the chain would revert, or it needs more gas than the cap", "429": "a rate limit or failed-relay budget",
    "502": "the chain node is unavailable", "503": "the relay is not configured",
}
SESSION = [{"session": []}]


def body_schema(fields: dict[str, dict], optional: tuple[str, ...] = ()) -> dict:
    """A JSON object schema with `fields`, all required but `optional`."""
    return {"type": "object", "properties": fields, "required": [f for f in fields if f not in optional]}


def _operation(summary: str, answer: dict | None = None, body: dict | None = None, *, errors: tuple[str, ...] = (),
               secured: bool = False) -> dict:
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": answer or {"type": "object"}}}}}
    for code in errors:
        responses[code] = {"description": ERRORS[code], "content": {"application/json": {"schema": ERROR}}}
    op = {"summary": summary, "responses": responses}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if secured:
        op["security"] = SESSION
    return op


SIGNED_IN = body_schema({"address": ADDRESS, "chain_id": {"type": "integer"}, "expires_at": {"type": "string", "format": "date-time"}})
RECEIPT = body_schema({"seq": {"type": "integer"}, "record": {"type": "object"}, "packed": HEX, "index": {"type": "integer"},
                       "count": {"type": "integer"}, "first_seq": {"type": "integer"}, "proof": {"type": "array", "items": HEX},
                       "root": HEX, "tx": HEX, "block": {"type": "integer"}, "block_hash": HEX, "log": ADDRESS,
                       "chain_id": {"type": "integer"}, "version": {"type": "integer"}})
RECEIPTS = body_schema({"version": {"type": "integer"}, "customer": ADDRESS, "chain_id": {"type": "integer"},
                        "log": {"oneOf": [ADDRESS, {"type": "null"}]}, "count": {"type": "integer"}, "check": TEXT,
                        "receipts": {"type": "array", "items": RECEIPT}})
CATALOG = body_schema({"merchant": {"type": "object"}, "items": {"type": "object"}})
VOUCHERS = body_schema({"customer": ADDRESS, "vault": {"oneOf": [ADDRESS, {"type": "null"}]},
                        "vouchers": {"type": "array", "items": body_schema({"redemption_id": HEX, "code": TEXT})}})
SUBJECTS = body_schema({"customer": ADDRESS, "tickets": {"type": "array", "items": body_schema({"ticket": TEXT, "subject": TEXT})}})
POST_ERRORS = ("400", "403", "408", "413", "415", "429")


def openapi(site: Site) -> dict:
    """The OpenAPI document of `site`'s API."""
    paths = {
        "/config.json": {"get": _operation("The page's settings: chain, addresses, ABIs, relays offered")},
        "/api/health": {"get": _operation("Whether the server is up", body_schema({"ok": {"type": "boolean"}, "network": TEXT}))},
        "/openapi.json": {"get": _operation("This document")},
        "/metrics": {"get": {"summary": "Prometheus metrics: the keys' ETH, the issuer budgets and today's relay spending",
                             "responses": {"200": {"description": "OK", "content": {"text/plain": {"schema": TEXT}}}}}},
        "/api/siwe/nonce": {"get": _operation("A fresh nonce for one sign-in (EIP-4361) within 10 minutes",
                                              body_schema({"nonce": TEXT}), errors=("429",))},
        "/api/siwe/login": {"post": _operation(
            "Sign in: an EIP-4361 message signed with personal_sign; sets the HttpOnly session cookie (15 minutes)",
            SIGNED_IN, body_schema({"message": TEXT, "signature": HEX}), errors=(*POST_ERRORS, "401"))},
        "/api/siwe/logout": {"post": _operation("Sign out: ends the session", body_schema({"signed_out": {"type": "boolean"}}),
                                                body_schema({}), errors=POST_ERRORS)},
        "/api/me": {"get": _operation("The signed-in address, chain and session expiry", SIGNED_IN, errors=("401",), secured=True)},
        "/api/receipts": {"get": _operation(
            "The signed-in customer's inclusion receipts of anchored records (only theirs); "
            "'svc verify-receipt FILE' checks the saved document from chain data alone", RECEIPTS,
            errors=("401",), secured=True)},
        "/api/catalog": {"get": _operation("Catalog metadata: each item's name, description and picture; the merchant contact",
                                           CATALOG)},
        "/api/vouchers": {"get": _operation("The signed-in customer's voucher codes (only theirs); each checks against "
                                            "the Fulfilled event's voucherHash", VOUCHERS, errors=("401",), secured=True)},
        "/api/tickets": {"get": _operation("The subjects of the signed-in customer's tickets (only theirs)", SUBJECTS,
                                           errors=("401",), secured=True)},
        **notice_paths(_operation, body_schema, TEXT, POST_ERRORS),
    }
    contracts = site.contracts()
    for name, (contract, fn) in sorted(RELAYS.items()):
        if contract in contracts:
            summary = (fn.__doc__ or f"Relay {name}").strip().split("\n")[0]
            paths[f"/api/{name}"] = {"post": _operation(summary, None, RELAY_SCHEMAS.get(name, {"type": "object"}),
                                                        errors=(*POST_ERRORS, "404", "409", "422", "502", "503"))}
    return {
        "openapi": "3.1.0",
        "info": {"title": "ServiceCoin svc serve", "version": "1",
                 "description": f"The customer page's API for {site.network.id} (chain id {site.chain_id}). "
                                "Every error is {\"error\": …, \"field\": …} on one line. POSTs need "
                                "Content-Type application/json, at most 16 KiB, and this site's own Origin."},
        "paths": paths,
        "components": {
            "schemas": {"Error": body_schema({"error": TEXT, "field": TEXT}, optional=("field",))},
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "svc_session"}},
        },
    }


def docs_page(spec: dict) -> str:
    """A plain HTML page listing the operations of `spec` (no script: the CSP allows none inline)."""
    rows = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            fields = ", ".join(op.get("requestBody", {}).get("content", {}).get("application/json", {})
                               .get("schema", {}).get("properties", {}))
            rows.append(f"<tr><td>{method.upper()}</td><td><code>{html.escape(path)}</code></td>"
                        f"<td>{html.escape(op['summary'])}</td><td>{html.escape(fields)}</td></tr>")
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>svc serve API</title>"
            "<link rel=\"stylesheet\" href=\"/styles.css\"></head><body><main class=\"card\">"
            f"<h1>{html.escape(spec['info']['title'])}</h1><p>{html.escape(spec['info']['description'])}</p>"
            "<p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI 3.1).</p>"
            "<table><thead><tr><th>method</th><th>path</th><th>what</th><th>body fields</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></main></body></html>")
