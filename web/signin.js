// Wallet sign-in (EIP-4361, "Sign-In with Ethereum"): the page asks the server for a nonce, builds
// the message, has the wallet sign it with personal_sign (no transaction, nothing spent) and posts
// it; the server answers with a 15-minute session in an HttpOnly cookie the page never sees.
// Customer-private things (voucher codes, ticket subjects, receipts) are fetched only when signed in.

const STATEMENT = 'Sign in to ServiceCoin to see your voucher codes, tickets and receipts. '
  + 'This only proves the address is yours: it sends no transaction and costs nothing.';
const VALID_MS = 10 * 60 * 1000; // the message must reach the server within 10 minutes
const HINT_KEY = 'svc.signedIn'; // this browser signed in before: ask the server whether the session lives

function hint(value) {
  try {
    if (value === undefined) return localStorage.getItem(HINT_KEY) === '1';
    if (value) localStorage.setItem(HINT_KEY, '1'); else localStorage.removeItem(HINT_KEY);
  } catch { /* private mode: no hint, no reload of the session */ }
  return false;
}

/** The EIP-4361 message for `address` on `chainId`, for this page's host and origin. */
export function siweMessage({ host, origin, address, chainId, nonce, now = new Date() }) {
  return [
    `${host} wants you to sign in with your Ethereum account:`,
    address,
    '',
    STATEMENT,
    '',
    `URI: ${origin}/`,
    'Version: 1',
    `Chain ID: ${chainId}`,
    `Nonce: ${nonce}`,
    `Issued At: ${now.toISOString()}`,
    `Expiration Time: ${new Date(now.getTime() + VALID_MS).toISOString()}`,
  ].join('\n');
}

function utf8Hex(text) {
  return `0x${Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

async function api(path, body) {
  const res = await fetch(path, body === undefined ? { cache: 'no-store' } : {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), cache: 'no-store',
  });
  const answer = await res.json().catch(() => ({}));
  return { ok: res.ok, status: res.status, answer };
}

export class SignIn {
  /** @param {{$: Function, showMessage: Function, walletMessage: Function, onChange?: Function}} o
   *  onChange(address | null) runs on every render with the signed-in address of the connected account. */
  constructor({ $, showMessage, walletMessage, onChange = () => {} }) {
    this.$ = $;
    this.onChange = onChange;
    this.showMessage = showMessage;
    this.walletMessage = walletMessage;
    this.session = null; // {address, chain_id, expires_at} from /api/me
    this.busy = false;
    this.context = { wallet: null, account: null, chainId: null, rightChain: false };
  }

  /** Ask the server whether this browser is still signed in (the cookie goes by itself), when it was. */
  async load() {
    if (hint()) {
      const { ok, answer } = await api('/api/me').catch(() => ({ ok: false }));
      this.session = ok ? answer : null;
      hint(ok);
    }
    this.render();
  }

  /** Show "Sign in" for a connected account on the right chain, or who is signed in and "Sign out". */
  render(context = this.context) {
    this.context = context;
    const { account, rightChain } = context;
    const mine = this.session && account && this.session.address.toLowerCase() === account.toLowerCase();
    const button = this.$('sign-in');
    button.hidden = !account || !rightChain || Boolean(mine);
    button.disabled = this.busy;
    button.textContent = this.busy ? 'Check your wallet…' : 'Sign in';
    this.$('signed-in').hidden = !mine;
    if (mine) {
      const until = new Date(this.session.expires_at);
      this.$('signed-in-text').textContent = `Signed in until ${until.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`;
      this.$('signed-in-text').title = `Signed in as ${this.session.address} on chain ${this.session.chain_id}`;
    }
    document.body.dataset.signedIn = mine ? 'true' : 'false';
    this.onChange(mine ? this.session.address : null);
  }

  async signIn() {
    const { wallet, account, chainId } = this.context;
    if (!wallet || !account || this.busy) return;
    this.busy = true;
    this.render();
    try {
      const nonce = await api('/api/siwe/nonce');
      if (!nonce.ok) throw new Error(nonce.answer.error || `the server answered ${nonce.status}`);
      const message = siweMessage({ host: window.location.host, origin: window.location.origin, address: account, chainId, nonce: nonce.answer.nonce });
      const signature = await wallet.request('personal_sign', [utf8Hex(message), account]);
      const login = await api('/api/siwe/login', { message, signature });
      if (!login.ok) throw new Error(login.answer.error || `the server answered ${login.status}`);
      this.session = login.answer;
      hint(true);
    } catch (err) {
      const words = this.walletMessage(err, 'Signing in');
      this.showMessage(words.startsWith('You rejected') ? 'You did not sign in: nothing was signed. Press “Sign in” when you are ready.' : words);
    } finally {
      this.busy = false;
      this.render();
    }
  }

  async signOut() {
    await api('/api/siwe/logout', {}).catch(() => null);
    this.session = null;
    hint(false);
    this.render();
    this.$('sign-in').focus();
  }
}
