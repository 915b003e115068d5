"""A sliding-window counter per key (a client, a customer) with a bounded table: keys idle for a
whole window are dropped, and past `max_keys` the least recently used go first, so neither time
nor a crowd of addresses grows it without end."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import Callable

from servicecoin.serve.settings import Window


class SlidingWindow:
    """At most `window.count` events per key in any `window.seconds`."""

    def __init__(self, window: Window, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic):
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

    def hit(self, key: str) -> bool:
        """Count an event for `key` if it is within the limit; whether it was."""
        with self._lock:
            events = self._current(key)
            if len(events) >= self.window.count:
                return False
            events.append(self.clock())
            return True

    def add(self, key: str) -> None:
        """Count an event for `key` whatever the count (a failure that already happened)."""
        with self._lock:
            events = self._current(key)
            events.append(self.clock())
            while len(events) > self.window.count:
                events.popleft()

    def full(self, key: str) -> bool:
        """Whether `key` has used up its window (counts nothing)."""
        with self._lock:
            return len(self._current(key)) >= self.window.count

    def __len__(self) -> int:
        return len(self._events)

    def _current(self, key: str) -> deque[float]:
        """`key`'s events still in the window, marked as just used; prunes the table first."""
        now = self.clock()
        self._prune(now)
        events = self._events.pop(key, None) or deque()
        while events and now - events[0] >= self.window.seconds:
            events.popleft()
        self._events[key] = events
        while len(self._events) > self.max_keys:
            self._events.popitem(last=False)
        return events

    def _prune(self, now: float) -> None:
        """Drop the keys whose newest event left the window (they sit at the front: least recently used)."""
        while self._events:
            key, events = next(iter(self._events.items()))
            if events and now - events[-1] < self.window.seconds:
                break
            del self._events[key]
