// Where the customer stands, on the balance card and above it (after every refresh):
//   - a coloured banner "X points expire on DATE" while points expire within the reminder window, linking to the
//     catalog items the customer can take now;
//   - the next expiry on the balance card;
//   - the tier progress with its numbers ("489.60 / 1,000") and what the next tier gives (its multiplier); with
//     rolling tiers (the token's ABI has tierProgress and nextTierReview), what keeps the current tier;
//   - "N points to your next reward", from the catalog.
import { DAY, formatDate, formatPoints } from './account.js';

/** The element `id`, created by `make()` and placed by `place(el)` the first time. */
function slot(id, make, place) {
  let el = document.getElementById(id);
  if (!el) {
    el = make();
    el.id = id;
    place(el);
  }
  return el;
}

function multiplier(bps) {
  return `${(bps / 10000).toLocaleString('en-US', { maximumFractionDigits: 2 })}×`;
}

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export class Standing {
  /** @param {{config: object, catalog: () => object | null, el: Function}} o  catalog(): the Catalog (items,
   *  affordable, nextReward); el: the page's element builder (app.js) */
  constructor({ config, catalog, el }) {
    this.config = config;
    this.catalog = catalog;
    this.el = el;
  }

  points(raw) {
    return formatPoints(raw, this.config.token.decimals);
  }

  render(summary) {
    const days = summary.reminderDays;
    document.getElementById('expiring-title').textContent = `Expiring in the next ${days} days`;
    document.getElementById('expiring-empty').textContent = `Nothing expires in the next ${days} days.`;
    this.renderBanner(summary);
    this.renderNextExpiry(summary);
    this.renderTier(summary);
    this.renderNextReward(summary);
  }

  // ----------------------------------------------------------------------------- expiry
  renderBanner(s) {
    const account = document.getElementById('account');
    const banner = slot('expiry-banner', () => this.el('section', { class: 'card wide expiry-banner', role: 'status', 'aria-live': 'polite' }),
      (el) => account.prepend(el));
    const lots = [...s.expiring].sort((a, b) => (a.expiresAt < b.expiresAt ? -1 : 1));
    banner.hidden = lots.length === 0;
    document.body.dataset.expiryBanner = lots.length ? 'shown' : 'hidden';
    if (!lots.length) return;
    const first = lots[0];
    const days = Number(first.expiresAt - s.now) / DAY;
    banner.classList.toggle('urgent', days <= 7);
    const rest = lots.slice(1).reduce((sum, l) => sum + l.amount, 0n);
    const text = [`${this.points(first.amount)} points expire on ${formatDate(first.expiresAt)}`];
    if (rest > 0n) text.push(`, and ${this.points(rest)} more by ${formatDate(lots[lots.length - 1].expiresAt)}`);
    const catalog = this.catalog();
    const affordable = catalog?.enabled ? catalog.affordable(s) : [];
    let action = null;
    if (affordable.length) {
      action = this.el('a', {
        href: '#catalog-card',
        class: 'banner-link',
        onclick: (e) => {
          e.preventDefault();
          const card = document.getElementById('catalog-card');
          card.scrollIntoView({ behavior: 'smooth', block: 'start' });
          card.querySelector('li[data-affordable="true"] button')?.focus({ preventScroll: true });
        },
      }, `See the ${plural(affordable.length, 'item')} you can get with them`);
    } else if (catalog?.enabled) {
      action = this.el('span', { class: 'small', text: 'Nothing in the catalog is within reach yet.' });
    }
    banner.replaceChildren(
      this.el('p', { class: 'banner-text' }, this.el('strong', { text: `${text.join('')}.` }),
        ` Spend them before then${days < 1 ? ' (less than a day left)' : ` (${plural(Math.floor(days), 'day')} left)`}.`),
      action,
    );
  }

  renderNextExpiry(s) {
    const big = document.querySelector('#account .balance .big');
    if (!big) return;
    const line = slot('next-expiry', () => this.el('p', { class: 'next-expiry small' }), (el) => big.after(el));
    if (!s.nextExpiry) {
      line.textContent = s.balance > 0n ? 'These points do not expire.' : '';
      line.hidden = s.balance === 0n;
      return;
    }
    line.hidden = false;
    line.textContent = `Next expiry: ${this.points(s.nextExpiry.amount)} points on ${formatDate(s.nextExpiry.expiresAt)}`;
    line.classList.toggle('soon', s.nextExpiry.expiresAt - s.now <= BigInt(s.reminderDays * DAY));
  }

  // ----------------------------------------------------------------------------- tiers
  renderTier(s) {
    const next = document.getElementById('tier-next');
    const bar = document.getElementById('tier-progress');
    if (!next || !bar) return;
    const { current, next: up } = s.progress;
    const r = s.rolling;
    let earned = s.progress.earned;
    let target = s.progress.target;
    const parts = [];
    if (r && up) {
      // Rolling tiers: the points that count are this period's; toNext says how far the next tier is.
      target = s.thresholds[up.index];
      earned = target > r.toNext ? target - r.toNext : 0n;
    }
    if (up) {
      const count = this.el('strong', { class: 'tier-count', text: `${this.points(earned)} / ${this.points(target)}` });
      const missing = r ? r.toNext : s.progress.missing;
      parts.push(count, ` points${r ? ' this period' : ' earned'}. `,
        `${this.points(missing)} more points earned to reach ${up.name}, which earns ${multiplier(up.multiplierBps)} on purchases.`);
      const pct = target > 0n ? Number((earned * 100n) / target) : 100;
      if (r) {
        document.getElementById('tier-bar').style.width = `${Math.min(pct, 100)}%`;
        bar.setAttribute('aria-valuenow', String(Math.min(pct, 100)));
      }
      bar.setAttribute('aria-valuetext', `${this.points(earned)} of ${this.points(target)} points`);
    } else {
      parts.push(`You are in the top tier, ${current.name}. Thank you!`);
      bar.setAttribute('aria-valuetext', 'top tier');
    }
    if (r) {
      const review = r.review > 0n ? formatDate(r.review) : null;
      const keep = r.toKeep > 0n
        ? this.el('span', { class: 'tier-keep', text: ` Earn ${this.points(r.toKeep)} more points${review ? ` by ${review}` : ''} to keep ${current.name}.` })
        : this.el('span', { class: 'tier-keep', text: ` ${current.name} is yours${review ? ` until at least ${review}` : ''}.` });
      parts.push(keep);
    }
    next.replaceChildren(...parts);
    document.body.dataset.tierMode = r ? 'rolling' : 'lifetime';
  }

  // ----------------------------------------------------------------------------- rewards
  renderNextReward(s) {
    const card = document.querySelector('#account .balance');
    const catalog = this.catalog();
    const anchor = document.getElementById('tier-next');
    if (!card || !anchor) return;
    const line = slot('next-reward', () => this.el('p', { class: 'next-reward' }), (el) => anchor.after(el));
    if (!catalog?.enabled || !catalog.items.length) {
      line.hidden = true;
      return;
    }
    const now = catalog.affordable(s).length;
    const reward = catalog.nextReward(s);
    const parts = [];
    if (now) parts.push(`You can redeem ${plural(now, 'item')} now.`);
    if (reward) {
      parts.push(`${parts.length ? ' ' : ''}`, this.el('strong', { text: `${this.points(reward.price - s.balance)} points` }),
        ` to your next reward: ${reward.name}.`);
    }
    line.hidden = parts.length === 0;
    line.replaceChildren(...parts);
  }
}
