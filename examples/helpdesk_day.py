#!/usr/bin/env python3
"""A demo help desk: posts a realistic day of ticket events to `svc agent serve`, signed as a help desk signs its
webhooks, and waits until each one is on chain (or parked, with the reason). Standard library only, so it also
shows the wire protocol an integration needs (docs/ingest.md):

    POST /events  {"id", "ticket", "kind", "customer", "text", "time", "channel", "outcome"}
    X-Signature-Timestamp: <unix seconds>
    X-Signature: base64(HMAC-SHA256(secret, timestamp ‖ body))

The day (default: yesterday, UTC; 08:00 to 18:00): 10 tickets of 5 customers, each opened, answered one to three
times and resolved; 3 customers complain (one of them is called back the same afternoon, satisfied); 2 more
follow-up calls (one reached, one not). Every event is delivered once, and a few again (a help desk's retries):
the service records them once. Event ids are derived from the day, so a second run of the same day adds nothing.

    export SVC_INGEST_SECRET=…            # the secret `svc agent serve` was started with
    python examples/helpdesk_day.py --url http://127.0.0.1:8090 [--day 2026-12-06] [--seed 7] [--json]

Exit code 0 when every event is confirmed on chain, 1 when some were parked or did not confirm in time.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

CHANNELS = ["e-mail", "chat", "phone", "e-mail", "chat"]
SUBJECTS = ["My order arrived broken", "Cannot log in to my account", "Refund not received", "Wrong size delivered",
            "Points missing after purchase", "Delivery is late", "Charged twice", "How do I change my address?",
            "The app crashes at checkout", "Gift card not accepted"]
REPLIES = ["Thanks for reaching out, we are looking into it.", "Could you send a photo of the label?",
           "We have sent a replacement today.", "Your refund has been issued; it takes 3-5 days.",
           "I have reset your password; please try again.", "We credited the missing points."]
COMPLAINTS = ["This is the third time I write about this.", "Nobody answered my call yesterday.",
              "I want to speak to a manager about the delay."]


def customers(seed: int, count: int = 5) -> list[str]:
    """Made-up customer addresses (in a real help desk: the address on the customer's profile, or its user id
    looked up in the table `svc agent customers` loads)."""
    return ["0x" + hashlib.sha256(f"helpdesk-demo-customer-{seed}-{i}".encode()).hexdigest()[:40] for i in range(count)]


def day_of_events(day: str, seed: int = 7) -> list[dict]:
    """The day's events in the help desk's time order."""
    rng = random.Random(f"{day}/{seed}")
    start = int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()) + 8 * 3600
    people = customers(seed)
    base_ticket = int(day.replace("-", "")) * 100  # tickets numbered per day: 2026120601, …
    events: list[dict] = []

    def add(ticket: int, kind: str, at: int, customer: str, text: str | None = None, channel: str | None = None,
            **more) -> None:
        events.append({"id": f"hd-{day}-{len(events) + 1:03d}", "ticket": ticket, "kind": kind, "customer": customer,
                       "time": at, **({"text": text} if text else {}), **({"channel": channel} if channel else {}),
                       **more})

    complainers = set(rng.sample(range(10), 3))
    calls = sorted(set(range(10)) - complainers)[:2]
    for n in range(10):
        ticket, customer, channel = base_ticket + n + 1, people[n % len(people)], CHANNELS[n % len(CHANNELS)]
        at = start + n * 45 * 60 + rng.randrange(0, 600)  # a new ticket every 45 minutes or so
        add(ticket, "opened", at, customer, SUBJECTS[n], channel)
        for _ in range(rng.randint(1, 3)):
            at += rng.randrange(300, 2400)
            add(ticket, "reply", at, customer, rng.choice(REPLIES), channel)
        if n in complainers:
            at += rng.randrange(300, 1800)
            add(ticket, "complaint", at, customer, rng.choice(COMPLAINTS), channel)
        at += rng.randrange(600, 3600)
        add(ticket, "resolved", at, customer)
        if n == min(complainers):  # called back the same afternoon: this complaint needs no more calls
            add(ticket, "followup", at + 2 * 3600, customer, "Called back, the customer is happy now", "phone",
                outcome="satisfied")
        elif n in calls:
            add(ticket, "followup", at + 3 * 3600, customer, None, "phone",
                outcome="reached" if n == calls[0] else "not-reached")
    return sorted(events, key=lambda e: (e["time"], e["id"]))


def post(url: str, secret: bytes, event: dict) -> tuple[int, dict]:
    body = json.dumps(event, separators=(",", ":")).encode()
    stamp = str(int(time.time()))
    signature = base64.b64encode(hmac.new(secret, stamp.encode() + body, hashlib.sha256).digest()).decode()
    request = urllib.request.Request(f"{url}/events", body, method="POST", headers={
        "Content-Type": "application/json", "X-Signature-Timestamp": stamp, "X-Signature": signature})
    return _send(request)


def status(url: str, event_id: str) -> dict:
    return _send(urllib.request.Request(f"{url}/events/{event_id}"))[1]


def _send(request: urllib.request.Request) -> tuple[int, dict]:
    for attempt in range(20):  # 429 and 503 say when to come back; a help desk retries
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            if exc.code in (429, 503) and attempt < 19:
                time.sleep(min(float(exc.headers.get("Retry-After") or 1), 5))
                continue
            return exc.code, json.loads(exc.read() or b"{}")
    raise RuntimeError("unreachable")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8090", help="where `svc agent serve` listens")
    parser.add_argument("--secret-env", default="SVC_INGEST_SECRET", help="the variable holding the signing secret")
    parser.add_argument("--day", default=(datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%d"),
                        help="the help desk's day, YYYY-MM-DD (default: yesterday, UTC)")
    parser.add_argument("--seed", type=int, default=7, help="another seed, another day's story")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for the chain")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    args = parser.parse_args(argv)
    secret = os.environ.get(args.secret_env, "")
    if len(secret) < 16:
        print(f"error: set {args.secret_env} to the secret svc agent serve was started with", file=sys.stderr)
        return 2
    try:
        datetime.strptime(args.day, "%Y-%m-%d")
    except ValueError:
        print(f"error: --day {args.day!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    url = args.url.rstrip("/")
    events = day_of_events(args.day, args.seed)
    rng = random.Random(args.seed)
    retries = rng.sample(events, 3)
    accepted = duplicates = 0
    try:
        for event in events + retries:  # the day, then three webhooks the help desk delivers again
            code, answer = post(url, secret.encode(), event)
            if code != 202:
                print(f"error: {event['id']} was refused ({code}): {answer.get('error')}", file=sys.stderr)
                return 1
            duplicates += answer["duplicate"]
            accepted += not answer["duplicate"]
        if not args.json:
            print(f"posted {len(events)} events of {args.day} ({len({e['ticket'] for e in events})} tickets), "
                  f"{len(retries)} delivered twice: {accepted} new, {duplicates} already recorded")
        deadline, states = time.monotonic() + args.timeout, {}
        while time.monotonic() < deadline:
            states = {e["id"]: status(url, e["id"]) for e in events}
            if all(s.get("state") in ("confirmed", "parked") for s in states.values()):
                break
            time.sleep(0.5)
    except (urllib.error.URLError, OSError) as exc:
        print(f"error: {url} cannot be reached ({getattr(exc, 'reason', exc)}); is svc agent serve running?",
              file=sys.stderr)
        return 1
    counts: dict[str, int] = {}
    for s in states.values():
        counts[s.get("state", "unknown")] = counts.get(s.get("state", "unknown"), 0) + 1
    parked = {i: s.get("reason") for i, s in states.items() if s.get("state") == "parked"}
    if args.json:
        print(json.dumps({"day": args.day, "events": len(events), "new": accepted, "duplicates": duplicates,
                          "states": counts, "parked": parked}, indent=2))
    else:
        print("on chain: " + ", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
        for event_id, reason in parked.items():
            print(f"  parked {event_id}: {reason}")
    return 0 if counts.get("confirmed") == len(events) else 1


if __name__ == "__main__":
    sys.exit(main())
