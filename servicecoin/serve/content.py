"""What the page shows besides the chain's own data:

    GET /api/catalog               public: each item's name, description and picture URL, and the merchant contact
                                   (servicecoin.vault.metadata, written by `svc catalog describe|contact`)
    GET /catalog-images/{name}     public: a catalog picture, with the content type its first bytes prove
    GET /api/vouchers              signed in: the customer's voucher codes (servicecoin.vault.vouchers)
    GET /api/tickets               signed in: the subject of each of the customer's tickets (the text of its
                                   `Opened` record in the content store)

The customer-private answers are only ever the session's own address's, carry `Cache-Control: no-store`, and
answer 401 without a session.
"""

from __future__ import annotations

from http import HTTPStatus

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from servicecoin.contentstore import ContentStore
from servicecoin.serve.answers import error_answer, failure, json_answer, site_of
from servicecoin.serve.auth import signed_in_endpoint
from servicecoin.serve.site import Site
from servicecoin.vault.metadata import CatalogMetadata

IMAGES = "/catalog-images/"


def catalog_of(site: Site) -> dict:
    return CatalogMetadata(site.catalog).public(IMAGES)


def vouchers_of(site: Site, address: str) -> dict:
    """{customer, vault, vouchers: [{redemption_id, code}]}: the codes kept for `address` in this vault."""
    from servicecoin.vault.vouchers import VoucherBook

    vault = site.contracts().get("RedemptionVault")
    codes = {}
    if vault:
        with ContentStore.for_network(site.network.id) as store:
            codes = VoucherBook(store).codes_of(vault, address)
    return {"customer": address, "vault": vault,
            "vouchers": [{"redemption_id": rid, "code": code} for rid, code in codes.items()]}


def subjects_of(site: Site, address: str) -> dict:
    """{customer, tickets: [{ticket, subject}]}: the subject (the `Opened` record's text) of each ticket of
    `address` whose text this server holds and is not erased."""
    from servicecoin.servicelog.events import fetch_records
    from servicecoin.servicelog.records import ANCHOR, Kind, log_contract

    log_address = site.contracts().get("ServiceLog")
    out = []
    if log_address:
        log = log_contract(site.chain, log_address)
        me = address.lower()
        mine = [r for r in fetch_records(site.chain, log)
                if r.form != ANCHOR and r.kind == Kind.OPENED and r.customer.lower() == me]
        with ContentStore.for_network(site.network.id) as store:
            for r in mine:
                held = store.get(log.address, r.seq)
                if held is not None and held.text and held.matches(r.commitment):
                    out.append({"ticket": str(r.ticket), "subject": held.text})
    return {"customer": address, "tickets": out}


async def catalog(request: Request) -> Response:
    site = site_of(request)
    try:
        answer = await run_in_threadpool(catalog_of, site)
    except Exception as exc:
        return failure(exc, "/api/catalog", site)
    return json_answer(HTTPStatus.OK, answer, {"Cache-Control": "no-cache"})


async def image(request: Request) -> Response:
    site = site_of(request)
    found = CatalogMetadata(site.catalog).image(request.path_params["name"])
    if found is None:
        return error_answer(HTTPStatus.NOT_FOUND, f"no such picture: {request.url.path}")
    raw, ctype = found
    return Response(raw, HTTPStatus.OK, {"Cache-Control": "public, max-age=3600"}, media_type=ctype)


ROUTES = [
    Route("/api/catalog", catalog, methods=["GET"]),
    Route(IMAGES + "{name}", image, methods=["GET"]),
    Route("/api/vouchers", signed_in_endpoint(vouchers_of, "/api/vouchers"), methods=["GET"]),
    Route("/api/tickets", signed_in_endpoint(subjects_of, "/api/tickets"), methods=["GET"]),
]
