// The customer page: connect a wallet, check the network, show points, act.
import { ethers } from '/vendor/ethers.min.js';
import { discoverWallets, Wallet, walletMessage } from './wallet.js';
import { AccountReader, REASONS, formatDate, formatDateTime, formatPoints } from './account.js';
import { Actions } from './actions.js';
import { Catalog } from './catalog.js';
import { Receipts } from './receipts.js';
import { SignIn } from './signin.js';
import { content } from './content.js';
import { Standing } from './standing.js';

const $ = (id) => document.getElementById(id);
const HELP_KEY = 'svc.help.dismissed';
const POLL_MS = 4000;

const state = {
  config: null,
  wallets: [],
  wallet: null,
  account: null,
  chainId: null,
  provider: null, // ethers BrowserProvider over the wallet
  reader: null,
  actions: null,
  catalog: null,
  lastBlock: -1,
  loading: false,
  again: false,
  signin: null, // SignIn (signin.js): the wallet sign-in session
};

// ----------------------------------------------------------------------------- messages
export function showMessage(text, kind = 'error') {
  const box = $('message');
  box.className = `message ${kind}`;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  $('message-text').textContent = text;
  box.hidden = false;
}

function clearMessage() {
  $('message').hidden = true;
}

function show(id, visible) {
  $(id).hidden = !visible;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function short(address) {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

export function txLink(hash) {
  const base = state.config?.explorer;
  if (!base) return el('span', { class: 'tx mono small', title: `Transaction ${hash}`, text: short(hash) });
  return el('a', { href: `${base}/tx/${hash}`, rel: 'noopener noreferrer', target: '_blank', class: 'tx mono small', text: `View ${short(hash)}` });
}

// ----------------------------------------------------------------------------- activity (transaction states)
/** Track one request: pending → confirmed / failed, with a link to the transaction. */
export function track(label) {
  show('activity-card', true);
  const status = el('span', { class: 'status pending', text: 'Waiting for your wallet…' });
  const link = el('span', { class: 'tx' });
  const row = el('li', { class: 'activity' }, el('span', { class: 'what', text: label }), status, link);
  $('activity').prepend(row);
  row.scrollIntoView({ block: 'nearest', behavior: 'smooth' }); // in sight of the customer who just acted
  const set = (kind, text) => { status.className = `status ${kind}`; status.textContent = text; };
  return {
    waiting: (text) => set('pending', text),
    sent: (hash) => { set('pending', 'Pending: waiting for the network to confirm…'); link.replaceChildren(txLink(hash)); },
    confirmed: (text = 'Confirmed') => set('confirmed', text),
    failed: (text) => set('failed', `Failed: ${text}`),
    rejected: () => set('failed', 'Cancelled: you rejected it in your wallet'),
    /** Say why `what` did not happen: a rejection in the wallet, or `text` (default: the wallet's words). */
    fail: (err, what, text) => {
      const words = walletMessage(err, what);
      if (words.startsWith('You rejected')) {
        set('failed', 'Cancelled: you rejected it in your wallet');
        showMessage(words);
        return;
      }
      const message = text || words;
      set('failed', `Failed: ${message.replace(`${what} failed: `, '')}`);
      showMessage(message);
    },
  };
}

// ----------------------------------------------------------------------------- help
function initHelp() {
  let dismissed = false;
  try { dismissed = localStorage.getItem(HELP_KEY) === '1'; } catch { /* private mode */ }
  show('help', !dismissed);
  $('help-close').addEventListener('click', () => {
    show('help', false);
    try { localStorage.setItem(HELP_KEY, '1'); } catch { /* private mode */ }
    $('help-open').focus();
  });
  $('help-open').addEventListener('click', () => {
    show('help', true);
    $('help').scrollIntoView({ behavior: 'smooth' });
    $('help-close').focus();
  });
}

// ----------------------------------------------------------------------------- wallet
function renderConnectButton() {
  const btn = $('connect');
  if (state.wallets.length === 0) {
    btn.textContent = 'No wallet found';
    btn.disabled = true;
  } else if (state.account) {
    btn.textContent = 'Reload points';
    btn.disabled = false;
  } else {
    btn.textContent = 'Connect wallet';
    btn.disabled = false;
  }
}

function renderChip() {
  const chip = $('account-chip');
  chip.hidden = !state.account;
  if (state.account) {
    chip.textContent = short(state.account);
    chip.title = state.account;
  }
  const badge = $('network-badge');
  badge.hidden = state.chainId === null || !state.account;
  const right = state.chainId === state.config.chain_id;
  badge.textContent = right ? state.config.chain_name : `Wrong network (${state.chainId})`;
  badge.className = `badge ${right ? 'ok' : 'bad'}`;
  state.signin?.render({ wallet: state.wallet, account: state.account, chainId: state.chainId, rightChain: right });
}

async function useWallet(entry) {
  if (state.wallet) state.wallet.close();
  const wallet = new Wallet(entry);
  state.wallet = wallet;
  wallet.on('accountsChanged', (accounts) => onAccounts(accounts));
  wallet.on('chainChanged', (chainId) => onChain(Number.parseInt(chainId, 16)));
  wallet.on('disconnect', () => onAccounts([]));
  return wallet;
}

async function connect() {
  clearMessage();
  if (state.account) return refresh(true);
  if (state.wallets.length > 1 && !state.wallet) {
    show('wallets', true);
    $('wallet-list').querySelector('button')?.focus();
    return;
  }
  const wallet = state.wallet || await useWallet(state.wallets[0]);
  const btn = $('connect');
  btn.disabled = true;
  btn.textContent = 'Check your wallet…';
  try {
    const accounts = await wallet.connect();
    state.chainId = await wallet.chainId();
    await onAccounts(accounts);
  } catch (err) {
    showMessage(walletMessage(err, 'Connecting'));
  } finally {
    renderConnectButton();
  }
}

function renderWalletChoice() {
  const list = $('wallet-list');
  list.replaceChildren();
  for (const entry of state.wallets) {
    const icon = entry.info.icon && /^data:image\//.test(entry.info.icon) ? el('img', { src: entry.info.icon, alt: '', width: 24, height: 24 }) : null;
    list.append(el('button', {
      type: 'button',
      class: 'wallet',
      onclick: async () => { show('wallets', false); await useWallet(entry); connect(); },
    }, icon, el('span', { text: entry.info.name })));
  }
}

async function onAccounts(accounts) {
  const next = accounts && accounts.length ? ethers.getAddress(accounts[0]) : null;
  const changed = next !== state.account;
  state.account = next;
  if (!next) {
    show('account', false);
    show('wrong-network', false);
    show('welcome', true);
    renderChip();
    renderConnectButton();
    return;
  }
  show('welcome', false);
  if (state.chainId === null) state.chainId = await state.wallet.chainId();
  renderConnectButton();
  await onChain(state.chainId, changed);
}

async function onChain(chainId, force = true) {
  state.chainId = chainId;
  renderChip();
  if (!state.account) return;
  const right = chainId === state.config.chain_id;
  show('wrong-network', !right);
  if (!right) {
    show('account', false);
    $('wrong-network-text').textContent = `This page works on ${state.config.chain_name} (chain id ${state.config.chain_id}), `
      + `but your wallet is on chain id ${chainId}. Switch network to see your points; nothing is sent.`;
    state.provider = null;
    return;
  }
  clearMessageIf('wrong');
  state.provider = new ethers.BrowserProvider(state.wallet.provider, 'any');
  state.reader = new AccountReader(state.provider, state.config);
  state.actions = new Actions({ state, track, showMessage, refresh, el, txLink });
  state.catalog = new Catalog({ state, track, showMessage, refresh, el, txLink });
  state.lastBlock = -1;
  await refresh(force);
}

function clearMessageIf(word) {
  if (!$('message').hidden && $('message-text').textContent.toLowerCase().includes(word)) clearMessage();
}

async function switchNetwork() {
  clearMessage();
  const btn = $('switch-network');
  btn.disabled = true;
  try {
    await state.wallet.switchTo(state.config);
    const chainId = await state.wallet.chainId();
    if (chainId !== state.chainId) await onChain(chainId);
  } catch (err) {
    showMessage(walletMessage(err, 'Switching network'));
  } finally {
    btn.disabled = false;
  }
}

async function watchAsset() {
  clearMessage();
  try {
    const added = await state.wallet.watchToken(state.config.token);
    if (added) showMessage(`${state.config.token.symbol} points now show in your wallet.`, 'info');
    else showMessage('Your wallet did not add the points. You can try again any time.', 'warn');
  } catch (err) {
    showMessage(walletMessage(err, 'Adding the points to your wallet'));
  }
}

// ----------------------------------------------------------------------------- account view
async function refresh(force = false) {
  if (!state.reader || !state.account) return;
  if (state.loading) {
    // A forced refresh during a running one runs again right after it.
    if (force) state.again = true;
    return;
  }
  state.loading = true;
  try {
    const block = await state.provider.getBlockNumber();
    if (!force && block === state.lastBlock) return;
    const account = state.account;
    const summary = await state.reader.summary(account);
    const history = await state.reader.history(account, summary.block);
    if (account !== state.account) return;
    state.lastBlock = summary.block;
    // The catalog first: it names the history's redemptions. Balance and history then render together.
    await state.catalog.render(account, summary);
    state.catalog.annotate(history);
    renderSummary(summary);
    renderHistory(history);
    state.standing.render(summary); // expiry banner, next expiry, tier numbers, next reward (standing.js)
    await state.actions.render(account, summary);
    show('account', true);
    document.body.dataset.block = String(summary.block);
  } catch (err) {
    showMessage(walletMessage(err, 'Reading your points'));
  } finally {
    state.loading = false;
    if (state.again) {
      state.again = false;
      refresh(true);
    }
  }
}

function renderSummary(s) {
  const { decimals, symbol } = state.config.token;
  $('balance').textContent = formatPoints(s.balance, decimals);
  $('symbol').textContent = symbol;
  const { current, next, percent, missing } = s.progress;
  $('tier-name').textContent = current.name;
  $('tier-multiplier').textContent = current.multiplierBps > 10000 ? `(earns ${current.multiplierBps / 10000}× on purchases)` : '';
  $('tier-bar').style.width = `${percent}%`;
  $('tier-progress').setAttribute('aria-valuenow', String(percent));
  $('tier-next').textContent = next
    ? `${formatPoints(missing, decimals)} more points earned to reach ${next.name}.`
    : 'You are in the top tier. Thank you!';
  const row = (lot) => el('li', {},
    el('span', { class: 'amount', text: `${formatPoints(lot.amount, decimals)} ${symbol}` }),
    el('span', { class: 'when', text: `expire on ${formatDateTime(lot.expiresAt)} (${inDays(lot.expiresAt - s.now)})` }));
  $('expiring').replaceChildren(...s.expiring.map(row));
  show('expiring-empty', s.expiring.length === 0);
  $('lots').replaceChildren(...(s.lots.length ? s.lots.map(row) : [el('li', { class: 'muted', text: 'You hold no points yet.' })]));
}

function inDays(seconds) {
  const days = Number(seconds) / 86400;
  if (days < 1) return 'in less than a day';
  return `in ${Math.floor(days)} day${Math.floor(days) === 1 ? '' : 's'}`;
}

function describe(entry) {
  switch (entry.kind) {
    case 'credit': return entry.reason !== undefined ? `Earned: ${REASONS[entry.reason] || 'Other'}` : 'Earned';
    case 'spent': return entry.note || 'Spent';
    case 'sent': return `${entry.recovery ? 'Wallet recovered to' : 'Sent to'} ${short(entry.counterparty)}`;
    case 'received': return `${entry.recovery ? 'Wallet recovered from' : 'Received from'} ${short(entry.counterparty)}`;
    case 'expired': return entry.note || 'Expired';
    default: return entry.kind;
  }
}

function renderHistory(entries) {
  const { decimals } = state.config.token;
  const items = entries.map((e) => {
    const plus = e.kind === 'credit' || e.kind === 'received';
    return el('li', { class: `entry ${e.kind}` },
      el('span', { class: 'when', text: formatDate(e.time) }),
      el('span', { class: 'what', text: describe(e) }),
      el('span', { class: `amount ${plus ? 'plus' : 'minus'}`, text: `${plus ? '+' : '−'}${formatPoints(e.amount, decimals)}` }),
      e.log.transactionHash ? txLink(e.log.transactionHash) : el('span', { class: 'tx muted small', text: 'not swept yet' }));
  });
  $('history').replaceChildren(...items);
  show('history-empty', items.length === 0);
}

// ----------------------------------------------------------------------------- start
async function start() {
  initHelp();
  try {
    const res = await fetch('/config.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`the server answered ${res.status}`);
    state.config = await res.json();
  } catch (err) {
    showMessage(`This page cannot load its settings (${err.message}). Is 'svc serve' running?`);
    return;
  }
  const tokenLink = state.config.explorer
    ? el('a', { href: `${state.config.explorer}/token/${state.config.token.address}`, rel: 'noopener noreferrer', text: `Points contract ${short(state.config.token.address)}` })
    : el('span', { class: 'mono', title: state.config.token.address, text: `Points contract ${short(state.config.token.address)}` });
  $('contract-link').replaceChildren(tokenLink);
  $('connect').addEventListener('click', connect);
  $('switch-network').addEventListener('click', switchNetwork);
  $('watch-asset').addEventListener('click', watchAsset);
  $('message-close').addEventListener('click', clearMessage);
  const receipts = new Receipts({ $, config: state.config });
  state.standing = new Standing({ config: state.config, catalog: () => state.catalog, el });
  content.loadCatalog();
  state.signin = new SignIn({ $, showMessage, walletMessage, onChange: (address) => { receipts.render(address); content.signedIn(address); } });
  $('sign-in').addEventListener('click', () => { clearMessage(); state.signin.signIn(); });
  $('sign-out').addEventListener('click', () => state.signin.signOut());
  await state.signin.load();

  state.wallets = await discoverWallets();
  document.body.dataset.wallets = String(state.wallets.length);
  renderConnectButton();
  if (state.wallets.length === 0) {
    show('no-wallet', true);
    showMessage('No wallet found. Install MetaMask (or another Ethereum wallet) to see and use your points.', 'warn');
    document.body.dataset.ready = 'true';
    return;
  }
  renderWalletChoice();
  show('welcome', true);
  // Reconnect silently when the wallet already allowed this page.
  if (state.wallets.length === 1) {
    const wallet = await useWallet(state.wallets[0]);
    const accounts = await wallet.accounts();
    if (accounts.length) {
      state.chainId = await wallet.chainId();
      await onAccounts(accounts);
    }
  }
  setInterval(() => { if (!document.hidden) refresh(false); }, POLL_MS);
  document.body.dataset.ready = 'true';
}

start();
