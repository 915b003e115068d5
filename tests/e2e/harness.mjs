// Shared setup of the browser tests: the served page, the chain, headless Chromium and screenshots.
// Environment: SVC_URL (the page, from `svc serve`), SVC_RPC_URL (the node), SVC_ARTIFACTS (screenshots).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { ethers } from 'ethers';
import { TestWallet, devWallet } from './testwallet.mjs';

export const URL = process.env.SVC_URL || 'http://127.0.0.1:8800/';
export const RPC_URL = process.env.SVC_RPC_URL || 'http://127.0.0.1:8801';
export const ARTIFACTS = process.env.SVC_ARTIFACTS || 'test-artifacts/e2e';
export const CHROMIUM = process.env.SVC_CHROMIUM || '/usr/bin/chromium';
export const CUSTOMER = 5; // test mnemonic index of the customer the Python wrapper seeded
export const OTHER_CUSTOMER = 6;

mkdirSync(ARTIFACTS, { recursive: true });

export async function loadConfig() {
  const res = await fetch(new globalThis.URL('/config.json', URL));
  if (!res.ok) throw new Error(`GET /config.json: ${res.status}`);
  return res.json();
}

export function node() {
  return new ethers.JsonRpcProvider(RPC_URL, undefined, { staticNetwork: true, pollingInterval: 100 });
}

export function contract(config, name, runner) {
  return new ethers.Contract(config.contracts[name], config.abis[name], runner);
}

/** One browser and the served config for a test file: `suite()` registers before/after hooks; read
 * `s.browser` and `s.config` inside tests. */
export function suite() {
  const s = { browser: null, config: null };
  before(async () => {
    s.config = await loadConfig();
    s.browser = await launch();
  });
  after(async () => { await s.browser?.close(); });
  return s;
}

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/**
 * A fresh page with (unless wallet === null) a TestWallet installed.
 * Console errors and page errors are collected in `errors` so tests can assert there were none.
 */
export async function openPage(browser, { wallet, viewport = { width: 1100, height: 900 }, walletOptions } = {}) {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });
  if (wallet) await wallet.install(page, walletOptions);
  await page.goto(URL);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
  return { context, page, errors };
}

/** Connect the page's wallet and sign in (EIP-4361); resolves once the page shows the signed-in state. */
export async function signIn(page) {
  await page.click('#connect');
  await page.waitForSelector('#sign-in:not([hidden])', { timeout: 15000 });
  await page.click('#sign-in');
  await page.waitForSelector('body[data-signed-in="true"]', { timeout: 15000 });
}

export function newWallet(config, overrides = {}) {
  return new TestWallet({ rpcUrl: RPC_URL, accountIndex: CUSTOMER, chainId: config.chain_id, ...overrides });
}

/** The whole page; with a dialog open, the screen as the customer sees it (a modal stays in the viewport). */
export async function shot(page, name) {
  const modal = Boolean(await page.$('dialog[open]'));
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: !modal });
}

/** Points as the page shows them: raw units → "1,234.50" (always two decimals). */
export function points(raw, decimals = 2) {
  const [whole, frac = ''] = ethers.formatUnits(raw, decimals).split('.');
  return `${BigInt(whole).toLocaleString('en-US')}.${frac.padEnd(2, '0').slice(0, 2)}`;
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
const SERIOUS = new Set(['serious', 'critical']);

/**
 * Run axe-core (WCAG 2.x A/AA and best practices) on the page as it is; write the violations to
 * ARTIFACTS/axe/<name>.json (and, for `make bench`, append them to SVC_AXE_REPORT as JSON lines).
 * Returns the serious and critical ones, which the tests require to be none.
 */
export async function axe(page, name) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
  const found = result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  mkdirSync(path.join(ARTIFACTS, 'axe'), { recursive: true });
  writeFileSync(path.join(ARTIFACTS, 'axe', `${name}.json`), `${JSON.stringify(found, null, 2)}\n`);
  if (process.env.SVC_AXE_REPORT) appendFileSync(process.env.SVC_AXE_REPORT, `${JSON.stringify({ state: name, violations: found })}\n`);
  return found.filter((v) => SERIOUS.has(v.impact));
}

export { devWallet, ethers };
