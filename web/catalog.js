// The catalog and the customer's redemptions (RedemptionVault): browse, redeem, follow each
// redemption until the merchant delivers (voucher) or refunds it.
//
// Redeeming is gasless by default: the page builds the EIP-712 `Redeem` request from the chain (the
// vault's own eip712Domain(), the price in force, a random nonce, a deadline one hour after the later
// of the wall clock and the latest block, as the relay requires), the customer signs it with eth_signTypedData_v4, and `svc serve` relays it (POST /api/redeem).
// A customer with ETH may instead send `redeem(item, quantity, maxPoints)` themselves. Either way the most
// points paid is the total the dialog showed (price × quantity): a price change in between reverts.
// Statuses come from the vault's events alone (Redeemed, Fulfilled, Refunded): the vault reuses the
// storage of finished redemptions, so the events are the lasting record.
import { ethers } from '/vendor/ethers.min.js';
import { walletMessage } from './wallet.js';
import { formatDate, formatDateTime, formatPoints } from './account.js';
import { relay } from './actions.js';
import { content } from './content.js';
import { RedemptionStatus } from './redemption-status.js';

export const KINDS = ['Gift', 'Discount voucher', 'Exclusive service'];
const UNLIMITED = 2n ** 32n - 1n;
const NONCE_MASK = (1n << 63n) - 1n; // signed-request nonces are below 2**63
const SIGNATURE_VALID_S = 3600; // a signed request stays valid one hour (chain time)
const MAX_QTY = 99; // the most units the page offers in one redemption
const ID_BATCH = 100; // redemption ids per Fulfilled query (topics OR-list)

/** Contract errors (vault and token) in words a customer understands. */
const PLAIN = {
  ERC20InsufficientBalance: 'you do not have enough points that are still valid',
  OutOfStock: 'it is out of stock',
  TierTooLow: 'your tier is too low for it',
  PriceAboveLimit: 'the price changed; look at the new price and try again',
  ItemInactive: 'it is no longer offered',
  UnknownItem: 'it is not in the catalog',
  EnforcedPause: 'redemptions are paused for a moment; try again later',
  SignatureExpired: 'your signature expired; try again',
  NonceUsed: 'this request was already used; try again',
  InvalidSignature: 'the signature did not match your account',
};

/** "demo://gift/coffee-mug" → "Coffee mug"; a URI without a readable name gives "Gift #3". */
export function itemName(id, kind, uri) {
  const last = (uri || '').split(/[/?#]/).filter(Boolean).pop() || '';
  const slug = last.replace(/\.[a-z0-9]+$/i, '');
  const readable = /^[a-z0-9]+([-_][a-z0-9]+)*$/i.test(slug) && /[a-z]/i.test(slug) && slug.length <= 40
    && !/^(0x)?[0-9a-f]{16,}$/i.test(slug) && !/^(metadata|index|item)$/i.test(slug);
  if (readable) {
    const words = slug.replace(/[-_]+/g, ' ');
    return words.charAt(0).toUpperCase() + words.slice(1);
  }
  return `${KINDS[kind] || 'Item'} #${id}`;
}

/** The contract error's name inside whatever ethers, the wallet or the relay threw. */
export function errorName(err, interfaces = []) {
  for (let e = err, depth = 0; e && depth < 5; depth += 1) {
    if (e.revert?.name) return e.revert.name;
    const data = typeof e.data === 'string' ? e.data : e.data?.data;
    if (typeof data === 'string' && data.length >= 10) {
      for (const iface of interfaces) {
        try {
          const parsed = iface.parseError(data);
          if (parsed) return parsed.name;
        } catch { /* another interface */ }
      }
    }
    e = e.error || e.info?.error || e.cause;
  }
  const match = /\b([A-Z][A-Za-z0-9]+)\(/.exec(err?.message || '');
  return match && PLAIN[match[1]] ? match[1] : null;
}

export class Catalog {
  constructor(ctx) {
    this.ctx = ctx; // { state, track, showMessage, refresh, el, txLink }
    this.items = [];
    this.meta = new Map(); // item id → metadata URI (from ItemListed / ItemUpdated)
    this.metaBlock = -1; // metadata events read up to this block
    this.names = new Map(); // tx hash → what the customer redeemed in it (for the history)
    this.selected = null;
    this.redemptions = null; // the last list shown, re-rendered when voucher codes or metadata arrive
    this.status = new RedemptionStatus({ el: ctx.el, points: (raw) => this.points(raw) });
    content.onChange('catalog', () => this.contentChanged());
    const form = document.getElementById('redeem-form');
    if (!form.dataset.bound) {
      form.dataset.bound = 'true';
      form.addEventListener('submit', (e) => { e.preventDefault(); this.ctx.state.catalog.submit(); });
      document.getElementById('redeem-cancel').addEventListener('click', () => document.getElementById('redeem-dialog').close());
      document.getElementById('redeem-qty').addEventListener('input', () => this.ctx.state.catalog.updateTotals());
      document.getElementById('redeem-direct').addEventListener('change', () => this.ctx.state.catalog.updateTotals());
    }
  }

  get config() {
    return this.ctx.state.config;
  }

  get provider() {
    return this.ctx.state.provider;
  }

  get enabled() {
    return Boolean(this.config.contracts.RedemptionVault && this.config.abis.RedemptionVault);
  }

  vault(runner = this.provider) {
    return new ethers.Contract(this.config.contracts.RedemptionVault, this.config.abis.RedemptionVault, runner);
  }

  points(raw) {
    return formatPoints(raw, this.config.token.decimals);
  }

  tierName(index) {
    return this.config.token.tier_names?.[index] || `Tier ${index + 1}`;
  }

  // --------------------------------------------------------------------------- reading
  /** Metadata URIs from the catalog events, read incrementally. */
  async readMetadata(vault, toBlock) {
    const from = Math.max(this.metaBlock + 1, this.config.deployment_block || 0);
    if (from > toBlock) return;
    const [listed, updated] = await Promise.all([
      vault.queryFilter(vault.filters.ItemListed(), from, toBlock),
      vault.queryFilter(vault.filters.ItemUpdated(), from, toBlock),
    ]);
    for (const ev of [...listed, ...updated].sort((a, b) => (a.blockNumber - b.blockNumber) || (a.index - b.index))) {
      this.meta.set(Number(ev.args.itemId), ev.args.metadataURI);
    }
    this.metaBlock = toBlock;
  }

  /** Every listed item with the price in force at `block`. */
  async readItems(vault, block) {
    await this.readMetadata(vault, block);
    const count = Number(await vault.itemCount({ blockTag: block }));
    const ids = Array.from({ length: count }, (_, i) => i + 1);
    const raw = await Promise.all(ids.map((id) => vault.item(id, { blockTag: block })));
    return raw.map((it, i) => {
      const id = ids[i];
      const kind = Number(it.kind);
      const described = content.item(id);
      return {
        id,
        kind,
        name: described.name || itemName(id, kind, this.meta.get(id)),
        description: described.description || '',
        image: described.image || '',
        uri: this.meta.get(id) || '',
        price: it.price,
        pendingPrice: it.pendingPrice,
        pendingAt: it.pendingAt,
        stock: it.stock === UNLIMITED ? null : it.stock,
        minTier: Number(it.minTier),
        active: it.active,
      };
    });
  }

  /** The customer's redemptions, newest first, with their status from the events. */
  async readRedemptions(vault, account, toBlock) {
    const from = this.config.deployment_block || 0;
    const [redeemed, refunded, cancelled] = await Promise.all([
      vault.queryFilter(vault.filters.Redeemed(null, account), from, toBlock),
      vault.queryFilter(vault.filters.Refunded(null, account), from, toBlock),
      vault.queryFilter(vault.filters.RedemptionCancelled(null, account), from, toBlock),
    ]);
    const refunds = new Map([...refunded, ...cancelled].map((ev) => [ev.args.id, ev]));
    const ids = redeemed.map((ev) => ev.args.id).filter((id) => !refunds.has(id));
    const fulfilled = new Map();
    for (let i = 0; i < ids.length; i += ID_BATCH) {
      const events = await vault.queryFilter(vault.filters.Fulfilled(ids.slice(i, i + ID_BATCH)), from, toBlock);
      for (const ev of events) fulfilled.set(ev.args.id, ev);
    }
    const times = new Map();
    const time = async (n) => {
      if (!times.has(n)) times.set(n, (await this.provider.getBlock(n)).timestamp);
      return times.get(n);
    };
    const list = await Promise.all(redeemed.map(async (ev) => {
      const { id, itemId, quantity, points } = ev.args;
      const done = fulfilled.get(id);
      const back = refunds.get(id);
      return {
        id,
        itemId: Number(itemId),
        quantity: Number(quantity),
        points,
        tx: ev.transactionHash,
        time: await time(ev.blockNumber),
        status: done ? 'fulfilled' : back ? (back.eventName === 'RedemptionCancelled' ? 'cancelled' : 'refunded') : 'open',
        voucherHash: done ? done.args.voucherHash : null,
        closedTime: done || back ? await time((done || back).blockNumber) : null,
        log: ev,
      };
    }));
    return list.sort((a, b) => (b.log.blockNumber - a.log.blockNumber) || (b.log.index - a.log.index));
  }

  // --------------------------------------------------------------------------- rendering
  /** Render the catalog and the redemptions for `account` (after every refresh). */
  async render(account, summary) {
    document.getElementById('catalog-card').hidden = !this.enabled;
    document.getElementById('redemptions-card').hidden = !this.enabled;
    if (!this.enabled) return;
    const vault = this.vault();
    const [items, redemptions] = await Promise.all([
      this.readItems(vault, summary.block),
      this.readRedemptions(vault, account, summary.block),
    ]);
    this.items = items;
    this.summary = summary;
    this.redemptions = redemptions;
    this.renderItems(items, summary);
    this.renderRedemptions(redemptions);
  }

  /** Metadata or voucher codes arrived (or were forgotten on sign-out): show them without asking the chain. */
  contentChanged() {
    if (!this.items.length || !this.summary) return;
    for (const it of this.items) {
      const described = content.item(it.id);
      it.name = described.name || itemName(it.id, it.kind, this.meta.get(it.id));
      it.description = described.description || '';
      it.image = described.image || '';
    }
    this.renderItems(this.items, this.summary);
    if (this.redemptions) this.renderRedemptions(this.redemptions);
  }

  /** Active items the customer can take now (tier, stock, balance), cheapest first. */
  affordable(summary = this.summary) {
    if (!summary) return [];
    return this.items.filter((it) => it.active && !this.blocker(it, summary)).sort((a, b) => (a.price < b.price ? -1 : a.price > b.price ? 1 : 0));
  }

  /** The cheapest active item in stock and open to the customer's tier that the balance does not reach yet. */
  nextReward(summary = this.summary) {
    if (!summary) return null;
    const reachable = this.items.filter((it) => it.active && it.stock !== 0n && summary.tier >= it.minTier && it.price > summary.balance);
    reachable.sort((a, b) => (a.price < b.price ? -1 : a.price > b.price ? 1 : 0));
    return reachable[0] || null;
  }

  /** Why the customer cannot redeem `item` now, or null. */
  blocker(item, summary) {
    if (item.stock === 0n) return 'Out of stock';
    if (summary.tier < item.minTier) return `Reach ${this.tierName(item.minTier)} to unlock`;
    if (summary.balance < item.price) return `You need ${this.points(item.price - summary.balance)} more points`;
    return null;
  }

  renderItems(items, summary) {
    const { el } = this.ctx;
    const shown = items.filter((it) => it.active);
    const rows = shown.map((it) => {
      const why = this.blocker(it, summary);
      const facts = [];
      if (it.stock !== null) facts.push(it.stock === 0n ? 'None left' : `${it.stock} left`);
      if (it.minTier > 0) facts.push(`${this.tierName(it.minTier)} members and above`);
      const pending = it.pendingAt > 0n
        ? el('p', { class: 'note small', text: `Price changes to ${this.points(it.pendingPrice)} points on ${formatDate(it.pendingAt)}.` })
        : null;
      const details = /^https:\/\//.test(it.uri) ? el('a', { href: it.uri, rel: 'noopener noreferrer', target: '_blank', class: 'small', text: 'Details' }) : null;
      const picture = it.image
        ? el('img', { class: 'item-image', src: it.image, alt: '', width: 320, height: 200, loading: 'lazy', decoding: 'async' })
        : null;
      return el('li', { class: `item${picture ? ' has-image' : ''}`, 'data-item': String(it.id), 'data-affordable': why ? 'false' : 'true' },
        picture,
        el('span', { class: `kind kind-${it.kind}`, text: KINDS[it.kind] || 'Item' }),
        el('h3', { text: it.name }),
        it.description ? el('p', { class: 'item-description', text: it.description }) : null,
        el('p', { class: 'price', text: `${this.points(it.price)} points` }),
        facts.length ? el('p', { class: 'muted small', text: facts.join(' · ') }) : null,
        pending,
        details,
        el('button', {
          type: 'button',
          class: why ? '' : 'primary',
          disabled: Boolean(why),
          'aria-label': why ? `${it.name}: ${why}` : `Redeem ${it.name} for ${this.points(it.price)} points`,
          onclick: () => this.open(it.id),
        }, why || 'Redeem'));
    });
    document.getElementById('catalog').replaceChildren(...rows);
    document.getElementById('catalog-empty').hidden = rows.length > 0;
  }

  renderRedemptions(list) {
    const { el, txLink } = this.ctx;
    this.names.clear();
    const rows = list.map((r) => {
      const item = this.items.find((it) => it.id === r.itemId);
      const name = item ? item.name : `Item #${r.itemId}`;
      const what = `${name}${r.quantity > 1 ? ` ×${r.quantity}` : ''}`;
      this.names.set(r.tx, what);
      return el('li', { class: 'redemption', 'data-id': ethers.toBeHex(r.id), 'data-status': r.status },
        el('span', { class: 'when', text: formatDate(r.time) }),
        el('span', { class: 'what', text: what }),
        el('span', { class: 'amount minus', text: `−${this.points(r.points)}` }),
        this.status.cell(r, this.summary?.now),
        txLink(r.tx));
    });
    document.getElementById('redemptions').replaceChildren(...rows);
    document.getElementById('redemptions-empty').hidden = rows.length > 0;
  }

  /** Name the history's spending entries after what was redeemed in their transaction. */
  annotate(history) {
    for (const e of history) {
      const what = e.kind === 'spent' && this.names.get(e.log.transactionHash);
      if (what) e.note = `Redeemed: ${what}`;
    }
  }

  // --------------------------------------------------------------------------- redeeming
  open(itemId) {
    const item = this.items.find((it) => it.id === itemId);
    if (!item) return;
    this.selected = item;
    if (document.getElementById('redeem-dialog').open) document.getElementById('redeem-dialog').close();
    const form = document.getElementById('redeem-form');
    form.reset();
    document.getElementById('redeem-title').textContent = `Redeem ${item.name}`;
    document.getElementById('redeem-what').textContent = `${KINDS[item.kind] || 'Item'} · ${this.points(item.price)} points each`;
    const qty = document.getElementById('redeem-qty');
    const affordable = item.price > 0n ? this.summary.balance / item.price : BigInt(MAX_QTY);
    let max = affordable < BigInt(MAX_QTY) ? Number(affordable) : MAX_QTY;
    if (item.stock !== null && item.stock < BigInt(max)) max = Number(item.stock);
    qty.max = String(Math.max(max, 1));
    qty.value = '1';
    const pending = document.getElementById('redeem-pending');
    pending.hidden = item.pendingAt === 0n;
    pending.textContent = item.pendingAt > 0n
      ? `The price changes to ${this.points(item.pendingPrice)} points on ${formatDateTime(item.pendingAt)}; you pay today's price.`
      : '';
    document.getElementById('redeem-direct-row').hidden = (this.ctx.state.actions?.ethBalance ?? 0n) === 0n;
    this.updateTotals();
    document.getElementById('redeem-dialog').showModal();
    qty.focus();
  }

  quantity() {
    const value = Number(document.getElementById('redeem-qty').value);
    return Number.isInteger(value) && value >= 1 ? value : 0;
  }

  updateTotals() {
    const item = this.selected;
    if (!item) return;
    const q = this.quantity();
    const total = item.price * BigInt(q);
    const after = this.summary.balance - total;
    document.getElementById('redeem-total').textContent = q ? `${this.points(total)} points` : '–';
    const afterCell = document.getElementById('redeem-after');
    afterCell.textContent = q ? (after >= 0n ? `${this.points(after)} points` : `${this.points(-after)} points short`) : '–';
    afterCell.className = after < 0n ? 'bad' : '';
    const direct = document.getElementById('redeem-direct').checked;
    const submit = document.getElementById('redeem-submit');
    submit.textContent = direct ? 'Redeem and pay the fee' : 'Sign and redeem (free)';
    submit.disabled = !q || after < 0n || q > Number(document.getElementById('redeem-qty').max);
  }

  /** The EIP-712 message for a gasless redemption, built from the chain (domain from eip712Domain()). */
  async request(vault, customer, item, quantity) {
    const [domain, head] = await Promise.all([vault.eip712Domain(), this.provider.getBlock('latest')]);
    if (Number(domain.chainId) !== this.config.chain_id || ethers.getAddress(domain.verifyingContract) !== ethers.getAddress(this.config.contracts.RedemptionVault)) {
      throw new Error('the redemption contract does not belong to this chain');
    }
    const nonce = crypto.getRandomValues(new BigUint64Array(1))[0] & NONCE_MASK;
    const message = {
      customer,
      itemId: String(item.id),
      quantity: String(quantity),
      maxPoints: String(item.price * BigInt(quantity)), // the total the customer saw
      nonce: String(nonce),
      deadline: String(Math.max(head.timestamp, Math.floor(Date.now() / 1000)) + SIGNATURE_VALID_S),
    };
    return {
      types: {
        EIP712Domain: [
          { name: 'name', type: 'string' }, { name: 'version', type: 'string' },
          { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' },
        ],
        Redeem: [
          { name: 'customer', type: 'address' }, { name: 'itemId', type: 'uint256' }, { name: 'quantity', type: 'uint256' },
          { name: 'maxPoints', type: 'uint256' }, { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' },
        ],
      },
      primaryType: 'Redeem',
      domain: { name: domain.name, version: domain.version, chainId: this.config.chain_id, verifyingContract: domain.verifyingContract },
      message,
    };
  }

  explain(err) {
    const vault = this.vault();
    const token = new ethers.Interface(this.config.abis.RewardToken);
    const name = errorName(err, [vault.interface, token]);
    if (name && PLAIN[name]) return `Redeeming failed: ${PLAIN[name]}.`;
    return walletMessage(err, 'Redeeming');
  }

  async submit() {
    const { state, track, refresh } = this.ctx;
    const item = this.selected;
    const quantity = this.quantity();
    if (!item || !quantity) return;
    const direct = document.getElementById('redeem-direct').checked;
    const t = track(`Redeem ${item.name}${quantity > 1 ? ` ×${quantity}` : ''}`,
      { dialog: 'redeem-dialog', key: `redeem:${item.id}`, retry: { kind: 'redeem', itemId: item.id } });
    const customer = state.account;
    try {
      let redeemed;
      if (direct) {
        t.waiting('Confirm the transaction in your wallet…');
        const signer = await this.provider.getSigner(customer);
        const vault = this.vault(signer);
        const tx = await vault.redeem(item.id, quantity, item.price * BigInt(quantity)); // at most the total shown
        t.sent(tx.hash);
        const receipt = await tx.wait();
        if (receipt.status !== 1) throw new Error('the transaction reverted');
        const log = receipt.logs.map((l) => { try { return vault.interface.parseLog(l); } catch { return null; } })
          .find((ev) => ev?.name === 'Redeemed');
        redeemed = { points: log.args.points };
      } else {
        t.waiting('Preparing your request…');
        const typed = await this.request(this.vault(), customer, item, quantity);
        t.waiting('Sign the redemption in your wallet (free, no ETH needed)…');
        const signature = await state.wallet.request('eth_signTypedData_v4', [customer, JSON.stringify(typed)]);
        t.waiting('Sending: our relayer submits it and pays the network fee…');
        const result = await relay('redeem', { ...typed.message, signature });
        t.sent(result.tx);
        redeemed = { points: BigInt(result.points) };
      }
      t.confirmed(`Confirmed: −${this.points(redeemed.points)} points. The merchant will deliver it; follow it under “Your redemptions”.`);
      await refresh(true);
    } catch (err) {
      t.fail(err, 'Redeeming', this.explain(err));
    }
  }
}
