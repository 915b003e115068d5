"""The e-mails: a subject, a plain-text body and an HTML body per kind, as `string.Template`s ($name
placeholders). The built-in ones are below; `notices.templates` names a folder whose `<kind>.subject`,
`<kind>.txt` and `<kind>.html` files replace them one by one. Values are HTML-escaped in the HTML body.

Placeholders every kind has: $program, $page (the customer page), $unsubscribe (a page link that stops every
notice with one click; the List-Unsubscribe header carries the one-click POST URL). Per kind:
    confirm    $confirm (the confirmation link), $kinds (what was asked for)
    expiry     $points, $date (of the first expiry), $days
    tier       $tier, $points (still to earn to keep it), $date (of the review)
    delivered  $item, $redemption
    rate       $ticket
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

from servicecoin.errors import ConfigError

FOOT_TEXT = "\n\n--\nYou get this because you asked for $program notices on $page.\nStop all notices: $unsubscribe\n"
FOOT_HTML = ('<hr><p style="color:#555;font-size:12px">You get this because you asked for $program notices on '
             '<a href="$page">our page</a>. <a href="$unsubscribe">Stop all notices</a> (one click).</p>')
BUILT_IN: dict[str, tuple[str, str, str]] = {
    "confirm": (
        "Confirm your $program notices",
        "Please confirm that you want $program notices ($kinds) at this address:\n\n$confirm\n\n"
        "If you did not ask for them, ignore this e-mail: nothing will be sent.\n",
        '<p>Please confirm that you want $program notices (<b>$kinds</b>) at this address.</p>'
        '<p><a href="$confirm">Confirm my e-mail address</a></p>'
        "<p>If you did not ask for them, ignore this e-mail: nothing will be sent.</p>",
    ),
    "expiry": (
        "$points $program points expire on $date",
        "$points of your points expire on $date (in $days days). Spend them before then: $page\n",
        "<p><b>$points</b> of your points expire on <b>$date</b> (in $days days).</p>"
        '<p><a href="$page">Spend them before then</a>.</p>',
    ),
    "tier": (
        "Keep your $tier tier: $points points to go",
        "Your $tier tier is reviewed on $date. Earn $points more points before then to keep it: $page\n",
        "<p>Your <b>$tier</b> tier is reviewed on <b>$date</b>.</p>"
        '<p>Earn <b>$points</b> more points before then to keep it. <a href="$page">See your progress</a>.</p>',
    ),
    "delivered": (
        "Your $item was delivered",
        "Your redemption #$redemption ($item) was delivered. Your voucher is on the page: $page\n",
        '<p>Your redemption #$redemption (<b>$item</b>) was delivered.</p><p><a href="$page">See it on your page</a>.</p>',
    ),
    "rate": (
        "How did we do with ticket $ticket?",
        "Your ticket $ticket was resolved. Please rate it (it earns you points): $page\n",
        '<p>Your ticket <b>$ticket</b> was resolved.</p><p><a href="$page">Please rate it</a> — it earns you points.</p>',
    ),
}


def _read(folder: Path | None, kind: str, suffix: str, default: str) -> str:
    if folder is not None and (folder / f"{kind}.{suffix}").is_file():
        return (folder / f"{kind}.{suffix}").read_text()
    return default


def render(kind: str, values: dict[str, object], folder: str | Path | None = None) -> tuple[str, str, str]:
    """(subject, text, html) of a `kind` e-mail with `values`; a ConfigError naming the template and the missing
    placeholder when an operator's template asks for one that is not there."""
    base = Path(folder) if folder else None
    subject, text, body = (_read(base, kind, s, d) for s, d in zip(("subject", "txt", "html"), BUILT_IN[kind]))
    plain = {k: str(v) for k, v in values.items()}
    escaped = {k: html.escape(v) for k, v in plain.items()}
    try:
        subject = " ".join(Template(subject).substitute(plain).split())
        text = Template(text + FOOT_TEXT).substitute(plain)
        page = Template('<!doctype html><html><body style="font-family:sans-serif">' + body + FOOT_HTML
                        + "</body></html>").substitute(escaped)
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"notices template '{kind}': unknown or malformed placeholder {exc}") from None
    return subject, text, page
