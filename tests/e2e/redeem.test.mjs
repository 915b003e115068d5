// The catalog and redemptions: browse, redeem gasless (EIP-712 signed, relayed by `svc serve`) or
// directly with ETH, follow redemptions (open / delivered with a voucher / refunded), and the refusals.
// Skipped when the deployment has no RedemptionVault. tests/e2e/test_browser.py seeded the catalog:
// 1 Coffee mug (gift, 40, stock 10), 2 10 percent off (voucher, 25, unlimited, 30 announced),
// 3 Priority line (service, 300, Silver and above), 4 Tote bag (gift, 15, out of stock); the customer
// has a delivered mug (voucher MUG-0001), a refunded and an open voucher; NO_ETH_CUSTOMER holds 100
// points and no ETH.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, OTHER_CUSTOMER, contract, devWallet, ethers, launch, loadConfig, newWallet, node, openPage, points, shot } from './harness.mjs';

const NO_ETH_CUSTOMER = 11;
const MUG = 1;
const VOUCHER = 2;
const SERVICE = 3;
const TOTE = 4;
const VOUCHER_CODE = 'MUG-0001';
const MERCHANT = 3;

let browser;
let config;
let skip = false;

before(async () => {
  config = await loadConfig();
  skip = !config.contracts.RedemptionVault;
  if (!skip) browser = await launch();
});

after(async () => { await browser?.close(); });

async function connectedWithCatalog(wallet, options = {}) {
  const opened = await openPage(browser, { wallet, ...options });
  await opened.page.click('#connect');
  await opened.page.waitForSelector(`#catalog li[data-item="${MUG}"]`, { timeout: 15000 });
  return opened;
}

const itemText = (page, id) => page.textContent(`#catalog li[data-item="${id}"]`);

test('the catalog shows prices, stock, tier locks and an announced price change', async (t) => {
  if (skip) return t.skip('no RedemptionVault deployed');
  const wallet = newWallet(config, { accountIndex: NO_ETH_CUSTOMER });
  const { context, page, errors } = await connectedWithCatalog(wallet);
  assert.match(await itemText(page, MUG), /Gift.*Coffee mug.*40\.00 points.*9 left.*Redeem/);
  assert.match(await itemText(page, VOUCHER), /Discount voucher.*10 percent off.*25\.00 points.*Price changes to 30\.00 points on/);
  assert.match(await itemText(page, SERVICE), /Priority line.*Silver members and above.*Reach Silver to unlock/);
  assert.equal(await page.isDisabled(`#catalog li[data-item="${SERVICE}"] button`), true);
  assert.match(await itemText(page, TOTE), /Out of stock/);
  assert.equal(await page.isDisabled(`#catalog li[data-item="${TOTE}"] button`), true);
  assert.equal(await page.isEnabled(`#catalog li[data-item="${MUG}"] button`), true);
  assert.match(await page.textContent('#redemptions-empty'), /not redeemed anything/);
  await page.locator('#catalog-card').screenshot({ path: path.join(ARTIFACTS, '11-catalog.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('redeem without ETH: signed in the wallet, relayed, and the balance drops', async (t) => {
  if (skip) return t.skip('no RedemptionVault deployed');
  const provider = node();
  const token = contract(config, 'RewardToken', provider);
  const vault = contract(config, 'RedemptionVault', provider);
  const customer = devWallet(NO_ETH_CUSTOMER).address;
  assert.equal(await provider.getBalance(customer), 0n, 'this customer holds no ETH');
  const before = await token.balanceOf(customer);
  const [, , price] = await vault.item(MUG);
  const wallet = newWallet(config, { accountIndex: NO_ETH_CUSTOMER });
  const { context, page, errors } = await connectedWithCatalog(wallet);
  assert.equal(await page.textContent('#balance'), points(before));
  await page.click(`#catalog li[data-item="${MUG}"] button`);
  await page.waitForSelector('#redeem-dialog[open]');
  assert.equal(await page.isHidden('#redeem-direct-row'), true, 'no ETH: only the gasless way is offered');
  assert.equal(await page.textContent('#redeem-total'), `${points(price)} points`);
  assert.equal(await page.textContent('#redeem-after'), `${points(before - price)} points`);
  await page.screenshot({ path: path.join(ARTIFACTS, '12-redeem-dialog.png') }); // the viewport: the modal and its backdrop
  const signing = wallet.holdNext('eth_signTypedData_v4');
  await page.click('#redeem-submit');
  await signing.reached;
  // The wallet's prompt is open: the page says what it waits for, and nothing is spent yet.
  assert.match(await page.textContent('#activity li:first-child'), /Redeem Coffee mug.*Sign the redemption in your wallet/);
  const request = wallet.calls.find((c) => c.method === 'eth_signTypedData_v4').params;
  const typed = JSON.parse(request[1]);
  assert.equal(typed.primaryType, 'Redeem');
  assert.deepEqual([typed.domain.name, typed.domain.version, Number(typed.domain.chainId)], ['ServiceCoin RedemptionVault', '1', config.chain_id]);
  assert.equal(ethers.getAddress(typed.domain.verifyingContract), config.contracts.RedemptionVault);
  assert.deepEqual([typed.message.customer, typed.message.itemId, typed.message.quantity, typed.message.maxPoints],
    [customer, String(MUG), '1', String(price)]);
  await shot(page, '13-redeem-signing');
  signing.release();
  await page.waitForSelector('#activity li:first-child .status.confirmed, #activity li:first-child .status.failed', { timeout: 30000 });
  assert.equal(await page.$('#activity li:first-child .status.failed'), null, await page.textContent('#activity'));
  assert.match(await page.textContent('#activity li:first-child .status.confirmed'), new RegExp(`−${points(price)} points`));
  // On chain: the points were burned, the relayer paid the gas, the customer sent nothing.
  assert.equal(await token.balanceOf(customer), before - price);
  assert.equal(await provider.getBalance(customer), 0n);
  assert.ok(!wallet.calls.some((c) => c.method === 'eth_sendTransaction'));
  const [event] = await vault.queryFilter(vault.filters.Redeemed(null, customer));
  assert.equal(event.args.itemId, BigInt(MUG));
  // On the page: the balance dropped, the redemption is open, the history names what was redeemed.
  await page.waitForFunction((text) => document.getElementById('balance').textContent === text, points(before - price));
  await page.waitForSelector(`#redemptions li[data-id="${ethers.toBeHex(event.args.id)}"][data-status="open"]`);
  assert.match(await page.textContent('#redemptions li:first-child'), /Coffee mug.*Open: the merchant is preparing it/);
  assert.match(await page.textContent('#history li:first-child'), new RegExp(`Redeemed: Coffee mug.*−${points(price)}`));
  await shot(page, '14-redeem-confirmed');
  assert.deepEqual(errors, []);
  provider.destroy();
  await context.close();
});

test('rejecting the redemption signature shows the message and spends nothing', async (t) => {
  if (skip) return t.skip('no RedemptionVault deployed');
  const provider = node();
  const token = contract(config, 'RewardToken', provider);
  const customer = devWallet(NO_ETH_CUSTOMER).address;
  const before = await token.balanceOf(customer);
  const wallet = newWallet(config, { accountIndex: NO_ETH_CUSTOMER });
  wallet.rejectNext('eth_signTypedData_v4');
  const { context, page } = await connectedWithCatalog(wallet);
  await page.click(`#catalog li[data-item="${VOUCHER}"] button`);
  await page.click('#redeem-submit');
  await page.waitForSelector('#activity .status.failed');
  assert.match(await page.textContent('#activity .status.failed'), /Cancelled: you rejected it in your wallet/);
  assert.match(await page.textContent('#redeem-state'), /Cancelled: you rejected it in your wallet; nothing was signed or sent/);
  assert.equal(await token.balanceOf(customer), before);
  await shot(page, '15-redeem-rejected');
  provider.destroy();
  await context.close();
});

test('redemptions show open, delivered with a checkable voucher, and refunded', async (t) => {
  if (skip) return t.skip('no RedemptionVault deployed');
  const wallet = newWallet(config);
  const { context, page, errors } = await connectedWithCatalog(wallet);
  await page.waitForSelector('#redemptions li[data-status="fulfilled"]');
  const statuses = await page.$$eval('#redemptions li', (els) => els.map((e) => e.dataset.status));
  assert.deepEqual(statuses.slice().sort(), ['fulfilled', 'open', 'refunded']);
  const delivered = page.locator('#redemptions li[data-status="fulfilled"]');
  assert.match(await delivered.textContent(), /Coffee mug.*Delivered on .*hash on chain 0x/);
  assert.match(await page.textContent('#redemptions li[data-status="refunded"]'), /10 percent off.*Refunded on .*25\.00 points back/);
  assert.match(await page.textContent('#history'), /Earned: Refund/);
  await delivered.locator('summary').click();
  await delivered.locator('input').fill('MUG-9999');
  await delivered.locator('input').press('Enter');
  await delivered.locator('output.bad').waitFor();
  assert.match(await delivered.locator('output').textContent(), /does not match/);
  await delivered.locator('input').fill(VOUCHER_CODE);
  await delivered.locator('button[type="submit"]').click();
  await delivered.locator('output.ok').waitFor();
  assert.match(await delivered.locator('output').textContent(), /the code the merchant recorded on chain/);
  await page.locator('#redemptions-card').screenshot({ path: path.join(ARTIFACTS, '16-redemptions.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a customer with ETH may send the redemption and pay the fee', async (t) => {
  if (skip) return t.skip('no RedemptionVault deployed');
  const provider = node();
  const token = contract(config, 'RewardToken', provider);
  const vault = contract(config, 'RedemptionVault', provider);
  // Another customer than the seeded one, whose oldest lot must stay for the expiry tests.
  const customer = devWallet(OTHER_CUSTOMER).address;
  const before = await token.balanceOf(customer);
  const [, , price] = await vault.item(VOUCHER);
  const wallet = newWallet(config, { accountIndex: OTHER_CUSTOMER });
  const { context, page, errors } = await connectedWithCatalog(wallet);
  await page.click(`#catalog li[data-item="${VOUCHER}"] button`);
  await page.fill('#redeem-qty', '2');
  assert.equal(await page.textContent('#redeem-total'), `${points(2n * price)} points`);
  await page.check('#redeem-direct');
  assert.equal(await page.textContent('#redeem-submit'), 'Redeem and pay the fee');
  await page.click('#redeem-submit');
  await page.waitForSelector('#activity li:first-child .status.confirmed, #activity li:first-child .status.failed', { timeout: 30000 });
  assert.equal(await page.$('#activity li:first-child .status.failed'), null, await page.textContent('#activity'));
  assert.match(await page.textContent('#activity li:first-child'), /Redeem 10 percent off ×2/);
  assert.ok(wallet.calls.some((c) => c.method === 'eth_sendTransaction'), 'the customer sent the transaction');
  assert.ok(!wallet.calls.some((c) => c.method === 'eth_signTypedData_v4'));
  assert.equal(await token.balanceOf(customer), before - 2n * price);
  await page.waitForFunction((text) => document.getElementById('balance').textContent === text, points(before - 2n * price));
  assert.deepEqual(errors, []);
  provider.destroy();
  await context.close();
});

test('a redemption the relay refuses shows as failed with the reason', async (t) => {
  if (skip) return t.skip('no RedemptionVault deployed');
  const provider = node();
  const merchantVault = contract(config, 'RedemptionVault', devWallet(MERCHANT, provider));
  const token = contract(config, 'RewardToken', provider);
  const customer = devWallet(NO_ETH_CUSTOMER).address;
  const before = await token.balanceOf(customer);
  const wallet = newWallet(config, { accountIndex: NO_ETH_CUSTOMER });
  const { context, page } = await connectedWithCatalog(wallet);
  await page.click(`#catalog li[data-item="${VOUCHER}"] button`);
  await page.waitForSelector('#redeem-dialog[open]');
  // The merchant withdraws the item while the customer looks at the dialog.
  const unlimited = 2n ** 32n - 1n;
  const uri = 'demo://voucher/10-percent-off';
  await (await merchantVault.updateItem(VOUCHER, unlimited, 0, false, uri, ethers.id(uri))).wait();
  try {
    await page.click('#redeem-submit');
    await page.waitForSelector('#activity li:first-child .status.failed', { timeout: 30000 });
    assert.match(await page.textContent('#activity li:first-child .status.failed'), /Failed: .*no longer offered/);
    assert.match(await page.textContent('#redeem-state'), /Failed: .*no longer offered; nothing was spent/);
    assert.equal(await token.balanceOf(customer), before);
    await page.waitForSelector(`#catalog li[data-item="${VOUCHER}"]`, { state: 'detached' });
    await shot(page, '17-redeem-failed');
  } finally {
    await (await merchantVault.updateItem(VOUCHER, unlimited, 0, true, uri, ethers.id(uri))).wait();
    provider.destroy();
    await context.close();
  }
});
