"""The OpenAPI document of `svc serve` (GET /openapi.json) is valid OpenAPI 3.1, lists every JSON
route of the app and every relay the deployment offers, and its page (/api/docs) links it."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from servicecoin import relay  # noqa: F401  registers the real relays
from servicecoin.serve.app import ROUTES
from tests.offchain.serve.httpkit import RECORD, request, serving

VAULT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
LOG = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"
PAGES = {"/{path:path}", "/api/docs", "/api/{name:path}", "/catalog-images/{name}"}  # pages, pictures, the relay pattern


@pytest.fixture(autouse=True)
def isolation():
    """No chain state involved."""


@pytest.fixture(scope="module")
def spec_and_docs():
    record = {**RECORD, "contracts": {**RECORD["contracts"], "RedemptionVault": VAULT, "ServiceLog": LOG}}
    with serving(record=record) as srv:
        status, headers, body = request(srv, "GET", "/openapi.json")
        assert status == 200 and headers["content-type"].startswith("application/json")
        docs = request(srv, "GET", "/api/docs")
        yield json.loads(body), docs


def test_the_document_is_valid_openapi(spec_and_docs):
    spec, _ = spec_and_docs
    validate(spec)
    assert spec["openapi"].startswith("3.1")


def test_every_json_route_and_relay_is_documented(spec_and_docs):
    spec, _ = spec_and_docs
    routes = {(r.path, m.lower()) for r in ROUTES if r.path not in PAGES for m in r.methods if m != "HEAD"}
    documented = {(p, m) for p, ops in spec["paths"].items() for m in ops}
    assert routes <= documented
    for name in ("redeem", "feedback", "feedback/prepare", "feedback/confirm"):
        body = spec["paths"][f"/api/{name}"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["required"] and set(body["required"]) <= set(body["properties"])
    assert "signature" in spec["paths"]["/api/redeem"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]


def test_only_the_relays_this_deployment_offers_are_listed():
    with serving() as srv:
        spec = json.loads(request(srv, "GET", "/openapi.json")[2])
    assert "/api/redeem" not in spec["paths"] and "/api/siwe/login" in spec["paths"]


def test_the_docs_page_lists_the_operations_and_links_the_document(spec_and_docs):
    _, (status, headers, body) = spec_and_docs
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b'href="/openapi.json"' in body and b"/api/siwe/login" in body and b"<script" not in body
