"""`svc serve`: the customer web page and the relay API, on 127.0.0.1 by default, as a Starlette
app under uvicorn.

Serves the static page in web/, ethers from node_modules (no CDN, no build step), /config.json
built from deployments/<network>.json, wallet sign-in (EIP-4361), the OpenAPI document of the API,
and a small JSON API through which customers without ETH have their signed requests relayed (the
relayer pays the gas). The relays themselves live in servicecoin.relay, which registers them here
(`svc serve` imports it); a relay whose contract is not deployed answers 404.

    settings.py   the `serve:` section of servicecoin.yaml (limits, proxies, margins, gas caps, hosts)
    fields.py     RequestError and the typed readers of a request's fields
    jsonbody.py   parsing a body as JSON with bounded nesting and number sizes
    body.py       reading a JSON body within the size, type and time limits
    ratelimit.py  a sliding-window counter per key with a bounded, expiring table
    client.py     who a request comes from (trusted proxies, IPv6 by /64)
    hosts.py      the Host names served, the scheme behind a proxy, the same-origin check
    guard.py      what a relay must pass before the relayer pays: deadline margin, per-client and
                  per-customer rates, failed-relay budgets, simulation within a gas cap
    erc1271.py    asking a contract wallet whether it signed, within a gas cap
    keys.py       the relayer key, checked at start-up
    redact.py     masking the secret parts of node URLs in text
    failures.py   what a failure answers (generic for node and server faults) and logs (masked)
    headers.py    the security headers of every answer, and the raw answers of the protocol layer
    site.py       Site (deployment, chain, settings, guard), load_site and the relay registry
    siwe.py       EIP-4361 messages: parse, check against this site, recover the signer
    sessions.py   the nonce and session tables of wallet sign-in
    answers.py    JSON answers and the gate of every POST /api/… (rate, origin, body)
    auth.py       the sign-in endpoints, GET /api/me and require_session(request) → address
    content.py    catalog metadata and pictures (public); the signed-in customer's voucher codes and ticket subjects
    notices.py    notice consent (GET/POST /api/notices, confirm, withdraw) and the one-click unsubscribe
    openapi.py    the OpenAPI document (/openapi.json) and its page (/api/docs)
    metrics.py    GET /metrics: keys' ETH, issuer budgets (servicecoin.watch) and today's relay spending
    quota.py      the per-customer daily relay quota (gas paid in wei), kept in a SQLite file across restarts
    app.py        the Starlette app: routes for pages, config, health and relays
    shield.py     around the app: security headers on every answer, the Host check, the last 500
    protocol.py   uvicorn's h11 protocol with a deadline per request and a connection cap
    server.py     make_server: the app under uvicorn on a bound socket
"""

from servicecoin.serve.auth import require_session
from servicecoin.serve.body import MAX_BODY
from servicecoin.serve.fields import RequestError, require, require_address, require_hex, require_uint
from servicecoin.serve.keys import check_relayer_key
from servicecoin.serve.server import DEFAULT_PORT, SiteServer, make_server
from servicecoin.serve.settings import ServeSettings, Window
from servicecoin.serve.site import RELAYS, Relay, Site, load_site, register_relay

__all__ = ["DEFAULT_PORT", "MAX_BODY", "RELAYS", "Relay", "RequestError", "ServeSettings", "Site", "SiteServer",
           "Window", "check_relayer_key", "load_site", "make_server", "register_relay", "require", "require_address",
           "require_hex", "require_session", "require_uint"]
