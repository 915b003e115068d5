// What became of each of the customer's redemptions (web/catalog.js lists them): open — or waiting too long,
// with whom to contact (catalog metadata, `svc catalog contact`) — delivered with the voucher code (after
// sign-in; web/content.js) checked against the merchant's on-chain commitment, refunded or cancelled.
import { ethers } from '/vendor/ethers.min.js';
import { formatDate } from './account.js';
import { content } from './content.js';

/** Whether `code` is the voucher committed as keccak256(abi.encodePacked(uint256 id, string code)). */
export function voucherMatches(id, code, voucherHash) {
  return Boolean(code) && ethers.solidityPackedKeccak256(['uint256', 'string'], [id, code]) === voucherHash;
}

function shortHex(hex) {
  return `${hex.slice(0, 8)}…${hex.slice(-6)}`;
}

export class RedemptionStatus {
  /** @param {{el: Function, points: Function}} o  el: the page's element builder; points: raw → text */
  constructor({ el, points }) {
    this.el = el;
    this.points = points;
  }

  /** The code check a customer can run by hand: the code they got by mail against the on-chain commitment. */
  checkForm(r) {
    const { el } = this;
    return el('details', { class: 'voucher-check' },
      el('summary', { text: 'Check my voucher code' }),
      el('form', {
        class: 'row',
        onsubmit: (e) => {
          e.preventDefault();
          const input = e.target.querySelector('input');
          const out = e.target.querySelector('output');
          const ok = voucherMatches(r.id, input.value.trim(), r.voucherHash);
          out.className = ok ? 'ok' : 'bad';
          out.textContent = ok
            ? 'This is the code the merchant recorded on chain.'
            : 'This code does not match what the merchant recorded. Check it, or contact the merchant.';
        },
      },
      el('input', { type: 'text', 'aria-label': 'Voucher code', autocomplete: 'off', required: true }),
      el('button', { type: 'submit', text: 'Check' }),
      el('output', { 'aria-live': 'polite' })));
  }

  /** The customer's voucher code (after sign-in), checked against the merchant's on-chain commitment. */
  voucherCell(r) {
    const { el } = this;
    const code = content.voucher(r.id);
    if (code === null) {
      return el('p', { class: 'muted small voucher-hint', text: content.address ? 'The merchant sent your code outside this page.' : 'Sign in to see your voucher code here.' });
    }
    const ok = voucherMatches(r.id, code, r.voucherHash);
    const copy = el('button', {
      type: 'button',
      class: 'link small',
      'aria-label': `Copy voucher code ${code}`,
      onclick: async (e) => {
        try { await navigator.clipboard.writeText(code); e.target.textContent = 'Copied'; } catch { e.target.textContent = 'Select the code to copy it'; }
      },
    }, 'Copy');
    return el('div', { class: 'voucher', 'data-voucher': ok ? 'match' : 'mismatch' },
      el('span', { class: 'voucher-label', text: 'Your voucher code' }),
      el('code', { class: 'voucher-code', text: code }),
      copy,
      el('span', { class: `voucher-proof ${ok ? 'ok' : 'bad'}`, text: ok ? '✓ matches the hash on chain' : `✗ does not match the hash on chain: ${this.contactText()}` }));
  }

  /** "contact Coffee Corner at help@… or https://…", from the catalog metadata. */
  contactText() {
    const m = content.merchant;
    const ways = [m.email, m.url].filter(Boolean).join(' or ');
    if (m.name && ways) return `contact ${m.name} at ${ways}`;
    if (ways) return `contact the merchant at ${ways}`;
    return 'contact the merchant who sold it';
  }

  contactLinks() {
    const { el } = this;
    const m = content.merchant;
    const links = [];
    if (m.email) links.push(el('a', { href: `mailto:${m.email}`, text: m.email }));
    if (m.url) links.push(el('a', { href: m.url, rel: 'noopener noreferrer', target: '_blank', text: 'help page' }));
    const parts = [`Contact ${m.name || 'the merchant'}`];
    if (!links.length) return el('span', { text: `${parts[0]} who sold it.` });
    const out = el('span', { text: `${parts[0]}: ` });
    links.forEach((a, i) => { if (i) out.append(' or '); out.append(a); });
    out.append('.');
    return out;
  }

  /** What became of redemption `r`, for the customer; `now`: the chain's time (seconds). */
  cell(r, now) {
    const { el } = this;
    if (r.status === 'fulfilled') {
      return el('div', { class: 'state' },
        el('span', { class: 'status confirmed', text: `Delivered on ${formatDate(r.closedTime)}` }),
        this.voucherCell(r),
        el('span', { class: 'muted small mono', title: r.voucherHash, text: `hash on chain ${shortHex(r.voucherHash)}` }),
        this.checkForm(r));
    }
    if (r.status === 'cancelled') {
      return el('div', { class: 'state' },
        el('span', { class: 'status refunded', text: `Cancelled on ${formatDate(r.closedTime)}: ${this.points(r.points)} points back` }));
    }
    if (r.status === 'refunded') {
      return el('div', { class: 'state' },
        el('span', { class: 'status refunded', text: `Refunded on ${formatDate(r.closedTime)}: ${this.points(r.points)} points back` }));
    }
    const days = Math.floor((Number(now ?? Math.floor(Date.now() / 1000)) - r.time) / 86400);
    if (days >= content.waitDays) {
      return el('div', { class: 'state late', 'data-late': 'true' },
        el('span', { class: 'status late', text: `Waiting since ${formatDate(r.time)} (${days} days)` }),
        el('p', { class: 'small contact' }, this.contactLinks()));
    }
    return el('div', { class: 'state' }, el('span', { class: 'status pending', text: 'Open: the merchant is preparing it' }));
  }
}
