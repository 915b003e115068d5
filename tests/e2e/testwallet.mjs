// A test wallet of our own for the browser tests: keys and signing stay in the Node process
// (ethers v6); the page gets a thin EIP-1193 provider, announced through EIP-6963 and set as
// window.ethereum, whose requests cross into Node through page.exposeFunction. Answers come
// back as a {result} / {error: {code, message}} envelope because Playwright drops custom fields
// of thrown errors, and the page-side stub rethrows them as EIP-1193 errors with their code.
import { ethers } from 'ethers';

export const MNEMONIC = 'test test test test test test test test test test test junk';

export function devWallet(index, provider) {
  return ethers.HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).connect(provider);
}

class RpcError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** Methods the wallet answers itself; everything else is forwarded to the node. */
const ACCOUNT_METHODS = new Set(['eth_requestAccounts', 'eth_accounts', 'eth_sendTransaction', 'eth_signTypedData_v4', 'personal_sign']);

export class TestWallet {
  /**
   * @param {object} o
   * @param {string} o.rpcUrl node URL (the chain the page expects)
   * @param {number} o.accountIndex key index in the test mnemonic
   * @param {number} o.chainId the chain the wallet starts on
   * @param {number[]} o.knownChains chains the wallet can switch to without adding them
   */
  constructor({ rpcUrl, accountIndex = 5, chainId, knownChains }) {
    this.node = new ethers.JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, pollingInterval: 100 });
    this.signer = devWallet(accountIndex, this.node);
    this.chainId = chainId;
    this.known = new Set(knownChains ?? [chainId]);
    this.connected = false;
    this.rejections = new Set(); // methods to reject once with 4001
    this.holds = new Map(); // method → {arrived, release}: the next call waits, as a wallet popup would
    this.calls = []; // [{method, params}] in order
    this.watched = [];
    this.page = null;
    this.delayMs = 0; // a slow node: every read forwarded to it waits this long
    this.failReads = false; // a node that does not answer: every read forwarded to it fails
    this.nextAccount = null; // the account the customer picks at wallet_requestPermissions
  }

  get address() {
    return this.signer.address;
  }

  /** Reject the next call of `method` as the user would (code 4001). */
  rejectNext(method) {
    this.rejections.add(method);
  }

  /**
   * Hold the next call of `method` until `release()` is called, as a popup the user is still reading.
   * Returns {reached: Promise resolved when the page made the call, release()}.
   */
  holdNext(method) {
    let arrived;
    let release;
    const reached = new Promise((resolve) => { arrived = resolve; });
    const released = new Promise((resolve) => { release = resolve; });
    this.holds.set(method, { arrived, released });
    return { reached, release };
  }

  emit(event, data) {
    // After the answer has reached the page, as a real wallet's event would.
    setTimeout(() => this.page?.evaluate(([e, d]) => window.__testWalletEmit(e, d), [event, data]).catch(() => {}), 20);
  }

  /** Switch the wallet to another key, as the user would in the wallet. */
  useAccount(index) {
    this.signer = devWallet(index, this.node);
    if (this.connected) this.emit('accountsChanged', [this.address]);
  }

  async handle(method, params) {
    this.calls.push({ method, params });
    const hold = this.holds.get(method);
    if (hold) {
      this.holds.delete(method);
      hold.arrived();
      await hold.released;
    }
    if (this.rejections.has(method)) {
      this.rejections.delete(method);
      throw new RpcError(4001, 'User rejected the request.');
    }
    if (ACCOUNT_METHODS.has(method) && method !== 'eth_accounts' && method !== 'eth_requestAccounts' && !this.connected) {
      throw new RpcError(4100, 'The requested account and/or method has not been authorized by the user.');
    }
    switch (method) {
      case 'eth_requestAccounts':
        this.connected = true;
        return [this.address];
      case 'eth_accounts':
        return this.connected ? [this.address] : [];
      case 'eth_chainId':
        return ethers.toQuantity(this.chainId);
      case 'net_version':
        return String(this.chainId);
      case 'wallet_switchEthereumChain': {
        const id = Number(params[0].chainId);
        if (!this.known.has(id)) throw new RpcError(4902, `Unrecognized chain ID "${params[0].chainId}". Try adding the chain using wallet_addEthereumChain first.`);
        if (id !== this.chainId) {
          this.chainId = id;
          this.emit('chainChanged', ethers.toQuantity(id));
        }
        return null;
      }
      case 'wallet_addEthereumChain': {
        const p = params[0];
        if (!p.chainId || !Array.isArray(p.rpcUrls) || !p.rpcUrls.length || !p.nativeCurrency || !p.chainName) {
          throw new RpcError(-32602, 'Invalid wallet_addEthereumChain parameters');
        }
        const id = Number(p.chainId);
        this.known.add(id);
        if (id !== this.chainId) {
          this.chainId = id;
          this.emit('chainChanged', ethers.toQuantity(id));
        }
        return null;
      }
      case 'wallet_requestPermissions':
        if (this.nextAccount !== null) {
          this.signer = devWallet(this.nextAccount, this.node);
          this.nextAccount = null;
        }
        this.connected = true;
        return [{ parentCapability: 'eth_accounts' }];
      case 'wallet_revokePermissions':
        this.connected = false;
        return null;
      case 'wallet_watchAsset': {
        const o = params.options || {};
        if (params.type !== 'ERC20' || !ethers.isAddress(o.address) || typeof o.symbol !== 'string' || !Number.isInteger(o.decimals)) {
          throw new RpcError(-32602, 'Invalid wallet_watchAsset parameters');
        }
        this.watched.push(o);
        return true;
      }
      case 'eth_signTypedData_v4': {
        const [from, json] = params;
        if (ethers.getAddress(from) !== this.address) throw new RpcError(4100, 'Unknown account');
        const data = typeof json === 'string' ? JSON.parse(json) : json;
        const types = { ...data.types };
        delete types.EIP712Domain;
        if (Number(data.domain.chainId) !== this.chainId) throw new RpcError(-32603, `Provided chainId "${data.domain.chainId}" must match the active chainId "${this.chainId}"`);
        return this.signer.signTypedData(data.domain, types, data.message);
      }
      case 'personal_sign':
        return this.signer.signMessage(ethers.getBytes(params[0]));
      case 'eth_sendTransaction': {
        const tx = params[0];
        if (ethers.getAddress(tx.from) !== this.address) throw new RpcError(4100, 'Unknown account');
        const sent = await this.signer.sendTransaction({
          to: tx.to, data: tx.data, value: tx.value ?? 0, ...(tx.gas ? { gasLimit: tx.gas } : {}),
        });
        return sent.hash;
      }
      default:
        if (this.delayMs) await new Promise((resolve) => { setTimeout(resolve, this.delayMs); });
        if (this.failReads) throw new RpcError(-32603, 'Failed to fetch'); // what a wallet says when its node is down
        if (this.chainId !== Number((await this.node.getNetwork()).chainId) && method.startsWith('eth_')) {
          // A real wallet would read another chain here; the page must not rely on it.
          throw new RpcError(-32603, `test wallet: read ${method} while on chain ${this.chainId}`);
        }
        return this.node.send(method, params ?? []);
    }
  }

  /** Install into `page` (before it loads). */
  async install(page, { eip6963 = true, legacy = true } = {}) {
    this.page = page;
    await page.exposeFunction('__testWalletRequest', async (method, params) => {
      try {
        return { result: await this.handle(method, params ?? undefined) };
      } catch (err) {
        return { error: { code: typeof err.code === 'number' ? err.code : -32603, message: err.shortMessage || err.message } };
      }
    });
    await page.addInitScript(({ eip6963: announce, legacy: setLegacy }) => {
      const listeners = new Map();
      const provider = {
        isTestWallet: true,
        async request({ method, params }) {
          const answer = await window.__testWalletRequest(method, params === undefined ? null : params);
          if (answer.error) {
            const err = new Error(answer.error.message);
            err.code = answer.error.code;
            throw err;
          }
          return answer.result;
        },
        on(event, fn) {
          if (!listeners.has(event)) listeners.set(event, []);
          listeners.get(event).push(fn);
          return provider;
        },
        removeListener(event, fn) {
          listeners.set(event, (listeners.get(event) || []).filter((f) => f !== fn));
          return provider;
        },
      };
      window.__testWalletEmit = (event, data) => (listeners.get(event) || []).forEach((fn) => fn(data));
      if (setLegacy) window.ethereum = provider;
      if (announce) {
        const info = Object.freeze({
          uuid: '6f0c0e52-7c55-4b9e-9a43-0d3cb7a1e001',
          name: 'Test Wallet',
          icon: 'data:image/svg+xml,%3Csvg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"%3E%3Ccircle cx="12" cy="12" r="10" fill="%232f55d4"/%3E%3C/svg%3E',
          rdns: 'org.servicecoin.testwallet',
        });
        const send = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info, provider }) }));
        window.addEventListener('eip6963:requestProvider', send);
        send();
      }
    }, { eip6963, legacy });
  }
}
