"""Customer notices (`svc notify run`, docs/notices.md): e-mail to customers who opted in on the page, at most
once per cause, and the agents' follow-up work list.

    settings.py   the `notices:` section of servicecoin.yaml
    db.py         the notices file (SQLite, WAL, synced commits): contacts, consent history, send log
    contacts.py   consent: double opt-in, kinds, one-click unsubscribe, opting out; addresses sealed per customer
    templates.py  subject, plain text and HTML of each kind of e-mail (built in, or the operator's folder)
    causes.py     what is due, from the index (and the token, for tier at risk), each with its cause
    outbox.py     recording each cause before its e-mail goes out; the confirmation e-mail; RFC 8058 headers
    run.py        one `svc notify run`: collect, deliver, one run at a time
    followups.py  the follow-up call queue to the help desk (signed webhook) or the agents (e-mail)

The HTTP side (consent on the page, the one-click unsubscribe POST) is servicecoin/serve/notices.py.
Importing the package registers its eraser with servicelog.erasure: `svc log erase --customer` deletes the
customer's contact, consent history and send log (their content key, which sealed the address, is destroyed
by the erasure itself).
"""

from __future__ import annotations

from servicecoin.servicelog.erasure import register_eraser


def _erase(network: str, address: str) -> int:
    from servicecoin.notices.contacts import ContactBook
    from servicecoin.notices.db import connect, store_path
    from servicecoin.notices.settings import load_settings

    path = store_path(network, load_settings().store)
    if not path.exists():
        return 0
    db = connect(path)
    try:
        return ContactBook(db, None).erase(address)
    finally:
        db.close()


register_eraser("notice contacts", _erase)
