"""`svc serve`: the customer web page and the relay API, on 127.0.0.1 by default.

Serves the static page in web/, ethers from node_modules (no CDN, no build step), /config.json
built from deployments/<network>.json, and a small JSON API through which customers without ETH
have their signed requests relayed (the relayer pays the gas). The relays themselves live in
servicecoin.relay, which registers them here (`svc serve` imports it); a relay whose contract is
not deployed answers 404.

    settings.py   the `serve:` section of servicecoin.yaml (limits, proxies, margins, gas caps)
    fields.py     RequestError and the typed readers of a request's fields
    ratelimit.py  a sliding-window counter per key with a bounded, expiring table
    client.py     who a request comes from (trusted proxies, IPv6 by /64)
    guard.py      what a relay must pass before the relayer pays: deadline margin, per-client and
                  per-customer rates, failed-relay budgets, simulation within a gas cap
    redact.py     masking the secret parts of node URLs in text
    failures.py   what a failure answers (generic for node and server faults) and logs (masked)
    site.py       Site (deployment, chain, settings, guard), load_site and the relay registry
    handler.py    the http.server front end and make_server
"""

from servicecoin.serve.fields import RequestError, require, require_address, require_hex, require_uint
from servicecoin.serve.handler import DEFAULT_PORT, MAX_BODY, READ_TIMEOUT, Handler, make_server
from servicecoin.serve.settings import ServeSettings, Window
from servicecoin.serve.site import RELAYS, Relay, Site, load_site, register_relay

__all__ = ["DEFAULT_PORT", "MAX_BODY", "READ_TIMEOUT", "RELAYS", "Handler", "Relay", "RequestError", "ServeSettings",
           "Site", "Window", "load_site", "make_server", "register_relay", "require", "require_address", "require_hex",
           "require_uint"]
