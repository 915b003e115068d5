// Wallet connection and the account view, in headless Chromium against `svc serve` and a local chain.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CUSTOMER, OTHER_CUSTOMER, contract, devWallet, launch, loadConfig, newWallet, node, openPage, points, shot,
} from './harness.mjs';

let browser;
let config;
let token;

before(async () => {
  config = await loadConfig();
  token = contract(config, 'RewardToken', node());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  token?.runner?.destroy?.();
});

async function connected(page) {
  await page.click('#connect');
  await page.waitForSelector('#account:not([hidden]) #history li', { timeout: 15000 });
}

test('no wallet shows the message and the install help', async () => {
  const { context, page } = await openPage(browser, { wallet: null });
  await page.waitForSelector('#no-wallet:not([hidden])');
  assert.match(await page.textContent('#message-text'), /No wallet found/);
  assert.equal(await page.isDisabled('#connect'), true);
  assert.match(await page.textContent('#no-wallet'), /MetaMask/);
  await shot(page, '01-no-wallet');
  await context.close();
});

test('first-time help explains points and expiry and is dismissed with the keyboard', async () => {
  const wallet = newWallet(config);
  const { context, page } = await openPage(browser, { wallet });
  const help = await page.textContent('#help');
  assert.match(help, /expire/i);
  assert.match(help, /No ETH needed/);
  await shot(page, '02-first-visit');
  await page.focus('#help-close');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#help', { state: 'hidden' });
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.isHidden('#help'), true, 'help stays dismissed after a reload');
  await context.close();
});

test('rejecting the connection shows the message and nothing else happens', async () => {
  const wallet = newWallet(config);
  wallet.rejectNext('eth_requestAccounts');
  const { context, page, errors } = await openPage(browser, { wallet });
  await page.click('#connect');
  await page.waitForSelector('#message:not([hidden])');
  assert.match(await page.textContent('#message-text'), /You rejected the request in your wallet/);
  assert.equal(await page.isHidden('#account'), true);
  assert.equal(await page.textContent('#connect'), 'Connect wallet');
  await shot(page, '03-connect-rejected');
  // Trying again works.
  await connected(page);
  assert.deepEqual(errors, []);
  await context.close();
});

test('connect with the keyboard shows balance, tier, expiring points and history with reasons', async () => {
  const wallet = newWallet(config);
  const { context, page, errors } = await openPage(browser, { wallet });
  await page.focus('#connect');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#account:not([hidden]) #history li', { timeout: 15000 });
  const address = devWallet(CUSTOMER).address;
  const balance = await token.balanceOf(address);
  assert.ok(balance > 0n, 'the wrapper seeded the customer');
  assert.equal(await page.textContent('#balance'), points(balance));
  const tier = Number(await token.tierOf(address));
  assert.equal(await page.textContent('#tier-name'), config.token.tier_names[tier]);
  assert.match(await page.textContent('#tier-next'), /more points earned to reach/);
  // The wrapper made one lot expire within 30 days: its date is shown.
  const now = (await token.runner.getBlock('latest')).timestamp;
  const lots = await token.lotsOf(address);
  const soon = lots.filter((l) => Number(l.expiresAt) <= now + 30 * 86400);
  assert.ok(soon.length >= 1, 'the wrapper seeded a lot expiring soon');
  const expiring = await page.$$eval('#expiring li', (els) => els.map((e) => e.textContent));
  assert.equal(expiring.length, soon.length);
  const date = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(Number(soon[0].expiresAt) * 1000));
  assert.ok(expiring[0].includes(date), `${expiring[0]} names the expiry date ${date}`);
  assert.ok(expiring[0].includes(points(soon[0].amount)));
  const history = await page.$$eval('#history li', (els) => els.map((e) => e.textContent));
  for (const reason of ['Purchase', 'Survey', 'Compensation']) {
    assert.ok(history.some((h) => h.includes(`Earned: ${reason}`)), `history shows a ${reason} credit: ${history}`);
  }
  assert.equal(await page.textContent('#account-chip'), `${address.slice(0, 6)}…${address.slice(-4)}`);
  await shot(page, '04-account');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the account view fits a phone-width screen', async () => {
  const wallet = newWallet(config);
  const { context, page } = await openPage(browser, { wallet, viewport: { width: 375, height: 740 } });
  await connected(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  const box = await page.locator('#account-chip').boundingBox();
  assert.ok(box.height >= 40, 'buttons are large enough to tap');
  await shot(page, '05-account-phone');
  await context.close();
});

test('wrong network: the page says so, then switches after adding the chain to the wallet', async () => {
  const wallet = newWallet(config, { chainId: 1, knownChains: [1] });
  const { context, page, errors } = await openPage(browser, { wallet });
  await page.click('#connect');
  await page.waitForSelector('#wrong-network:not([hidden])');
  // Networks by name, not chain id.
  assert.match(await page.textContent('#wrong-network-text'), new RegExp(`works on ${config.chain_name}, but your wallet is on Ethereum`));
  assert.equal(await page.textContent('#network-badge'), 'Wrong network: Ethereum');
  assert.equal(await page.isHidden('#account'), true);
  await shot(page, '06-wrong-network');
  await page.click('#switch-network');
  await page.waitForSelector('#account:not([hidden]) #history li', { timeout: 15000 });
  const methods = wallet.calls.map((c) => c.method);
  const add = wallet.calls.find((c) => c.method === 'wallet_addEthereumChain');
  assert.ok(methods.indexOf('wallet_switchEthereumChain') < methods.indexOf('wallet_addEthereumChain'), 'tries to switch first');
  assert.equal(Number(add.params[0].chainId), config.chain_id);
  assert.deepEqual(add.params[0].rpcUrls, [config.rpc_url]);
  assert.equal(await page.isHidden('#wrong-network'), true);
  assert.equal(await page.textContent('#network-badge'), config.chain_name);
  // The user moves the wallet back to another network: the page follows.
  await wallet.handle('wallet_switchEthereumChain', [{ chainId: '0x1' }]);
  await page.waitForSelector('#wrong-network:not([hidden])');
  assert.deepEqual(errors, []);
  await context.close();
});

test('rejecting the network switch shows the message', async () => {
  const wallet = newWallet(config, { chainId: 1, knownChains: [1, config.chain_id] });
  wallet.rejectNext('wallet_switchEthereumChain');
  const { context, page } = await openPage(browser, { wallet });
  await page.click('#connect');
  await page.click('#switch-network');
  await page.waitForSelector('#message:not([hidden])');
  assert.match(await page.textContent('#message-text'), /rejected/);
  assert.equal(await page.isVisible('#wrong-network'), true);
  await context.close();
});

test('watch asset asks the wallet to show the points token', async () => {
  const wallet = newWallet(config);
  const { context, page } = await openPage(browser, { wallet });
  await connected(page);
  await page.click('#watch-asset');
  await page.waitForSelector('#message.info:not([hidden])');
  assert.deepEqual(wallet.watched, [{ address: config.token.address, symbol: config.token.symbol, decimals: 2 }]);
  assert.match(await page.textContent('#message-text'), /now show in your wallet/);
  await shot(page, '07-watch-asset');
  await context.close();
});

test('an account change in the wallet reloads the view for the new account', async () => {
  const wallet = newWallet(config);
  const { context, page } = await openPage(browser, { wallet });
  await connected(page);
  const other = devWallet(OTHER_CUSTOMER).address;
  wallet.useAccount(OTHER_CUSTOMER);
  await page.waitForFunction((a) => document.getElementById('account-chip').title === a, other);
  await page.waitForFunction(
    (text) => document.getElementById('balance').textContent === text,
    points(await token.balanceOf(other)),
  );
  await context.close();
});

test('new points appear without reloading the page', async () => {
  const wallet = newWallet(config);
  const { context, page } = await openPage(browser, { wallet });
  await connected(page);
  const address = devWallet(CUSTOMER).address;
  const operator = devWallet(1, node());
  const before = await token.balanceOf(address);
  const ref = `0x${'ab'.repeat(32)}`;
  const tx = await contract(config, 'RewardToken', operator).issue(address, 1234, 3, ref);
  await tx.wait();
  const after = await token.balanceOf(address);
  assert.equal(after - before, 1234n);
  await page.waitForFunction((text) => document.getElementById('balance').textContent === text, points(after), { timeout: 15000 });
  assert.match(await page.textContent('#history li:first-child'), /Earned: Referral.*\+12\.34/);
  operator.provider.destroy();
  await context.close();
});
