"""Helpers of the HTTP-level tests: a `svc serve` in a thread with given settings, and raw sockets
(loopback only; every loop is bounded)."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading

from servicecoin.networks import Network
from servicecoin.serve import ServeSettings, Site, make_server

TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
RECORD = {"network": "t", "chain_id": 31337, "rpc_url": "http://127.0.0.1:9", "block": 7,
          "contracts": {"RewardToken": TOKEN}}
SECURITY = ("content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options")


@contextlib.contextmanager
def serving(settings: ServeSettings | None = None, record: dict | None = None, **site_options):
    """A running server for a chainless site (`site_options`: more Site fields); yields it
    (server.server_address[1] is the port)."""
    record = record or RECORD
    site = Site(record, Network(record["network"], record["rpc_url"], True), settings=settings or ServeSettings(),
                **site_options)
    server = make_server(site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def request(server, method, path, body=b"", headers=None):
    """(status, headers as a lower-case dict, body) of one request on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=15)
    conn.request(method, path, body=body, headers=headers or {})
    res = conn.getresponse()
    data = res.read()
    conn.close()
    return res.status, {k.lower(): v for k, v in res.getheaders()}, data


def connect(server, timeout: float = 15) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=timeout)


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or the socket's timeout)."""
    chunks = []
    while True:
        try:
            chunk = sock.recv(4096)
        except (TimeoutError, ConnectionResetError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)
