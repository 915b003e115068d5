// Every state of the customer page at 1280×800 and 390×844, each screenshotted (test-artifacts/e2e/
// ux-<state>-<size>.png) and scanned with axe-core (no serious or critical violation): no wallet,
// first visit, loading on a slow node, the account (balance above the fold, "updated at block N"), the
// account menu, a node that fails (first load and later: stale), wrong network, a redemption being
// signed, confirmed, failed on a relay that does not answer and retried, a pending one across a reload
// (its button locked), and explorer links when the config names an explorer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP, PHONE, axe, contract, devWallet, ethers, launch, loadConfig, newWallet, node, openPage, points, shot,
} from './harness.mjs';

const SIZES = [['desktop', DESKTOP], ['phone', PHONE]];
const ITEM = 2; // 10 percent off: unlimited stock, so these flows never run it out
const TOTE = 4; // out of stock
const OPERATOR = 1;
const FUNDER = 0; // anvil's first key sends the shoppers a little ETH
// No points until these tests issue them (and ETH for the direct redemption): one account per size that
// no other test file uses, so the flows do not touch the customers the other files count on.
const SHOPPER = { desktop: 8, phone: 10 };
const LIBRARY_WORDS = /missing revert data|could not coalesce|Failed to fetch|NetworkError|Internal JSON-RPC|CALL_EXCEPTION|UNKNOWN_ERROR|\{"/;

let browser;
let config;
let skipVault = false;

before(async () => {
  config = await loadConfig();
  skipVault = !config.contracts.RedemptionVault;
  browser = await launch();
});

after(async () => { await browser?.close(); });

/** Screenshot (harness.shot), axe-core, and no library text anywhere on the page. */
async function check(page, name, size) {
  await shot(page, `ux-${name}-${size}`);
  const serious = await axe(page, `ux-${name}-${size}`);
  assert.deepEqual(serious, [], `axe: serious or critical violations in ${name} at ${size}`);
  const text = await page.evaluate(() => document.body.innerText);
  assert.doesNotMatch(text, LIBRARY_WORDS, `library text on the page in ${name} at ${size}`);
}

async function connect(page) {
  await page.click('#connect');
  await page.waitForSelector('#account:not([hidden]) #history li', { timeout: 20000 });
}

async function give(index, amount) {
  const provider = node();
  const to = devWallet(index).address;
  const token = contract(config, 'RewardToken', devWallet(OPERATOR, provider));
  await (await token.issue(to, amount, 0, ethers.id(`ux-${index}-${amount}`))).wait();
  if (await provider.getBalance(to) === 0n) await (await devWallet(FUNDER, provider).sendTransaction({ to, value: ethers.parseEther('1') })).wait();
  provider.destroy();
}

/** The shopper of `size`, given `amount` more points, connected on a fresh page; with a node and the token. */
async function shopperPage(size, viewport, amount) {
  await give(SHOPPER[size], amount);
  const provider = node();
  const token = contract(config, 'RewardToken', provider);
  const shopper = devWallet(SHOPPER[size]).address;
  const wallet = newWallet(config, { accountIndex: SHOPPER[size] });
  const opened = await openPage(browser, { wallet, viewport });
  await connect(opened.page);
  return { ...opened, provider, token, shopper, wallet };
}

for (const [size, viewport] of SIZES) {
  test(`${size}: no wallet, first visit, h1 and focus ring`, async () => {
    const bare = await openPage(browser, { wallet: null, viewport });
    await bare.page.waitForSelector('#no-wallet:not([hidden])');
    // Disabled with its reason, still reachable by keyboard.
    assert.equal(await bare.page.getAttribute('#connect', 'aria-disabled'), 'true');
    assert.equal(await bare.page.isDisabled('#connect'), true);
    const reason = await bare.page.$eval('#connect', (b) => document.getElementById(b.getAttribute('aria-describedby')).textContent);
    assert.match(reason, /No Ethereum wallet was found/);
    await check(bare.page, 'no-wallet', size);
    await bare.context.close();

    const { context, page, errors } = await openPage(browser, { wallet: newWallet(config), viewport });
    assert.equal(await page.locator('h1').count(), 1);
    assert.match(await page.textContent('h1'), /ServiceCoin/);
    await page.keyboard.press('Tab'); // the skip link
    await page.keyboard.press('Tab'); // Connect wallet
    assert.equal(await page.evaluate(() => document.activeElement.id), 'connect');
    const ratio = await page.evaluate(() => {
      const lum = (c) => {
        const [r, g, b] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const ring = getComputedStyle(document.activeElement).outlineColor;
      const behind = getComputedStyle(document.querySelector('.top')).backgroundColor;
      const [hi, lo] = [lum(ring), lum(behind)].sort((a, b) => b - a);
      return (hi + 0.05) / (lo + 0.05);
    });
    assert.ok(ratio >= 3, `focus ring contrast ${ratio.toFixed(2)}:1 is below 3:1`);
    await check(page, 'first-visit', size);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test(`${size}: a slow node shows a skeleton, then the account with the balance above the fold`, async () => {
    const wallet = newWallet(config);
    const { context, page, errors } = await openPage(browser, { wallet, viewport });
    wallet.delayMs = 600;
    await page.click('#connect');
    await page.waitForSelector('#loading:not([hidden]) .skeleton');
    assert.match(await page.textContent('#loading-text'), /Loading your points/);
    await check(page, 'loading', size);
    wallet.delayMs = 0;
    await page.waitForSelector('#account:not([hidden]) #history li', { timeout: 30000 });
    assert.equal(await page.isHidden('#loading'), true);
    const block = await page.evaluate(() => Number(document.body.dataset.block));
    assert.match(await page.textContent('#updated-text'), new RegExp(`^Updated at block ${block.toLocaleString('en-US')}, \\d\\d:\\d\\d:\\d\\d$`));
    // Points always with two decimals and thousands separators, everywhere on the page.
    const amounts = await page.$$eval('#balance, #history .amount, #catalog .price', (els) => els.map((e) => e.textContent));
    for (const a of amounts) assert.match(a, /^[+−-]?\d{1,3}(,\d{3})*\.\d\d( points)?$/, `points shown as ${a}`);
    const box = await page.locator('#balance').boundingBox();
    assert.ok(box.y + box.height <= viewport.height, `the balance ends at ${box.y + box.height}px, below the fold (${viewport.height}px)`);
    await check(page, 'account', size);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test(`${size}: the account menu copies, switches and disconnects`, async () => {
    const wallet = newWallet(config);
    const { context, page, errors } = await openPage(browser, { wallet, viewport });
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await connect(page);
    await page.click('#account-chip');
    await page.waitForSelector('#account-menu:not([hidden])');
    assert.equal(await page.getAttribute('#account-chip', 'aria-expanded'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'account-copy');
    await check(page, 'account-menu', size);
    await page.click('#account-copy');
    await page.waitForFunction(() => document.getElementById('account-copy').textContent === 'Address copied');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), wallet.address);
    await page.keyboard.press('Escape');
    assert.equal(await page.isHidden('#account-menu'), true);
    // Switch: the wallet offers its accounts; the page follows the one picked.
    const other = devWallet(6).address;
    wallet.nextAccount = 6;
    await page.click('#account-chip');
    await page.click('#account-switch');
    await page.waitForFunction((a) => document.getElementById('account-chip').title === a, other);
    // Disconnect: back to the welcome, and no silent reconnect on reload.
    await page.click('#account-chip');
    await page.click('#account-disconnect');
    await page.waitForSelector('#welcome:not([hidden])');
    assert.equal(await page.isHidden('#account'), true);
    assert.equal(await page.isVisible('#connect'), true);
    assert.match(await page.textContent('#message-text'), /Disconnected/);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.isVisible('#welcome'), true);
    assert.equal(await page.isHidden('#account'), true);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test(`${size}: a failing node is said in plain words; later failures mark the page stale`, async () => {
    const wallet = newWallet(config);
    const { context, page, errors } = await openPage(browser, { wallet, viewport });
    wallet.failReads = true;
    await page.click('#connect');
    await page.waitForSelector('#loading.failed #loading-retry:not([hidden])', { timeout: 20000 });
    assert.equal(await page.textContent('#loading-text'), 'Your points could not be read: the network did not answer. Try again in a moment.');
    await check(page, 'rpc-down', size);
    wallet.failReads = false;
    await page.click('#loading-retry');
    await page.waitForSelector('#account:not([hidden]) #history li', { timeout: 20000 });
    assert.equal(await page.isHidden('#loading'), true);
    // Now the node fails while the points are on screen: they stay, marked as not up to date.
    wallet.failReads = true;
    await page.waitForSelector('#stale:not([hidden])', { timeout: 15000 });
    assert.match(await page.textContent('#stale-text'), /^Not up to date: the network did not answer at \d\d:\d\d:\d\d\. These are your points at block [\d,]+, \d\d:\d\d:\d\d\.$/);
    assert.equal(await page.isVisible('#balance'), true);
    await check(page, 'stale', size);
    wallet.failReads = false;
    await page.waitForSelector('#stale', { state: 'hidden', timeout: 15000 });
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
    await context.close();
  });

  test(`${size}: wrong network, by name`, async () => {
    const wallet = newWallet(config, { chainId: 11155111, knownChains: [11155111] });
    const { context, page } = await openPage(browser, { wallet, viewport });
    await page.click('#connect');
    await page.waitForSelector('#wrong-network:not([hidden])');
    assert.equal(await page.textContent('#network-badge'), 'Wrong network: Sepolia');
    assert.doesNotMatch(await page.textContent('#wrong-network'), /chain id/i);
    await check(page, 'wrong-network', size);
    await context.close();
  });

  test(`${size}: a redemption shows its state in its dialog and in the header; its button is locked meanwhile`, async (t) => {
    if (skipVault) return t.skip('no RedemptionVault deployed');
    const { context, page, errors, provider, token, shopper, wallet } = await shopperPage(size, viewport, 20000); // +200.00
    const before = await token.balanceOf(shopper);
    const [, , price] = await contract(config, 'RedemptionVault', provider).item(ITEM);
    // Disabled with a reason, reachable by keyboard, the reason read out.
    const tote = page.locator(`#catalog li[data-item="${TOTE}"] button`);
    await tote.focus();
    assert.equal(await tote.evaluate((b) => b === document.activeElement), true, 'an out-of-stock button still takes focus');
    assert.equal(await tote.getAttribute('aria-disabled'), 'true');
    assert.match(await tote.evaluate((b) => document.getElementById(b.getAttribute('aria-describedby')).textContent), /Out of stock/);
    await tote.press('Enter');
    assert.equal(await page.isHidden('#redeem-dialog'), true, 'a disabled button does nothing');

    await page.click(`#catalog li[data-item="${ITEM}"] button`);
    await page.waitForSelector('#redeem-dialog[open]');
    const signing = wallet.holdNext('eth_signTypedData_v4');
    await page.click('#redeem-submit');
    await signing.reached;
    await page.waitForSelector('#redeem-state.pending');
    assert.match(await page.textContent('#redeem-state'), /Sign the redemption in your wallet/);
    assert.equal(await page.textContent('#redeem-submit'), 'Waiting for your wallet…');
    assert.equal(await page.isDisabled('#redeem-submit'), true);
    assert.match(await page.textContent('#activity-card'), /Redeem 10 percent off.*Sign the redemption/);
    await check(page, 'redeem-signing', size);
    // Closing the dialog leaves the request running in the header; the item cannot be redeemed twice.
    await page.click('#redeem-cancel');
    const mug = page.locator(`#catalog li[data-item="${ITEM}"] button`);
    await page.waitForFunction((id) => document.querySelector(`#catalog li[data-item="${id}"] button`).getAttribute('aria-disabled') === 'true', ITEM);
    assert.match(await mug.textContent(), /Redemption under way/);
    assert.match(await mug.evaluate((b) => document.getElementById(b.getAttribute('aria-describedby')).textContent), /cannot be sent twice/);
    await check(page, 'redeem-locked', size);
    signing.release();
    await page.waitForSelector('#activity li[data-key="redeem:2"] .status.confirmed', { timeout: 30000 });
    await page.waitForFunction((text) => document.getElementById('balance').textContent === text, points(before - price));
    await page.waitForFunction((id) => document.querySelector(`#catalog li[data-item="${id}"] button`).getAttribute('aria-disabled') !== 'true', ITEM);
    await check(page, 'redeem-done', size);

    // Once more, in the dialog to the end: the state is said where the customer acted.
    await page.click(`#catalog li[data-item="${ITEM}"] button`);
    await page.click('#redeem-submit');
    await page.waitForSelector('#redeem-state.confirmed', { timeout: 30000 });
    assert.match(await page.textContent('#redeem-state'), new RegExp(`Confirmed: −${points(price).replace('.', '\\.')} points`));
    assert.equal(await page.isHidden('#redeem-submit'), true, 'nothing left to press twice');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'redeem-cancel');
    assert.equal(await page.textContent('#redeem-cancel'), 'Close');
    await page.waitForFunction((text) => document.getElementById('balance').textContent === text, points(before - 2n * price));
    await check(page, 'redeem-confirmed', size);
    await page.click('#redeem-cancel');
    assert.deepEqual(errors, []);
    provider.destroy();
    await context.close();
  });

  test(`${size}: a relay that does not answer: plain words, nothing spent, retry; the success clears the failure`, async (t) => {
    if (skipVault) return t.skip('no RedemptionVault deployed');
    const { context, page, provider, token, shopper } = await shopperPage(size, viewport, 10000);
    const before = await token.balanceOf(shopper);
    await page.route('**/api/redeem', (route) => route.abort('connectionrefused'));
    await page.click(`#catalog li[data-item="${ITEM}"] button`);
    await page.click('#redeem-submit');
    await page.waitForSelector('#redeem-state.failed', { timeout: 20000 });
    assert.equal(await page.textContent('#redeem-state'), 'Failed: Our service did not answer; nothing was spent; try again in a moment.');
    assert.equal(await page.textContent('#redeem-submit'), 'Try again');
    assert.equal(await token.balanceOf(shopper), before);
    assert.match(await page.textContent('#activity li[data-state="failed"]'), /Redeem 10 percent off.*nothing was spent.*Try again/);
    await check(page, 'relay-down', size);
    // A node error answer (502) is said the same way, never with the server's or a library's words.
    await page.unroute('**/api/redeem');
    await page.route('**/api/redeem', (route) => route.fulfill({ status: 502, contentType: 'application/json', body: '{"error": "the chain node is unavailable"}' }));
    await page.click('#redeem-submit');
    await page.waitForSelector('#redeem-state.failed');
    assert.match(await page.textContent('#redeem-state'), /^Failed: Our service could not reach the network; nothing was spent; try again/);
    await page.unroute('**/api/redeem');
    await page.click('#redeem-cancel');
    // Failed, so no longer locked: the item's own button works again.
    assert.equal(await page.getAttribute(`#catalog li[data-item="${ITEM}"] button`, 'aria-disabled'), null);
    assert.equal(await page.textContent(`#catalog li[data-item="${ITEM}"] button`), 'Redeem');
    // Retry from the header reopens the redemption; its success clears the failures it answers.
    await page.click('#activity li[data-state="failed"] button:text("Try again")');
    await page.waitForSelector('#redeem-dialog[open]');
    await page.click('#redeem-submit');
    await page.waitForSelector('#redeem-state.confirmed', { timeout: 30000 });
    assert.equal(await page.$('#activity li[data-state="failed"]'), null, 'the success cleared the failures before it');
    assert.equal(await page.isHidden('#message'), true);
    await page.click('#redeem-cancel');
    await check(page, 'relay-retried', size);
    provider.destroy();
    await context.close();
  });

  test(`${size}: a request sent before a reload stays pending in the header, its button locked, until confirmed`, async (t) => {
    if (skipVault) return t.skip('no RedemptionVault deployed');
    const { context, page, errors, provider, token, shopper } = await shopperPage(size, viewport, 10000);
    await provider.send('evm_setAutomine', [false]);
    try {
      await page.click(`#catalog li[data-item="${ITEM}"] button`);
      await page.check('#redeem-direct');
      await page.click('#redeem-submit');
      await page.waitForSelector('#redeem-state:text("Sent: waiting for the network to confirm")', { timeout: 20000 });
      const before = await token.balanceOf(shopper);
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('#account:not([hidden]) #catalog li', { timeout: 20000 });
      const row = page.locator('#activity li[data-key="redeem:2"]');
      assert.match(await row.textContent(), /Redeem 10 percent off.*Sent: waiting for the network to confirm/);
      assert.equal(await page.getAttribute(`#catalog li[data-item="${ITEM}"] button`, 'aria-disabled'), 'true');
      await check(page, 'pending-after-reload', size);
      await provider.send('evm_mine', []);
      await row.locator('.status.confirmed').waitFor({ timeout: 20000 });
      const after = await token.balanceOf(shopper);
      assert.ok(after < before);
      await page.waitForFunction((text) => document.getElementById('balance').textContent === text, points(after));
      assert.notEqual(await page.getAttribute(`#catalog li[data-item="${ITEM}"] button`, 'aria-disabled'), 'true');
    } finally {
      await provider.send('evm_setAutomine', [true]);
      provider.destroy();
    }
    assert.deepEqual(errors, []);
    await context.close();
  });

  test(`${size}: transactions link to the network's explorer when it has one, and can be copied`, async () => {
    const wallet = newWallet(config);
    const { context, page } = await openPage(browser, { wallet, viewport });
    assert.equal(await page.$('#history .tx a'), null);
    await connect(page);
    assert.equal(await page.$('#history .tx a'), null, 'a local chain has no explorer: no links');
    assert.ok(await page.$('#history .tx button.copy'));
    await context.route('**/config.json', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      await route.fulfill({ response: res, json: { ...body, explorer: 'https://explorer.example' } });
    });
    await page.reload();
    await page.waitForSelector('#account:not([hidden]) #history li', { timeout: 20000 });
    const href = await page.getAttribute('#history li:first-child .tx a', 'href');
    assert.match(href, /^https:\/\/explorer\.example\/tx\/0x[0-9a-f]{64}$/);
    assert.match(await page.getAttribute('#contract-link a', 'href'), /^https:\/\/explorer\.example\/address\/0x/);
    await check(page, 'explorer-links', size);
    await context.close();
  });
}
