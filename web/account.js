// What the chain says about one customer, read directly from the token with ethers:
// balance, tier, lots, and a history built from the token's own events.
import { ethers } from '/vendor/ethers.min.js';

export const REASONS = ['Purchase', 'Feedback', 'Survey', 'Referral', 'Social', 'Campaign', 'Compensation', 'Refund'];
export const DAY = 86400;
const LOG_CHUNK = 50000; // blocks per eth_getLogs call (public RPCs limit ranges)

/** Raw units → "1,234.50": always two decimals (cut, never rounded up), thousands grouped. */
export function formatPoints(raw, decimals = 2) {
  const text = ethers.formatUnits(raw, decimals);
  const [whole, frac = ''] = text.split('.');
  const grouped = (whole.startsWith('-') && BigInt(whole) === 0n ? '-0' : BigInt(whole).toLocaleString('en-US'));
  return `${grouped}.${frac.padEnd(2, '0').slice(0, 2)}`;
}

export function formatDate(seconds) {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(Number(seconds) * 1000));
}

export function formatDateTime(seconds) {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' })
    .format(new Date(Number(seconds) * 1000));
}

/** Tier index → what the customer sees about it and the next one (lifetime tiers: `lifetime` earned
 * against the next threshold). `earned` / `target` are the numbers of the bar ("489.60 / 1,000"). */
export function tierProgress(tier, lifetime, thresholds, multipliers, names) {
  const name = (i) => names[i] || `Tier ${i + 1}`;
  const multiplierBps = (i) => Number(multipliers[i] ?? 10000n);
  const current = { index: tier, name: name(tier), multiplierBps: multiplierBps(tier) };
  if (tier + 1 >= thresholds.length) {
    return { current, next: null, percent: 100, missing: 0n, earned: lifetime, target: null };
  }
  const lo = thresholds[tier];
  const hi = thresholds[tier + 1];
  const span = hi - lo;
  const done = lifetime > lo ? lifetime - lo : 0n;
  const percent = span > 0n ? Number((done * 100n) / span) : 100;
  return {
    current,
    next: { index: tier + 1, name: name(tier + 1), multiplierBps: multiplierBps(tier + 1) },
    percent: Math.min(percent, 100),
    missing: hi > lifetime ? hi - lifetime : 0n,
    earned: lifetime,
    target: hi,
  };
}

/** Whether the token's ABI has a function `name` (rolling tiers add tierProgress and nextTierReview). */
export function hasFunction(iface, name) {
  try {
    return Boolean(iface.getFunction(name));
  } catch {
    return false;
  }
}

/** Points that expired but are still in the chain's lots (not swept yet): `unswept` (what the events add up to
 * minus the live balance), put on the credits that expired, newest first, since spending takes the oldest
 * points first. Returns [{amount, expiresAt}], newest first. */
export function unsweptExpiries(credits, unswept, now, expiryOf) {
  const byExpiry = new Map();
  for (const c of credits) {
    const at = expiryOf(c.time);
    if (at <= now) byExpiry.set(at, (byExpiry.get(at) || 0n) + c.amount);
  }
  const out = [];
  let left = unswept;
  for (const at of [...byExpiry.keys()].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))) {
    if (left <= 0n) break;
    const amount = byExpiry.get(at) < left ? byExpiry.get(at) : left;
    out.push({ amount, expiresAt: at });
    left -= amount;
  }
  if (left > 0n && out.length) out[out.length - 1].amount += left;
  return out;
}

/** eth_getLogs in chunks from `from` to `to` (inclusive). */
async function getLogs(provider, filter, from, to) {
  const out = [];
  for (let start = from; start <= to; start += LOG_CHUNK) {
    const end = Math.min(to, start + LOG_CHUNK - 1);
    out.push(...await provider.getLogs({ ...filter, fromBlock: start, toBlock: end }));
  }
  return out;
}

export class AccountReader {
  constructor(provider, config) {
    this.provider = provider;
    this.config = config;
    this.token = new ethers.Contract(config.token.address, config.abis.RewardToken, provider);
    this.iface = this.token.interface;
    this.blockTimes = new Map();
    this.rolling = hasFunction(this.iface, 'tierProgress') && hasFunction(this.iface, 'nextTierReview');
    this.epochs = null; // {genesis, length, validity}, read once
  }

  /** Days ahead the page warns about expiring points (servicecoin.yaml web.reminder_days, default 30). */
  get reminderDays() {
    return Number(this.config.reminder_days) > 0 ? Number(this.config.reminder_days) : 30;
  }

  async epochParams() {
    if (!this.epochs) {
      const t = this.token;
      const [genesis, length, validity] = await Promise.all([t.genesis(), t.epochLength(), t.validityEpochs()]);
      this.epochs = { genesis, length, validity };
    }
    return this.epochs;
  }

  /** When points credited at `time` (seconds) expire: the end of their epoch's validity. */
  expiryOf(time) {
    const { genesis, length, validity } = this.epochs;
    const epoch = (BigInt(time) - genesis) / length;
    return genesis + (epoch + validity) * length;
  }

  /** Rolling tiers (when the token has them): what keeps the tier and the next review; null otherwise. */
  async rollingTier(address, blockTag) {
    if (!this.rolling) return null;
    try {
      const [progress, review] = await Promise.all([this.token.tierProgress(address, { blockTag }), this.token.nextTierReview(address, { blockTag })]);
      if (review === 0n) return null; // the token runs lifetime tiers: no review, lifetime progress it is
      return { tier: Number(progress[0]), toKeep: progress[1], toNext: progress[2], review };
    } catch {
      return null; // an older deployment answers without them: lifetime progress it is
    }
  }

  async blockTime(number) {
    if (!this.blockTimes.has(number)) {
      const block = await this.provider.getBlock(number);
      this.blockTimes.set(number, block.timestamp);
    }
    return this.blockTimes.get(number);
  }

  /** Balance, tier and lots (everything that changes block by block). */
  async summary(address) {
    const t = this.token;
    const [head, balance, tier, lifetime, tiers, lots] = await Promise.all([
      this.provider.getBlock('latest'), t.balanceOf(address), t.tierOf(address), t.lifetimeEarned(address), t.tiers(), t.lotsOf(address),
    ]);
    const now = BigInt(head.timestamp);
    const soon = now + BigInt(this.reminderDays) * BigInt(DAY);
    const allLots = lots.map((l) => ({ epoch: l.epoch, amount: l.amount, expiresAt: l.expiresAt }));
    const expiring = allLots.filter((l) => l.expiresAt <= soon);
    return {
      block: head.number,
      now,
      balance,
      lifetime,
      tier: Number(tier),
      thresholds: [...tiers[0]],
      multipliers: [...tiers[1]],
      progress: tierProgress(Number(tier), lifetime, [...tiers[0]], [...tiers[1]], this.config.token.tier_names || []),
      rolling: await this.rollingTier(address, head.number),
      lots: allLots,
      expiring,
      reminderDays: this.reminderDays,
      nextExpiry: allLots.length ? allLots.reduce((a, b) => (b.expiresAt < a.expiresAt ? b : a)) : null,
      expiringSoon: expiring.reduce((sum, l) => sum + l.amount, 0n),
    };
  }

  /** Credits (with reasons), spending, transfers, wallet recoveries and expiries of `address`, newest first. */
  async history(address, toBlock) {
    const from = this.config.deployment_block || 0;
    const topic = (name) => this.iface.getEvent(name).topicHash;
    const who = ethers.zeroPadValue(address, 32);
    const base = { address: this.config.token.address };
    const [minted, sent, received, issued, expired, recoveredOut, recoveredIn] = await Promise.all([
      getLogs(this.provider, { ...base, topics: [topic('Transfer'), ethers.ZeroHash, who] }, from, toBlock),
      getLogs(this.provider, { ...base, topics: [topic('Transfer'), who] }, from, toBlock),
      getLogs(this.provider, { ...base, topics: [topic('Transfer'), null, who] }, from, toBlock),
      getLogs(this.provider, { ...base, topics: [topic('Issued'), who] }, from, toBlock),
      getLogs(this.provider, { ...base, topics: [topic('PointsExpired'), who] }, from, toBlock),
      getLogs(this.provider, { ...base, topics: [topic('WalletRecovered'), who] }, from, toBlock),
      getLogs(this.provider, { ...base, topics: [topic('WalletRecovered'), null, who] }, from, toBlock),
    ]);
    // A wallet recovery's Transfer is shown as the recovery (one entry on each side).
    const recoveries = new Set([...recoveredOut, ...recoveredIn].map((log) => log.transactionHash));
    const reasonByTx = new Map();
    for (const log of issued) {
      const ev = this.iface.parseLog(log);
      reasonByTx.set(`${log.transactionHash}:${ev.args.amount}`, { reason: Number(ev.args.reason), ref: ev.args.ref });
    }
    const entries = [];
    for (const log of minted) {
      const ev = this.iface.parseLog(log);
      let info = reasonByTx.get(`${log.transactionHash}:${ev.args.value}`);
      if (!info) info = await this.batchReason(log.transactionHash);
      entries.push({ kind: 'credit', amount: ev.args.value, reason: info?.reason, ref: info?.ref, log });
    }
    for (const log of sent) {
      const ev = this.iface.parseLog(log);
      if (ev.args.to === ethers.ZeroAddress) entries.push({ kind: 'spent', amount: ev.args.value, log });
      else entries.push({ kind: 'sent', amount: ev.args.value, counterparty: ev.args.to, recovery: recoveries.has(log.transactionHash), log });
    }
    for (const log of received) {
      const ev = this.iface.parseLog(log);
      if (ev.args.from !== ethers.ZeroAddress) {
        entries.push({ kind: 'received', amount: ev.args.value, counterparty: ev.args.from, recovery: recoveries.has(log.transactionHash), log });
      }
    }
    for (const log of expired) {
      const ev = this.iface.parseLog(log);
      entries.push({ kind: 'expired', amount: ev.args.amount, epoch: ev.args.epoch, log });
    }
    await Promise.all(entries.map(async (e) => { e.time = await this.blockTime(e.log.blockNumber); }));
    entries.push(...await this.unswept(address, toBlock, entries));
    entries.sort((a, b) => (b.time - a.time) || (b.log.blockNumber - a.log.blockNumber) || (b.log.index - a.log.index));
    return entries;
  }

  /** Points credited but not released yet (a token with pending credits has `pendingOf`; 0 otherwise). */
  async pending(address, blockTag) {
    if (!hasFunction(this.iface, 'pendingOf')) return 0n;
    try {
      const [amounts] = await this.token.pendingOf(address, { blockTag });
      return amounts.reduce((sum, a) => sum + a, 0n);
    } catch {
      return 0n;
    }
  }

  /** History rows for points that expired but are still in the chain's lots (no PointsExpired yet): the
   * live balance dropped, and these rows say why. They carry no transaction. */
  async unswept(address, toBlock, entries) {
    const [balance, head, pending] = await Promise.all([
      this.token.balanceOf(address, { blockTag: toBlock }), this.provider.getBlock(toBlock), this.pending(address, toBlock)]);
    let held = -pending; // credits still waiting for their release are in the events but not in the balance yet
    for (const e of entries) held += (e.kind === 'credit' || e.kind === 'received') ? e.amount : -e.amount;
    if (held <= balance) return [];
    await this.epochParams();
    const credits = entries.filter((e) => e.kind === 'credit' || e.kind === 'received');
    return unsweptExpiries(credits, held - balance, BigInt(head.timestamp), (t) => this.expiryOf(t)).map((x) => ({
      kind: 'expired',
      unswept: true,
      note: 'Expired (not yet removed on chain)',
      amount: x.amount,
      time: Number(x.expiresAt),
      log: { blockNumber: toBlock, index: -1, transactionHash: null },
    }));
  }

  /** The reason of a batch credit: the BatchIssued event in the same transaction. */
  async batchReason(txHash) {
    const receipt = await this.provider.getTransactionReceipt(txHash);
    for (const log of receipt?.logs || []) {
      if (log.address.toLowerCase() !== this.config.token.address.toLowerCase()) continue;
      try {
        const ev = this.iface.parseLog(log);
        if (ev?.name === 'BatchIssued') return { reason: Number(ev.args.reason), ref: ev.args.batchId };
      } catch { /* another event */ }
    }
    return null;
  }
}
