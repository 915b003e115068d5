"""A running `svc agent serve`: the queue, the flusher in a thread of its own, and the app under uvicorn with the
limits of the `serve:` section; /metrics also shows the agent key's ETH and the issuer budgets (servicecoin.watch)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from servicecoin.chain import Chain
from servicecoin.ingest.app import Ingest, build_app
from servicecoin.ingest.flusher import FlushSettings, Flusher
from servicecoin.ingest.metrics import Metrics
from servicecoin.ingest.queue import EventQueue
from servicecoin.ingest.settings import AgentSettings
from servicecoin.serve.server import AppServer, bind
from servicecoin.serve.settings import ServeSettings
from servicecoin.watch import StatusSettings, Watch


class Service:
    def __init__(self, chain: Chain, log, store, path: Path, settings: AgentSettings, secret: bytes,
                 limits: ServeSettings = ServeSettings(), host: str = "127.0.0.1", port: int = 0,
                 say: Callable[[str], None] = print, sender="agent", verbose: bool = False, flusher: bool = True,
                 status: StatusSettings = StatusSettings()):
        self.queue = EventQueue(path)
        flush = FlushSettings(settings.flush_every_s, settings.flush_records, settings.hold_s, settings.reorder_s)
        self.flusher = Flusher(chain, log, store, path, flush, sender, say)
        agent = self.flusher.account.address  # the key paying for the batches, watched with the deployment's
        self.metrics = self.flusher.metrics = Metrics(
            self.queue, lambda: Watch.for_deployment(chain, status, keys={"agent": agent}))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.flusher.run, args=(self.stop,), name="flusher", daemon=True)
        self.own_flusher = flusher  # False: another process flushes this queue (`svc agent flush`)
        secret_urls = [chain.network.rpc_url] if not chain.network.local else []
        alive = self.thread.is_alive if flusher else (lambda: True)
        self.ingest = Ingest(self.queue, secret, settings, limits, self.metrics, alive, secret_urls)
        sock = bind(host, port)
        self.server = AppServer(build_app(self.ingest, sock.getsockname()[0]), sock, limits, verbose)
        self.server_address = self.server.server_address

    def serve_forever(self) -> None:
        if self.own_flusher:
            self.thread.start()
        try:
            self.server.serve_forever()
        finally:
            self.close()

    def shutdown(self) -> None:
        self.server.shutdown()

    def close(self) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(30)
        self.server.server_close()
        self.queue.close()
        self.flusher.close()
