"""uvicorn's HTTP/1.1 protocol (h11) with the two limits a public server needs against slow or
many clients, which uvicorn itself does not have:

- an overall deadline per request: from a connection's first byte (or the first byte of the next
  request on a kept-alive connection) until the request's whole body has arrived. A client that
  trickles a header line every few seconds, or opens a connection and sends nothing, is answered
  408 and cut off when it passes; the app sees the same deadline (scope extension `svc.deadline`),
  so a body that stalls is answered 408 by the app first;
- a cap on open connections: one more is answered 503 and closed at once, before it costs more
  than a socket.

Answers go out at once (TCP_NODELAY): uvicorn writes the head and the body of an answer separately, and on a
socket with Nagle's algorithm the body then waits for the client's delayed ACK, about 40 ms per request on Linux.

Malformed HTTP is answered with the one-line JSON error and the security headers (uvicorn's own
answer is plain text without them).
"""

from __future__ import annotations

import asyncio
import socket

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from servicecoin.serve.headers import raw_answer

TOO_SLOW = "the request took too long to arrive"
TOO_MANY = "the server has too many open connections; try again in a moment"
MALFORMED = "malformed HTTP request (request line, headers or Content-Length)"


class GuardedH11(H11Protocol):
    """H11Protocol with a deadline per request and a connection cap (set by `guarded_protocol`)."""

    deadline: float = 10.0
    max_connections: int = 100
    _timer: asyncio.TimerHandle | None = None
    _started: float = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            self.connections.discard(self)
            transport.write(raw_answer(503, TOO_MANY))
            transport.close()
            return
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._timer is None:
            self._arm()  # the first bytes of the next request on this connection
        super().data_received(data)
        self._track()

    def handle_events(self) -> None:
        super().handle_events()
        if self.scope is not None:  # tell the app when this request must have arrived
            self.scope.setdefault("extensions", {})["svc.deadline"] = self._started + self.deadline  # type: ignore[typeddict-item]

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        self._disarm()
        self.transport.write(raw_answer(400, MALFORMED))
        self.transport.close()

    # ------------------------------------------------------------------ the deadline
    def _track(self) -> None:
        """Keep the deadline while a request is arriving; drop it once its body is complete."""
        state = self.conn.their_state
        arriving = state is h11.SEND_BODY or (state is h11.IDLE and bool(self.conn.trailing_data[0]))
        if not arriving:
            self._disarm()

    def _arm(self) -> None:
        if self._timer is None:
            self._started = self.loop.time()
            self._timer = self.loop.call_later(self.deadline, self._expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if self.conn.our_state is h11.IDLE:  # nothing answered yet on this request
            self.transport.write(raw_answer(408, TOO_SLOW))
        self.transport.close()


def guarded_protocol(deadline: float, max_connections: int) -> type[GuardedH11]:
    """The protocol class for uvicorn's `http=` setting, with these limits."""
    return type("SiteH11", (GuardedH11,), {"deadline": float(deadline), "max_connections": int(max_connections)})
