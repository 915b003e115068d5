"""Running the app under uvicorn: `make_server` binds the socket at once (so `port=0` picks a free
port and a busy one is a clear error) and returns a SiteServer with the small interface `svc
serve` and the tests use — serve_forever(), shutdown(), server_close(), server_address."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading

import uvicorn

from servicecoin.errors import ServiceCoinError
from servicecoin.serve.app import build_app
from servicecoin.serve.protocol import guarded_protocol
from servicecoin.serve.settings import ServeSettings
from servicecoin.serve.site import Site

DEFAULT_PORT = 8080


class AppServer:
    """An ASGI app under uvicorn on a bound socket, with the limits of `limits` (`svc serve`, `svc agent serve`)."""

    def __init__(self, app, sock: socket.socket, limits: ServeSettings, verbose: bool = False):
        self.socket = sock
        self.server_address = sock.getsockname()[:2]
        self.config = uvicorn.Config(
            app,
            http=guarded_protocol(limits.request_deadline, limits.max_connections),
            lifespan="off",
            # uvicorn's own 503 counts tasks (a relay still running after its client left); the
            # protocol refuses connections over the cap before that.
            limit_concurrency=limits.max_connections + 1,
            timeout_keep_alive=limits.keep_alive,
            proxy_headers=False,  # X-Forwarded-For is read only from serve.trusted_proxies (serve.client)
            server_header=False,
            access_log=verbose,
            log_config=None,
            log_level=logging.INFO if verbose else logging.WARNING,
        )
        if verbose:  # one line per request on stderr (log_config=None leaves uvicorn's loggers bare)
            access = logging.getLogger("uvicorn.access")
            if not access.handlers:
                access.addHandler(logging.StreamHandler())
            access.setLevel(logging.INFO)
        self.server = uvicorn.Server(self.config)
        self._stopped = threading.Event()

    def serve_forever(self) -> None:
        """Serve until shutdown() (from another thread) or Ctrl-C."""
        try:
            asyncio.run(self.server.serve(sockets=[self.socket]))
        finally:
            self._stopped.set()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for serve_forever to return."""
        self.server.should_exit = True
        self._stopped.wait(timeout)

    def server_close(self) -> None:
        self.socket.close()


class SiteServer(AppServer):
    """One `svc serve`: the site's app under uvicorn on a bound socket."""

    def __init__(self, site: Site, sock: socket.socket, verbose: bool = False):
        self.site = site
        super().__init__(build_app(site, bind=sock.getsockname()[0]), sock, site.settings, verbose)


def bind(host: str, port: int) -> socket.socket:
    """A listening, non-blocking socket on host:port (0: any free port); a busy port is one clear line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ServiceCoinError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def make_server(site: Site, host: str = "127.0.0.1", port: int = DEFAULT_PORT, verbose: bool = False) -> SiteServer:
    """A server for `site` listening on host:port (not yet serving; call serve_forever)."""
    return SiteServer(site, bind(host, port), verbose)
