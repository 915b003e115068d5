// Actions on the customer's points: feedback on resolved tickets (ServiceLog) and redemptions
// (RedemptionVault). Each section shows only when its contract is deployed. Requests are signed in
// the wallet and relayed by `svc serve` (no ETH needed), or sent directly by customers who have ETH.
import { ethers } from '/vendor/ethers.min.js';
import { RelayError, walletMessage } from './wallet.js';
import { formatDate, formatPoints } from './account.js';

const KIND = { Opened: 0, Reply: 1, Resolved: 2, FollowUp: 3, Complaint: 4, Feedback: 5, Amendment: 6 };

/** The small fields a ServiceLog `Recorded` event packs into its `info` word (IServiceLog.sol). */
export function recordInfo(info) {
  const u64 = (shift) => (info >> shift) & 0xffffffffffffffffn;
  return { seq: u64(0n), timestamp: u64(64n), ref: u64(128n), detail: Number((info >> 192n) & 0xffn), kind: Number((info >> 200n) & 0xffn) };
}

/** The 71-byte packed records of a `BatchRecorded` batch (layout in IServiceLog.sol). */
export function packedRecords(hex) {
  const bytes = ethers.getBytes(hex);
  const out = [];
  for (let at = 0; at + 71 <= bytes.length; at += 71) {
    const b = bytes[at];
    out.push({
      kind: b >> 5, channel: (b >> 2) & 7, detail: b & 3,
      ticket: ethers.toBigInt(bytes.slice(at + 1, at + 9)),
      customer: ethers.hexlify(bytes.slice(at + 9, at + 29)).toLowerCase(),
      time: ethers.toBigInt(bytes.slice(at + 66, at + 71)),
    });
  }
  return out;
}

/** POST a JSON request to the relay API; throws a RelayError (status 0: no answer) with the server's line. */
export async function relay(path, body) {
  let res;
  try {
    res = await fetch(`/api/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new RelayError(0, 'no answer');
  }
  let data = {};
  try { data = await res.json(); } catch { /* empty */ }
  if (!res.ok) throw new RelayError(res.status, data.error || `status ${res.status}`, data.field);
  return data;
}

export class Actions {
  constructor(ctx) {
    this.ctx = ctx; // { state, track, showMessage, refresh, el, txLink }
    this.feedbackTicket = null;
    this.ethBalance = 0n;
    const form = document.getElementById('feedback-form');
    if (!form.dataset.bound) {
      form.dataset.bound = 'true';
      form.addEventListener('submit', (e) => { e.preventDefault(); this.ctx.state.actions.submitFeedback(); });
      document.getElementById('feedback-cancel').addEventListener('click', () => document.getElementById('feedback-dialog').close());
    }
  }

  get config() {
    return this.ctx.state.config;
  }

  get provider() {
    return this.ctx.state.provider;
  }

  has(contract) {
    return Boolean(this.config.contracts[contract] && this.config.abis[contract]);
  }

  contract(name, runner = this.provider) {
    return new ethers.Contract(this.config.contracts[name], this.config.abis[name], runner);
  }

  /** Render the action sections for `account` (called after every refresh). */
  async render(account, summary) {
    const hasLog = this.has('ServiceLog');
    const hasVault = this.has('RedemptionVault');
    document.getElementById('tickets-card').hidden = !hasLog;
    document.getElementById('catalog-card').hidden = !hasVault;
    this.ethBalance = await this.provider.getBalance(account);
    if (hasLog) await this.renderTickets(account, summary);
    if (hasVault && this.renderCatalog) await this.renderCatalog(account, summary);
  }

  // --------------------------------------------------------------------------- tickets & feedback
  async tickets(account, toBlock) {
    const log = this.contract('ServiceLog');
    const from = this.config.deployment_block || 0;
    const [single, batches] = await Promise.all([
      log.queryFilter(log.filters.Recorded(null, account), from, toBlock),
      log.interface.getEvent('BatchRecorded') ? log.queryFilter(log.filters.BatchRecorded(), from, toBlock) : [],
    ]);
    const records = single.map((ev) => ({ id: ev.args.ticket, ...recordInfo(ev.args.info) }));
    const me = account.toLowerCase();
    for (const ev of batches) {
      let data = ev.args.records;
      if (data === '0x') { // an agent key's batch: the records are the transaction's input
        const tx = await this.provider.getTransaction(ev.transactionHash);
        [data] = log.interface.decodeFunctionData('appendPacked', tx.data);
      }
      packedRecords(data).forEach((r, i) => {
        if (r.customer === me) records.push({ ...r, id: r.ticket, seq: ev.args.firstSeq + BigInt(i), timestamp: ev.args.timestamp });
      });
    }
    records.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    const byTicket = new Map();
    for (const { id, kind, timestamp, detail, seq } of records) {
      const t = byTicket.get(id) || { id, status: 'open', opened: null, resolved: null, rating: null, seq: null };
      if (kind === KIND.Opened) t.opened = timestamp;
      if (kind === KIND.Resolved) { t.status = 'resolved'; t.resolved = timestamp; }
      if (kind === KIND.Feedback) { t.rating = detail; t.seq = seq; }
      byTicket.set(id, t);
    }
    return [...byTicket.values()].sort((a, b) => Number((b.opened ?? 0n) - (a.opened ?? 0n)));
  }

  async renderTickets(account, summary) {
    const { el } = this.ctx;
    const [tickets, rewards] = await Promise.all([this.tickets(account, summary.block), this.contract('ServiceLog').rewards()]);
    const reward = formatPoints(rewards[0], this.config.token.decimals);
    const rows = tickets.map((t) => {
      let state;
      let action = null;
      if (t.rating !== null) {
        state = `Feedback given: ${'★'.repeat(t.rating)}${'☆'.repeat(5 - t.rating)}`;
      } else if (t.status === 'resolved') {
        state = `Resolved on ${formatDate(t.resolved)}`;
        action = el('button', {
          type: 'button', class: 'primary', 'data-ticket': String(t.id),
          onclick: () => this.openFeedback(t.id),
        }, `Rate this ticket${rewards[0] > 0n ? ` (+${reward} points)` : ''}`);
      } else {
        state = `Open since ${formatDate(t.opened ?? 0n)}`;
      }
      return el('li', { class: 'ticket', 'data-ticket': String(t.id) },
        el('span', { class: 'what', text: `Ticket #${t.id}` }), el('span', { class: 'when', text: state }), action);
    });
    document.getElementById('tickets').replaceChildren(...rows);
    document.getElementById('tickets-empty').hidden = rows.length > 0;
  }

  openFeedback(ticket) {
    this.feedbackTicket = ticket;
    const form = document.getElementById('feedback-form');
    form.reset();
    document.getElementById('feedback-ticket').textContent = `Ticket #${ticket}`;
    const dialog = document.getElementById('feedback-dialog');
    if (dialog.open) dialog.close();
    const direct = document.getElementById('feedback-direct-row');
    direct.hidden = this.ethBalance === 0n;
    dialog.showModal();
    form.querySelector('input[name="rating"]').focus();
  }

  async submitFeedback() {
    const { state, track, refresh } = this.ctx;
    const form = document.getElementById('feedback-form');
    const rating = Number(new FormData(form).get('rating'));
    const note = document.getElementById('feedback-state');
    if (!rating) {
      note.hidden = false;
      note.className = 'request-state status failed';
      note.textContent = 'Choose a rating from 1 to 5 first.';
      form.querySelector('input[name="rating"]').focus();
      return;
    }
    const text = document.getElementById('feedback-text').value;
    const direct = document.getElementById('feedback-direct').checked;
    const ticket = this.feedbackTicket;
    const t = track(`Feedback on ticket #${ticket}`, {
      dialog: 'feedback-dialog', key: `feedback:${ticket}`, retry: { kind: 'feedback', ticket: String(ticket) },
    });
    const customer = state.account;
    try {
      t.waiting('Saving your words…');
      const prep = await relay('feedback/prepare', { ticket: String(ticket), customer, rating, text });
      const domain = prep.typed_data.domain;
      if (ethers.getAddress(domain.verifyingContract) !== ethers.getAddress(this.config.contracts.ServiceLog)
        || Number(domain.chainId) !== this.config.chain_id || String(prep.typed_data.message.ticket) !== String(ticket)
        || Number(prep.typed_data.message.rating) !== rating) {
        throw new Error('the server asked to sign something else than your feedback; nothing was signed');
      }
      let result;
      if (direct) {
        t.waiting('Confirm the transaction in your wallet…');
        const signer = await this.provider.getSigner(customer);
        const tx = await this.contract('ServiceLog', signer).giveFeedback(ticket, rating, prep.commitment);
        t.sent(tx.hash);
        const receipt = await tx.wait();
        if (receipt.status !== 1) throw new Error('the network refused the transaction; no points were spent');
        result = await relay('feedback/confirm', { tx: tx.hash });
      } else {
        t.waiting('Sign your feedback in your wallet (free, no ETH needed)…');
        const signature = await state.wallet.request('eth_signTypedData_v4', [customer, JSON.stringify(prep.typed_data)]);
        t.waiting('Sending: our relayer submits it and pays the network fee…');
        result = await relay('feedback', {
          ticket: String(ticket), customer, rating, commitment: prep.commitment, deadline: prep.deadline, signature,
        });
        t.sent(result.tx);
      }
      const paid = BigInt(result.reward_paid ?? 0);
      t.confirmed(paid > 0n ? `Confirmed: thank you! +${formatPoints(paid, this.config.token.decimals)} points` : 'Confirmed: thank you!');
      await refresh(true);
    } catch (err) {
      t.fail(err, 'Sending your feedback');
    }
  }
}
