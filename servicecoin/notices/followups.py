"""The agents' work list: the follow-up call queue (`svc followups`, statement.followups) delivered to the help
desk by webhook or to the agents by e-mail (`svc followups --deliver webhook|email`).

The webhook is a POST of the queue as JSON, signed like the help desk's own webhooks into `svc agent serve`
(ingest.auth: X-Signature = base64 HMAC-SHA256(secret, timestamp ‖ body), X-Signature-Timestamp), with the secret
from the variable `notices.followups.secret_env` names (SVC_FOLLOWUPS_SECRET). The body's `id` is the sha256 of
the queue's content, so the help desk can drop a list it already has. Each delivery carries the whole current
queue (it is a work list: a call that is made leaves it through the log).
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request

from servicecoin.errors import ConfigError, ServiceCoinError
from servicecoin.ingest.auth import load_secret, sign
from servicecoin.mailer import SmtpSettings, send_mail
from servicecoin.notices.settings import FollowupTargets


class DeliveryError(ServiceCoinError):
    """The help desk refused the work list or could not be reached."""


def payload(queue: dict, network: str) -> bytes:
    due = queue.get("due", [])
    digest = hashlib.sha256(json.dumps(due, sort_keys=True).encode()).hexdigest()
    return json.dumps({"type": "svc.followups", "id": digest, "network": network, "as_of": queue.get("as_of"),
                       "due": due}, separators=(",", ":")).encode()


def deliver_webhook(queue: dict, network: str, targets: FollowupTargets, timeout: float = 15) -> dict:
    """POST the queue to the help desk, signed; {status, id, due}."""
    if not targets.webhook_url:
        raise ConfigError("servicecoin.yaml: notices.followups.webhook_url is not set: the help desk's endpoint")
    secret = load_secret(targets.secret_env)
    body = payload(queue, network)
    stamp = str(int(time.time()))
    request = urllib.request.Request(targets.webhook_url, body, method="POST", headers={
        "Content-Type": "application/json", "X-Signature": sign(secret, stamp, body), "X-Signature-Timestamp": stamp})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"the help desk at {targets.webhook_url} answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"the help desk at {targets.webhook_url} could not be reached: {reason}") from None
    return {"status": status, "id": json.loads(body)["id"], "due": len(queue.get("due", []))}


def work_list_text(queue: dict, labels: dict[str, str] | None = None) -> str:
    lines = [f"Follow-up calls due: {len(queue.get('due', []))}", ""]
    for d in queue.get("due", []):
        who = (labels or {}).get(d["customer"], d["customer"])
        lines.append(f"- ticket {d['ticket']} ({d['why']}), customer {who}, resolved {d['resolved']}, "
                     f"{d['overdue_days']} days overdue")
    return "\n".join(lines) + "\n"


def deliver_email(queue: dict, targets: FollowupTargets, smtp: SmtpSettings, program: str = "ServiceCoin",
                  labels: dict[str, str] | None = None) -> dict:
    if not targets.email:
        raise ConfigError("servicecoin.yaml: notices.followups.email is not set: the agents' e-mail address")
    n = len(queue.get("due", []))
    message_id = send_mail(targets.email, f"{program}: {n} follow-up call{'s' if n != 1 else ''} due",
                           work_list_text(queue, labels), settings=smtp)
    return {"message_id": message_id, "to": targets.email, "due": n}


def deliver_followups(how: str, queue: dict, network: str, labels: dict[str, str] | None = None) -> dict:
    """Deliver the queue `how` (webhook | email) to the targets of servicecoin.yaml notices.followups."""
    from servicecoin.mailer import smtp_settings
    from servicecoin.notices.settings import load_settings

    settings = load_settings()
    if how == "webhook":
        return deliver_webhook(queue, network, settings.followups)
    if not settings.followups.email:  # before the SMTP settings: the first thing missing is named
        raise ConfigError("servicecoin.yaml: notices.followups.email is not set: the agents' e-mail address")
    return deliver_email(queue, settings.followups, smtp_settings(), settings.program, labels)
