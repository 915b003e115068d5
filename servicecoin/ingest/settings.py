"""The `agent:` section of servicecoin.yaml: where the queue is, how the webhooks are checked, when batches go
and when the service pushes back. Every setting is optional; a wrong one is a ConfigError naming it.

    agent:
      queue: null              # SQLite file; default .servicecoin/<network>/ingest/queue.sqlite
      secret_env: SVC_INGEST_SECRET
      max_skew_s: 300          # a signature timestamp further than this from the clock is refused
      flush_every_s: 1         # a batch at least this often ...
      flush_records: 1000      # ... or as soon as this many events are queued
      hold_s: 60               # an event whose ticket has no "opened" is held this long, then parked
      reorder_s: 0.5           # an event waits this long for an earlier one of its ticket delivered late
      max_queue: 100000        # events waiting for the chain; beyond it POST /events answers 429
      retry_after_s: 5         # the Retry-After of that 429
      port: 8090
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from servicecoin.errors import ConfigError

WHERE = "servicecoin.yaml: agent"


@dataclass(frozen=True)
class AgentSettings:
    queue: str | None = None
    secret_env: str = "SVC_INGEST_SECRET"
    max_skew_s: float = 300.0
    flush_every_s: float = 1.0
    flush_records: int = 1_000
    hold_s: float = 60.0
    reorder_s: float = 0.5
    max_queue: int = 100_000
    retry_after_s: int = 5
    port: int = 8090

    @classmethod
    def from_config(cls, section: Any) -> "AgentSettings":
        if section is None:
            return cls()
        if not isinstance(section, dict):
            raise ConfigError(f"{WHERE}: must be a mapping")
        known = {f.name: f for f in fields(cls)}
        values = {}
        for key, value in section.items():
            if key not in known:
                raise ConfigError(f"{WHERE}: unknown setting '{key}' (known: {', '.join(known)})")
            default = known[key].default
            if key in ("queue", "secret_env"):
                if value is not None and not isinstance(value, str):
                    raise ConfigError(f"{WHERE}.{key}: must be text")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or \
                    (isinstance(default, int) and not isinstance(value, int)):
                raise ConfigError(f"{WHERE}.{key}: must be a {'whole ' if isinstance(default, int) else ''}number "
                                  "of 0 or more")
            values[key] = value
        return cls(**values)
