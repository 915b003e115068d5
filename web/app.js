// The customer page: connect a wallet, check the network, show points, act.
import { ethers } from '/vendor/ethers.min.js';
import { NETWORK_DOWN, chainName, discoverWallets, Wallet, walletMessage } from './wallet.js';
import { AccountReader, REASONS, formatDate, formatDateTime, formatPoints } from './account.js';
import { Actions } from './actions.js';
import { Catalog } from './catalog.js';
import { Receipts } from './receipts.js';
import { SignIn } from './signin.js';
import { $, blockDisabledClicks, chainLink, copyText, disableWithReason, el, keepDisabledReachable, short } from './dom.js';
import { Requests } from './requests.js';
import { content } from './content.js';
import { Standing } from './standing.js';

const HELP_KEY = 'svc.help.dismissed';
const DISCONNECTED_KEY = 'svc.disconnected'; // the customer pressed Disconnect: no silent reconnect
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
  requests: null, // Requests (requests.js): pending requests in the header, kept across reloads
  lastBlock: -1,
  shown: null, // {block, at} of the data on screen
  loading: false,
  again: false,
  signin: null, // SignIn (signin.js): the wallet sign-in session
};

// ----------------------------------------------------------------------------- messages
/** The message at the top, for things without a dialog of their own (connecting, switching networks). */
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

export function txLink(hash) {
  return chainLink(state.config, 'tx', hash);
}

// ----------------------------------------------------------------------------- requests (transaction states)
/**
 * Track one request: its state shows in the dialog that started it (`dialog`: its id) and in the
 * header's list, kept across reloads under `key` (e.g. "redeem:3"), which also locks its buttons
 * until it is settled. `retry` ({kind, itemId | ticket}) lets a failed one be tried again.
 */
export function track(label, { dialog = null, key = null, retry = null } = {}) {
  const { set } = state.requests.start({ label, key, retry, dialog });
  const failedWith = (text) => set('failed', text.startsWith('Cancelled') ? text : `Failed: ${text}`);
  return {
    waiting: (text) => set(/wallet/i.test(text) ? 'signing' : 'sending', text),
    sent: (hash) => set('sent', 'Sent: waiting for the network to confirm…', { tx: hash }),
    confirmed: (text = 'Confirmed') => {
      set('confirmed', text);
      clearMessage(); // a success answers the errors shown before it
    },
    failed: (text) => failedWith(text),
    rejected: () => failedWith('Cancelled: you rejected it in your wallet; nothing was signed or sent'),
    /** Say why `what` did not happen: a rejection in the wallet, or `text` (default: plain words for `err`). */
    fail: (err, what, text) => {
      const words = walletMessage(err, what);
      if (words.startsWith('You rejected')) {
        failedWith('Cancelled: you rejected it in your wallet; nothing was signed or sent');
        return;
      }
      failedWith((text || words).replace(`${what} failed: `, ''));
    },
  };
}

/** Lock the buttons of requests under way (nobody pays twice), with the reason read out; unlock when settled. */
function applyLocks() {
  const locks = [['#catalog li[data-item="ID"] button', 'redeem:', 'Redemption under way'],
    ['#tickets li[data-ticket="ID"] button', 'feedback:', 'Feedback under way']];
  const wanted = new Map(); // button → the request holding it
  for (const [selector, prefix] of locks) {
    for (const e of state.requests?.entries || []) {
      if (!e.key?.startsWith(prefix) || !state.requests.active(e.key)) continue;
      const button = document.querySelector(selector.replace('ID', e.key.slice(prefix.length)));
      if (button) wanted.set(button, { e, words: locks.find(([, p]) => p === prefix)[2] });
    }
  }
  for (const button of document.querySelectorAll('button[data-locked]')) {
    if (wanted.has(button)) continue;
    button.textContent = button.dataset.label;
    button.removeAttribute('aria-disabled');
    button.removeAttribute('aria-describedby');
    if (button.nextElementSibling?.classList.contains('reason')) button.nextElementSibling.remove();
    delete button.dataset.locked;
  }
  for (const [button, { e, words }] of wanted) {
    if (button.dataset.locked || button.getAttribute('aria-disabled') === 'true') continue; // locked, or blocked already
    button.dataset.locked = 'true';
    button.dataset.label = button.textContent;
    button.textContent = `${words}…`;
    disableWithReason(button, `${e.label} is under way: see “Your requests” at the top. It cannot be sent twice.`);
  }
}

function retry(entry) {
  const r = entry.retry || {};
  if (r.kind === 'redeem') state.catalog?.open(r.itemId);
  else if (r.kind === 'feedback') state.actions?.openFeedback(BigInt(r.ticket));
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
  btn.hidden = Boolean(state.account); // connected: the account menu takes its place
  if (state.wallets.length === 0) {
    btn.textContent = 'No wallet found';
    disableWithReason(btn, 'No Ethereum wallet was found in this browser. Install MetaMask or another wallet, then reload this page.');
  } else {
    btn.textContent = 'Connect wallet';
    btn.removeAttribute('aria-disabled');
    btn.disabled = false;
  }
}

function renderChip() {
  const chip = $('account-chip');
  $('account').dataset.address = state.account || '';
  $('account-menu-wrap').hidden = !state.account;
  if (state.account) {
    chip.textContent = short(state.account);
    chip.title = state.account;
    chip.setAttribute('aria-label', `Your account ${short(state.account)}: copy, switch or disconnect`);
    $('account-menu-address').textContent = state.account;
    const link = state.config.explorer ? `${state.config.explorer.replace(/\/$/, '')}/address/${state.account}` : null;
    $('account-menu-explorer').hidden = !link;
    if (link) $('account-menu-explorer').href = link;
  } else {
    closeAccountMenu(false);
  }
  const badge = $('network-badge');
  badge.hidden = state.chainId === null || !state.account;
  const right = state.chainId === state.config.chain_id;
  badge.textContent = right ? state.config.chain_name : `Wrong network: ${chainName(state.chainId, state.config)}`;
  badge.title = `Chain id ${state.chainId}`;
  badge.className = `badge ${right ? 'ok' : 'bad'}`;
  state.signin?.render({ wallet: state.wallet, account: state.account, chainId: state.chainId, rightChain: right });
}

// The account menu: a disclosure button in the header with copy, switch and disconnect.
function openAccountMenu() {
  $('account-menu').hidden = false;
  $('account-chip').setAttribute('aria-expanded', 'true');
  $('account-copy').focus();
}

function closeAccountMenu(focus = true) {
  if ($('account-menu').hidden) return;
  $('account-menu').hidden = true;
  $('account-chip').setAttribute('aria-expanded', 'false');
  if (focus) $('account-chip').focus();
}

function initAccountMenu() {
  $('account-chip').addEventListener('click', () => ($('account-menu').hidden ? openAccountMenu() : closeAccountMenu()));
  $('account-menu-wrap').addEventListener('keydown', (e) => { if (e.key === 'Escape') closeAccountMenu(); });
  document.addEventListener('click', (e) => { if (!$('account-menu-wrap').contains(e.target)) closeAccountMenu(false); });
  $('account-copy').addEventListener('click', async () => {
    const ok = await copyText(state.account);
    $('account-copy').textContent = ok ? 'Address copied' : 'Copy failed: select the address above';
    setTimeout(() => { $('account-copy').textContent = 'Copy address'; }, 2000);
  });
  $('account-switch').addEventListener('click', async () => {
    closeAccountMenu();
    try {
      const accounts = await state.wallet.switchAccount();
      await onAccounts(accounts);
    } catch (err) {
      const words = walletMessage(err, 'Switching account');
      showMessage(words.includes('does not support')
        ? 'Your wallet does not offer a switch from here: choose another account in your wallet, and this page follows.'
        : words, 'warn');
    }
  });
  $('account-disconnect').addEventListener('click', async () => {
    closeAccountMenu(false);
    try { localStorage.setItem(DISCONNECTED_KEY, '1'); } catch { /* private mode */ }
    await state.wallet?.disconnect();
    await onAccounts([]);
    showMessage('Disconnected. Your points stay in your wallet; press “Connect wallet” to see them again.', 'info');
    $('connect').focus();
  });
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
  try { localStorage.removeItem(DISCONNECTED_KEY); } catch { /* private mode */ }
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
  if (changed) {
    state.shown = null; // another account: nothing of the last one stays on screen
    show('account', false);
  }
  if (!next) {
    state.reader = null;
    state.requests.use(null, null);
    show('account', false);
    show('loading', false);
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
    show('loading', false);
    state.requests.use(null, null);
    $('wrong-network-text').textContent = `This page works on ${state.config.chain_name}, but your wallet is on `
      + `${chainName(chainId, state.config)}. Switch network to see your points; nothing is sent.`;
    state.provider = null;
    state.reader = null;
    return;
  }
  clearMessageIf('wrong');
  state.provider = new ethers.BrowserProvider(state.wallet.provider, 'any');
  state.reader = new AccountReader(state.provider, state.config);
  state.actions = new Actions({ state, track, showMessage, refresh, el, txLink });
  state.catalog = new Catalog({ state, track, showMessage, refresh, el, txLink });
  state.requests.use(chainId, state.account);
  state.lastBlock = -1;
  if (!state.shown) showLoading();
  await refresh(force);
}

function clearMessageIf(word) {
  if (!$('message').hidden && $('message-text').textContent.toLowerCase().includes(word)) clearMessage();
}

async function switchNetwork() {
  clearMessage();
  const btn = $('switch-network');
  btn.disabled = true;
  btn.textContent = 'Check your wallet…';
  try {
    await state.wallet.switchTo(state.config);
    const chainId = await state.wallet.chainId();
    if (chainId !== state.chainId) await onChain(chainId);
  } catch (err) {
    showMessage(walletMessage(err, 'Switching network'));
  } finally {
    btn.disabled = false;
    btn.textContent = 'Switch network';
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
/** The skeleton while the account loads (a slow node would otherwise show a blank page). */
function showLoading() {
  const card = $('loading');
  card.classList.remove('failed');
  card.setAttribute('aria-busy', 'true');
  $('loading-text').textContent = 'Loading your points…';
  show('loading-retry', false);
  show('loading', true);
}

function clock(date) {
  return date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "Updated at block N, time"; the stale marker goes once a read succeeds. */
function markFresh(block) {
  state.shown = { block, at: new Date() };
  $('updated-text').textContent = `Updated at block ${block.toLocaleString('en-US')}, ${clock(state.shown.at)}`;
  $('updated').classList.remove('stale');
  show('stale', false);
  document.body.dataset.stale = 'false';
}

/** A read failed: keep what is on screen and mark it stale, or say so in place of the skeleton. */
function markStale(err) {
  const words = walletMessage(err, 'Reading your points');
  document.body.dataset.stale = 'true';
  if (!state.shown) {
    const card = $('loading');
    card.classList.add('failed');
    card.removeAttribute('aria-busy');
    $('loading-text').textContent = words === NETWORK_DOWN ? 'Your points could not be read: the network did not answer. Try again in a moment.' : words;
    show('loading-retry', true);
    show('loading', true);
    return;
  }
  if (!$('stale').hidden) return; // already marked: say it once
  $('updated').classList.add('stale');
  $('stale-text').textContent = `Not up to date: the network did not answer at ${clock(new Date())}. `
    + `These are your points at block ${state.shown.block.toLocaleString('en-US')}, ${clock(state.shown.at)}.`;
  show('stale', true);
}

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
    if (await state.requests.check(state.provider)) force = true; // a request sent before a reload settled
    if (!force && block === state.lastBlock) {
      markFresh(state.lastBlock);
      return;
    }
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
    if (account !== state.account || !state.reader) return; // disconnected or switched meanwhile
    markFresh(summary.block);
    applyLocks();
    show('loading', false);
    show('account', true);
    document.body.dataset.block = String(summary.block);
  } catch (err) {
    if (state.reader) markStale(err);
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
  blockDisabledClicks();
  try {
    const res = await fetch('/config.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`status ${res.status}`);
    state.config = await res.json();
  } catch {
    showMessage('This page cannot load its settings: our service did not answer. Nothing was spent; reload the page in a moment.');
    return;
  }
  $('contract-link').replaceChildren('Points contract ', chainLink(state.config, 'address', state.config.token.address));
  $('connect').addEventListener('click', connect);
  $('switch-network').addEventListener('click', switchNetwork);
  $('watch-asset').addEventListener('click', watchAsset);
  $('message-close').addEventListener('click', clearMessage);
  for (const id of ['reload-points', 'loading-retry']) $(id).addEventListener('click', () => { showLoadingIfEmpty(); refresh(true); });
  initAccountMenu();
  // Lists rendered anew each time: their blocked buttons keep focus and say why (a transient busy button elsewhere stays natively disabled).
  for (const id of ['catalog', 'tickets']) keepDisabledReachable($(id));
  state.requests = new Requests({ config: state.config, onChange: applyLocks, onRetry: retry });
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
  // Reconnect silently when the wallet already allowed this page (unless the customer disconnected here).
  let disconnected = false;
  try { disconnected = localStorage.getItem(DISCONNECTED_KEY) === '1'; } catch { /* private mode */ }
  if (state.wallets.length === 1 && !disconnected) {
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

function showLoadingIfEmpty() {
  if (!state.shown) showLoading();
}

start();
