// What the page shows besides the chain's own data, from `svc serve`:
//   - catalog metadata (public, GET /api/catalog): each item's name, description and picture, and whom to
//     contact about a redemption that waits too long (`svc catalog describe|contact`);
//   - after wallet sign-in only: the customer's voucher codes (GET /api/vouchers; the chain keeps only their
//     hash) and the subjects of their tickets (GET /api/tickets; the chain keeps only a commitment).
// Signing out, or another account, forgets the private part at once.

const TICKETS = 'tickets';

async function getJson(path) {
  const res = await fetch(path, { cache: 'no-store', credentials: 'same-origin' });
  if (!res.ok) return null;
  return res.json().catch(() => null);
}

export class PageContent {
  constructor() {
    this.catalog = { merchant: {}, items: {} };
    this.address = null; // the signed-in address the private part belongs to
    this.vouchers = new Map(); // redemption id (hex, no padding) → code
    this.subjects = new Map(); // ticket id (decimal string) → subject
    this.listeners = new Map(); // name → function: a newer listener of the same name replaces the older
    this.observer = null;
  }

  /** Run `fn` whenever what this holds changes (catalog loaded, signed in or out), instead of the earlier
   * listener called `name` (the page makes a new Catalog for every account and chain). */
  onChange(name, fn) {
    this.listeners.set(name, fn);
  }

  changed() {
    for (const fn of this.listeners.values()) fn(this);
    this.decorateTickets();
  }

  /** The public catalog metadata (once per page load; the page works without it). */
  async loadCatalog() {
    const data = await getJson('/api/catalog').catch(() => null);
    if (data && typeof data === 'object') {
      this.catalog = { merchant: data.merchant || {}, items: data.items || {} };
      this.changed();
    }
  }

  /** {name, description, image} of item `id` as the merchant described it ({} when not described). */
  item(id) {
    return this.catalog.items[String(id)] || {};
  }

  get merchant() {
    return this.catalog.merchant || {};
  }

  /** Days an open redemption may wait before the page says whom to contact. */
  get waitDays() {
    return Number(this.merchant.wait_days) > 0 ? Number(this.merchant.wait_days) : 7;
  }

  /** The code of redemption `id` (a bigint), or null. */
  voucher(id) {
    return this.vouchers.get(BigInt(id).toString(16)) ?? null;
  }

  subject(ticket) {
    return this.subjects.get(String(ticket)) ?? null;
  }

  /** The sign-in state changed: fetch (or forget) the customer's voucher codes and ticket subjects. */
  async signedIn(address) {
    const who = address ? address.toLowerCase() : null;
    if (who === this.address) return;
    this.address = who;
    this.vouchers.clear();
    this.subjects.clear();
    if (!who) {
      this.changed();
      return;
    }
    const [vouchers, tickets] = await Promise.all([getJson('/api/vouchers').catch(() => null), getJson('/api/tickets').catch(() => null)]);
    if (this.address !== who) return; // signed out or switched meanwhile
    for (const v of vouchers?.vouchers || []) {
      try { this.vouchers.set(BigInt(v.redemption_id).toString(16), String(v.code)); } catch { /* not an id */ }
    }
    for (const t of tickets?.tickets || []) this.subjects.set(String(t.ticket), String(t.subject));
    document.body.dataset.content = 'loaded';
    this.changed();
  }

  /** Put each ticket's subject under its number (the ticket rows are rebuilt on every refresh). */
  decorateTickets() {
    const list = document.getElementById(TICKETS);
    if (!list) return;
    if (!this.observer) {
      this.observer = new MutationObserver(() => this.decorateTickets());
      this.observer.observe(list, { childList: true });
    }
    for (const row of list.querySelectorAll('li[data-ticket]')) {
      const subject = this.subject(row.dataset.ticket);
      let line = row.querySelector('.subject');
      if (!subject) {
        line?.remove();
        continue;
      }
      if (!line) {
        line = Object.assign(document.createElement('span'), { className: 'subject' });
        row.querySelector('.what')?.after(line);
      }
      if (line.textContent !== subject) line.textContent = subject;
    }
  }
}

/** The one instance the page's modules share. */
export const content = new PageContent();
