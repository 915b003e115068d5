"""The server side of wallet sign-in: the nonces this server handed out (each good for one sign-in
attempt within NONCE_TTL, then gone — so a signed message cannot be replayed, not even after
signing out) and the sessions (a random token in an HttpOnly, SameSite=Strict cookie, bound to
the chain and the address, SESSION_TTL at most). Both tables are in memory and bounded: past
their size the oldest entries go first."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

NONCE_TTL = 600  # seconds a nonce may wait for its sign-in
SESSION_TTL = 900  # seconds a session lasts at most (15 minutes)
MAX_NONCES = 10_000
MAX_SESSIONS = 10_000
COOKIE = "svc_session"


@dataclass(frozen=True)
class Session:
    address: str
    chain_id: int
    expires: float  # Unix time


class NonceBook:
    """Nonces issued and not yet used; `take` uses one up whatever the sign-in's outcome."""

    def __init__(self, clock: Callable[[], float] = time.time, limit: int = MAX_NONCES):
        self.clock = clock
        self.limit = limit
        self._issued: OrderedDict[str, float] = OrderedDict()  # nonce → issued at, oldest first
        self._lock = threading.Lock()

    def issue(self) -> str:
        nonce = secrets.token_hex(16)  # 32 letters and digits, as EIP-4361 asks (8 or more)
        with self._lock:
            self._prune()
            self._issued[nonce] = self.clock()
            while len(self._issued) > self.limit:
                self._issued.popitem(last=False)
        return nonce

    def take(self, nonce: str) -> bool:
        """Whether `nonce` was issued here, is fresh, and unused; it is used from now on."""
        with self._lock:
            issued = self._issued.pop(nonce, None)
        return issued is not None and self.clock() - issued < NONCE_TTL

    def __len__(self) -> int:
        return len(self._issued)

    def _prune(self) -> None:
        now = self.clock()
        while self._issued and now - next(iter(self._issued.values())) >= NONCE_TTL:
            self._issued.popitem(last=False)


class SessionTable:
    """Signed-in sessions by token."""

    def __init__(self, clock: Callable[[], float] = time.time, limit: int = MAX_SESSIONS):
        self.clock = clock
        self.limit = limit
        self._sessions: OrderedDict[str, Session] = OrderedDict()  # oldest first
        self._lock = threading.Lock()

    def open(self, address: str, chain_id: int, until: float | None = None) -> tuple[str, Session]:
        """A new session for `address` on `chain_id`, ending after SESSION_TTL or at `until` if sooner."""
        expires = self.clock() + SESSION_TTL
        session = Session(address, chain_id, min(expires, until) if until is not None else expires)
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._prune()
            self._sessions[token] = session
            while len(self._sessions) > self.limit:
                self._sessions.popitem(last=False)
        return token, session

    def get(self, token: str | None) -> Session | None:
        """The live session of `token`, or None (unknown, ended or expired)."""
        if not token:
            return None
        with self._lock:
            session = self._sessions.get(token)
            if session is not None and session.expires <= self.clock():
                del self._sessions[token]
                session = None
        return session

    def close(self, token: str | None) -> bool:
        """End the session of `token`; whether there was one."""
        with self._lock:
            return self._sessions.pop(token or "", None) is not None

    def __len__(self) -> int:
        return len(self._sessions)

    def _prune(self) -> None:
        now = self.clock()
        for token in [t for t, s in self._sessions.items() if s.expires <= now][:100]:
            del self._sessions[token]
