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

/** Words a customer understands for a failed wallet request. */
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
      const inner = err?.info?.error?.message || err?.error?.message;
      const text = err?.shortMessage || inner || err?.message || String(err);
      return `${what} failed: ${text}`;
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
      throw new Error(`your wallet does not know ${config.chain_name} (chain id ${config.chain_id}); add it in your wallet settings`);
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
