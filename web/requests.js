// The customer's requests (feedback, redemptions): their state — signing, sending, sent, confirmed,
// failed — shown in the dialog that started them and in one list in the header, kept per chain and
// account in localStorage so a reload neither forgets a pending request nor lets it be paid twice.
import { $, el, chainLink } from './dom.js';

const ACTIVE = new Set(['signing', 'sending', 'sent']);
const KEEP_MS = 15 * 60 * 1000; // finished requests stay listed this long, or until dismissed
const MAX_KEPT = 8;
const STATUS_CLASS = { signing: 'pending', sending: 'pending', sent: 'pending', confirmed: 'confirmed', failed: 'failed' };
const INTERRUPTED = 'The page was closed before this was sent; nothing was spent. Check your points below, then try again.';

function storage() {
  try { return window.localStorage; } catch { return null; } // private mode: kept for this visit only
}

/** The feedback or redeem dialog showing the state of the request it started. */
class DialogState {
  constructor(dialog, id) {
    this.dialog = dialog;
    this.id = id;
    this.form = dialog.querySelector('form');
    this.submit = this.form.querySelector('button[type="submit"]');
    this.cancel = this.form.querySelector('button[type="button"]');
    this.line = dialog.querySelector('.request-state');
    dialog.dataset.owner = id;
    if (!dialog.dataset.watched) {
      dialog.dataset.watched = 'true';
      this.submit.dataset.label = this.submit.textContent;
      dialog.addEventListener('close', () => DialogState.reset(dialog));
    }
  }

  static reset(dialog) {
    delete dialog.dataset.owner;
    delete dialog.dataset.request;
    const form = dialog.querySelector('form');
    const submit = form.querySelector('button[type="submit"]');
    submit.hidden = false;
    submit.removeAttribute('aria-busy');
    if (submit.dataset.label) submit.textContent = submit.dataset.label;
    form.querySelector('button[type="button"]').textContent = 'Cancel';
    for (const input of form.querySelectorAll('input, textarea')) input.disabled = false;
    const line = dialog.querySelector('.request-state');
    line.hidden = true;
    line.textContent = '';
  }

  set(state, text) {
    if (this.dialog.dataset.owner !== this.id || !this.dialog.open) return; // closed, or another request's now
    const active = ACTIVE.has(state);
    this.dialog.dataset.request = state;
    this.line.hidden = false;
    this.line.className = `request-state status ${STATUS_CLASS[state]}`;
    this.line.textContent = text;
    for (const input of this.form.querySelectorAll('input, textarea')) input.disabled = active || state === 'confirmed';
    this.cancel.textContent = 'Close';
    if (active) {
      this.submit.disabled = true;
      this.submit.setAttribute('aria-busy', 'true');
      this.submit.textContent = state === 'signing' ? 'Waiting for your wallet…' : 'Sending…';
    } else if (state === 'confirmed') {
      this.submit.hidden = true;
      this.submit.removeAttribute('aria-busy');
      this.cancel.focus();
    } else {
      this.submit.disabled = false;
      this.submit.removeAttribute('aria-busy');
      this.submit.textContent = 'Try again';
    }
  }
}

export class Requests {
  /** @param {{config: object, onChange: Function, onRetry: Function}} o onChange() after every state
   *  change (the page re-applies pending locks); onRetry(entry) reopens the action of a failed request. */
  constructor({ config, onChange = () => {}, onRetry = () => {} }) {
    this.config = config;
    this.onChange = onChange;
    this.onRetry = onRetry;
    this.entries = [];
    this.storeKey = null;
    this.live = new Map(); // id → entry of the requests this visit started and has not settled yet
  }

  /** Show the requests of `account` on `chainId` (null: none); those cut off by a reload before sending are failed. */
  use(chainId, account) {
    const key = account ? `svc.requests.${chainId}.${account.toLowerCase()}` : null;
    if (key && key === this.storeKey) return; // the same account again (a wallet event): keep the live requests
    this.storeKey = key;
    this.entries = [];
    if (this.storeKey) {
      try { this.entries = JSON.parse(storage()?.getItem(this.storeKey) || '[]'); } catch { this.entries = []; }
      this.entries = this.entries.map((e) => this.live.get(e.id) || e);
    }
    const now = Date.now();
    this.entries = this.entries.filter((e) => ACTIVE.has(e.state) || e.state === 'failed' || now - e.at < KEEP_MS);
    for (const e of this.entries) {
      if ((e.state === 'signing' || e.state === 'sending') && !e.live) Object.assign(e, { state: 'failed', text: `Failed: ${INTERRUPTED}` });
    }
    this.save();
  }

  save() {
    const kept = this.entries.slice(0, MAX_KEPT).map(({ live, ...e }) => e);
    if (this.storeKey) {
      try { storage()?.setItem(this.storeKey, JSON.stringify(kept)); } catch { /* full or private: this visit only */ }
    }
    this.render();
    this.onChange();
  }

  /** The request with `key` still under way (signing, sending or sent), if any. */
  active(key) {
    return this.entries.find((e) => e.key === key && ACTIVE.has(e.state)) || null;
  }

  /** Start tracking a request; its dialog (id) shows the same states. Returns the handle actions use. */
  start({ label, key, retry = null, dialog = null }) {
    const entry = { id: `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`, label, key, retry, state: 'signing', text: 'Waiting for your wallet…', tx: null, at: Date.now(), live: true };
    this.entries.unshift(entry);
    this.live.set(entry.id, entry);
    const view = dialog && $(dialog)?.open ? new DialogState($(dialog), entry.id) : null;
    const set = (state, text, patch = {}) => {
      Object.assign(entry, { state, text, at: Date.now(), ...patch });
      if (!ACTIVE.has(state)) this.live.delete(entry.id);
      if (state === 'confirmed') {
        // A success answers the failures of the same request before it.
        this.entries = this.entries.filter((e) => e === entry || e.key !== key || e.state !== 'failed');
      }
      view?.set(state, text);
      this.save();
    };
    set('signing', entry.text);
    return { entry, set };
  }

  /** Requests sent before a reload: ask the chain for their receipts. Resolves to whether any settled. */
  async check(provider) {
    let settled = false;
    for (const e of this.entries.filter((x) => x.state === 'sent' && x.tx && !x.live)) {
      const receipt = await provider.getTransactionReceipt(e.tx);
      if (!receipt) continue;
      settled = true;
      Object.assign(e, receipt.status === 1
        ? { state: 'confirmed', text: 'Confirmed', at: Date.now() }
        : { state: 'failed', text: 'Failed: the network refused it; no points were spent', at: Date.now() });
      if (e.state === 'confirmed') this.entries = this.entries.filter((x) => x === e || x.key !== e.key || x.state !== 'failed');
    }
    if (settled) this.save();
    return settled;
  }

  dismiss(entry) {
    this.entries = this.entries.filter((e) => e !== entry);
    this.save();
    $('main').focus();
  }

  render() {
    const list = $('activity');
    const rows = this.entries.map((e) => {
      const finished = !ACTIVE.has(e.state);
      return el('li', { class: 'activity', 'data-key': e.key || '', 'data-state': e.state },
        el('span', { class: 'what', text: e.label }),
        el('span', { class: `status ${STATUS_CLASS[e.state]}`, text: e.text }),
        e.tx ? chainLink(this.config, 'tx', e.tx) : null,
        e.state === 'failed' && e.retry
          ? el('button', { type: 'button', class: 'small-button', onclick: () => this.onRetry(e), 'aria-label': `Try again: ${e.label}`, text: 'Try again' })
          : null,
        finished ? el('button', { type: 'button', class: 'link small', onclick: () => this.dismiss(e), 'aria-label': `Dismiss: ${e.label}`, text: 'Dismiss' }) : null);
    });
    list.replaceChildren(...rows);
    $('activity-card').hidden = rows.length === 0;
    const pending = this.entries.filter((e) => ACTIVE.has(e.state)).length;
    $('activity-count').textContent = pending ? `${pending} in progress` : '';
    document.body.dataset.requests = String(pending);
  }
}
