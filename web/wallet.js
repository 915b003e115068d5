// Wallet discovery and requests: EIP-6963 (every installed wallet announces itself) with the
// legacy window.ethereum as fallback, and one place that turns wallet errors into plain words.

/** Discover wallets: resolve after `waitMs` with [{info, provider}] (EIP-6963 first, then window.ethereum). */
export function discoverWallets(waitMs = 400) {
  const found = new Map();
  const onAnnounce = (event) => {
    const { info, provider } = event.detail || {};
    if (info && provider && typeof provider.request === 'function' && !found.has(info.uuid)) {
      found.set(info.uuid, { info, provider });
    }
  };
  window.addEventListener('eip6963:announceProvider', onAnnounce);
  window.dispatchEvent(new Event('eip6963:requestProvider'));
  return new Promise((resolve) => {
    setTimeout(() => {
      window.removeEventListener('eip6963:announceProvider', onAnnounce);
      const wallets = [...found.values()];
      const legacy = window.ethereum;
      if (legacy && typeof legacy.request === 'function' && !wallets.some((w) => w.provider === legacy)) {
        if (wallets.length === 0) {
          wallets.push({ info: { uuid: 'window.ethereum', name: legacy.isMetaMask ? 'MetaMask' : 'Browser wallet', icon: '', rdns: '' }, provider: legacy });
        }
      }
      resolve(wallets);
    }, waitMs);
  });
}

/** The EIP-1193 error code inside whatever a wallet or ethers threw. */
export function errorCode(err) {
  for (let e = err, depth = 0; e && depth < 5; depth += 1) {
    if (typeof e.code === 'number') return e.code;
    if (e.code === 'ACTION_REJECTED') return 4001;
    e = e.error || e.info?.error || e.cause;
  }
  return undefined;
}

export const NETWORK_DOWN = 'The network did not answer; nothing was spent; try again.';
export const SERVICE_DOWN = 'Our service did not answer; nothing was spent; try again in a moment.';

/** Networks a wallet may be on, by name (the page's own chain is named by its config). */
const CHAINS = {
  1: 'Ethereum', 10: 'OP Mainnet', 56: 'BNB Chain', 100: 'Gnosis', 137: 'Polygon', 8453: 'Base', 42161: 'Arbitrum One',
  43114: 'Avalanche', 59144: 'Linea', 11155111: 'Sepolia', 17000: 'Holesky', 560048: 'Hoodi', 84532: 'Base Sepolia',
  11155420: 'OP Sepolia', 421614: 'Arbitrum Sepolia', 80002: 'Polygon Amoy', 31337: 'a local test chain', 1337: 'a local test chain',
};

/** A chain's name for people: the page's own from its config, well-known ones by name, else "another network". */
export function chainName(chainId, config) {
  if (config && chainId === config.chain_id) return config.chain_name;
  return CHAINS[chainId] || 'another network';
}

/** A refusal of the relay API (`svc serve`): the HTTP status (0: no answer) and the server's one line. */
export class RelayError extends Error {
  constructor(status, message, field) {
    super(message);
    this.name = 'RelayError';
    this.status = status;
    this.field = field;
  }
}

// Library and transport words that must never reach a customer: they mean "no usable answer".
const TRANSPORT = /failed to fetch|networkerror|load failed|network ?error|could not coalesce|missing revert data|timeout|timed out|econn|socket|internal json-rpc|bad gateway|gateway|unavailable|429|rate limit|fetch|json/i;
const TRANSPORT_CODES = new Set(['NETWORK_ERROR', 'TIMEOUT', 'SERVER_ERROR', 'UNKNOWN_ERROR', 'BAD_DATA', 'UNCONFIGURED_NAME', 'OFFCHAIN_FAULT']);

/** Whether `err` says the node or the connection failed (rather than the customer or the contract). */
export function isNetworkFailure(err) {
  for (let e = err, depth = 0; e && depth < 6; depth += 1) {
    if (e instanceof TypeError && /fetch|network|load/i.test(e.message || '')) return true;
    if (typeof e.code === 'string' && TRANSPORT_CODES.has(e.code)) return true;
    if (e.code === 'CALL_EXCEPTION' && !e.revert && !e.reason && /missing revert data/i.test(e.message || '')) return true;
    if (typeof e.code === 'number' && (e.code === -32603 || (e.code <= -32000 && e.code >= -32099 && e.code !== -32002))) return true;
    e = e.error || e.info?.error || e.cause;
  }
  return false;
}

/** The relay's refusal in plain words (what the customer can do; the server's line when it is plain). */
function relayWords(err, what) {
  const { status } = err;
  if (status === 0) return SERVICE_DOWN;
  if (status === 429) return `${what} failed: too many requests at once; nothing was spent; wait a minute and try again.`;
  if (status === 503 && /relay|configured/i.test(err.message)) {
    return `${what} failed: free (gasless) requests are switched off on this server; nothing was spent. Send it yourself, or try again later.`;
  }
  if (status >= 500) return 'Our service could not reach the network; nothing was spent; try again in a moment.';
  if (status === 401) return `${what} failed: your sign-in has ended; nothing was spent. Sign in again and try again.`;
  if (status === 409) return `${what} failed: ${plainLine(err.message)}; nothing was spent; try again.`;
  return `${what} failed: ${plainLine(err.message)}; nothing was spent.`;
}

/** A server or contract line, unless it is library text. */
function plainLine(text) {
  const line = String(text || '').split('\n')[0].replace(/[.;\s]+$/, '');
  if (!line || TRANSPORT.test(line) || /0x[0-9a-f]{8,}|\(|\{|\[/i.test(line) || line.length > 160) return 'the request was refused';
  return line;
}

/** Words a customer understands for a failed wallet, RPC or relay request: never library text. */
export function walletMessage(err, what = 'The request') {
  const code = errorCode(err);
  switch (code) {
    case 4001:
      return `You rejected the request in your wallet. Nothing was signed or sent; try again when you are ready.`;
    case -32002:
      return 'Your wallet already has a request waiting. Open your wallet to approve or reject it.';
    case 4100:
      return 'Your wallet has not allowed this page yet. Press “Connect wallet” first.';
    case 4900:
    case 4901:
      return 'Your wallet is not connected to any network. Check your wallet and try again.';
    default: {
      if (err instanceof RelayError) return relayWords(err, what);
      if (isNetworkFailure(err)) return NETWORK_DOWN;
      if (typeof code === 'number' && code === -32601) return `${what} failed: your wallet does not support this; nothing was spent.`;
      if (typeof err?.code === 'string' || typeof code === 'number') {
        // A library error we have no words for: keep its details for the console, say what it means.
        console.warn(what, err); // eslint-disable-line no-console
        const reverted = err?.code === 'CALL_EXCEPTION';
        return reverted
          ? `${what} failed: the network refused it${err.revert?.name ? ` (${err.revert.name})` : ''}; no points were spent.`
          : `${what} did not work; nothing was spent; try again.`;
      }
      // Our own errors (plain Error with a message written for people).
      return `${what} failed: ${plainLine(err?.message || String(err))}.`;
    }
  }
}

/** A thin wrapper over one EIP-1193 provider. */
export class Wallet {
  constructor({ info, provider }) {
    this.info = info;
    this.provider = provider;
    this.handlers = [];
  }

  request(method, params) {
    return this.provider.request(params === undefined ? { method } : { method, params });
  }

  /** Accounts this page may already see (no popup). */
  async accounts() {
    try {
      return await this.request('eth_accounts');
    } catch {
      return [];
    }
  }

  /** Ask the wallet to connect (may open a popup). */
  connect() {
    return this.request('eth_requestAccounts');
  }

  async chainId() {
    return Number.parseInt(await this.request('eth_chainId'), 16);
  }

  /** Switch to the page's chain, adding it to the wallet first if the wallet does not know it. */
  async switchTo(config) {
    try {
      await this.request('wallet_switchEthereumChain', [{ chainId: config.chain_id_hex }]);
      return;
    } catch (err) {
      const code = errorCode(err);
      const unknown = code === 4902 || /unrecognized|unknown chain|not added/i.test(err?.message || '');
      if (!unknown) throw err;
    }
    if (!config.rpc_url) {
      throw new Error(`your wallet does not know ${config.chain_name} yet; add it in your wallet settings (chain id ${config.chain_id})`);
    }
    await this.request('wallet_addEthereumChain', [{
      chainId: config.chain_id_hex,
      chainName: config.chain_name,
      rpcUrls: [config.rpc_url],
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      ...(config.explorer ? { blockExplorerUrls: [config.explorer] } : {}),
    }]);
    // Most wallets switch on add; ask again for those that do not.
    if ((await this.chainId()) !== config.chain_id) {
      await this.request('wallet_switchEthereumChain', [{ chainId: config.chain_id_hex }]);
    }
  }

  /** Ask the wallet to let the customer pick another account (EIP-2255); resolves to the accounts now allowed. */
  async switchAccount() {
    await this.request('wallet_requestPermissions', [{ eth_accounts: {} }]);
    return this.accounts();
  }

  /** Ask the wallet to forget this page (EIP-2255 revoke, where supported; ignored elsewhere). */
  async disconnect() {
    try {
      await this.request('wallet_revokePermissions', [{ eth_accounts: {} }]);
    } catch { /* not supported: the page forgets the account itself */ }
  }

  /** Ask the wallet to show the token; resolves to whether the user accepted. */
  watchToken(token) {
    const options = { address: token.address, symbol: token.symbol, decimals: token.decimals };
    if (token.image) options.image = token.image;
    return this.request('wallet_watchAsset', { type: 'ERC20', options });
  }

  on(event, fn) {
    if (typeof this.provider.on === 'function') {
      this.provider.on(event, fn);
      this.handlers.push([event, fn]);
    }
  }

  /** Stop listening (when the customer picks another wallet). */
  close() {
    const off = this.provider.removeListener || this.provider.off;
    for (const [event, fn] of this.handlers) off?.call(this.provider, event, fn);
    this.handlers = [];
  }
}
