"""GET /api/receipts: the signed-in customer's inclusion receipts (anchored mode), as one JSON document the
page saves as a file. Only the records whose customer is the session's address, of this deployment's
ServiceLog on the served chain; 401 without a session. Each receipt is what `svc log receipt SEQ` gives,
and `svc verify-receipt FILE` checks the saved file (every receipt in it) from chain data alone.
"""

from __future__ import annotations

from starlette.routing import Route

from servicecoin.serve.auth import signed_in_endpoint
from servicecoin.serve.site import Site
from servicecoin.servicelog.anchoring import RECEIPT_VERSION, customer_receipts

CHECK = "svc verify-receipt FILE checks every receipt in this file from chain data alone"


def receipts_of(site: Site, address: str) -> dict:
    """The receipts document of `address` on `site`."""
    log = site.contracts().get("ServiceLog")
    found = customer_receipts(site.anchored, address, log, site.chain_id) if log else []
    return {"version": RECEIPT_VERSION, "customer": address, "chain_id": site.chain_id, "log": log,
            "count": len(found), "check": CHECK, "receipts": found}


ROUTES = [Route("/api/receipts", signed_in_endpoint(receipts_of, "/api/receipts"), methods=["GET"])]
