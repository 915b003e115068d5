// Feedback on a resolved ticket: signed in the wallet (eth_signTypedData_v4), relayed by `svc serve`,
// then visible on chain with its reward. Skipped when the deployment has no ServiceLog.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CUSTOMER, contract, devWallet, launch, loadConfig, newWallet, node, openPage, points, shot } from './harness.mjs';

const FEEDBACK_TICKET = 1001n; // seeded resolved by tests/e2e/test_browser.py
const OPEN_TICKET = 1002n;
const REJECT_TICKET = 1003n;

let browser;
let config;
let skip = false;

before(async () => {
  config = await loadConfig();
  skip = !config.contracts.ServiceLog;
  if (!skip) browser = await launch();
});

after(async () => { await browser?.close(); });

async function connectedWithTickets(wallet) {
  const opened = await openPage(browser, { wallet });
  await opened.page.click('#connect');
  await opened.page.waitForSelector(`#tickets li[data-ticket="${FEEDBACK_TICKET}"]`, { timeout: 15000 });
  return opened;
}

test('feedback is signed in the wallet, relayed without ETH, and rewarded on chain', async (t) => {
  if (skip) return t.skip('no ServiceLog deployed');
  const provider = node();
  const token = contract(config, 'RewardToken', provider);
  const log = contract(config, 'ServiceLog', provider);
  const customer = devWallet(CUSTOMER).address;
  const [reward] = await log.rewards();
  const before = await token.balanceOf(customer);
  const wallet = newWallet(config);
  const { context, page, errors } = await connectedWithTickets(wallet);
  assert.match(await page.textContent(`#tickets li[data-ticket="${OPEN_TICKET}"]`), /Open since/);
  assert.equal(await page.$(`#tickets li[data-ticket="${OPEN_TICKET}"] button`), null, 'an open ticket cannot be rated');
  await page.click(`#tickets li[data-ticket="${FEEDBACK_TICKET}"] button`);
  await page.waitForSelector('#feedback-dialog[open]');
  await page.check('input[name="rating"][value="4"]');
  await page.fill('#feedback-text', 'Fast and polite, thank you!');
  await shot(page, '08-feedback-dialog');
  await page.click('#feedback-form button[type="submit"]');
  await page.waitForSelector('#activity .status.confirmed, #activity .status.failed', { timeout: 30000 });
  assert.equal(await page.$('#activity .status.failed'), null, await page.textContent('#activity'));
  assert.match(await page.textContent('#activity .status.confirmed'), new RegExp(`\\+${points(reward).replace('.', '\\.')} points`));
  const methods = wallet.calls.map((c) => c.method);
  assert.ok(methods.includes('eth_signTypedData_v4'), 'the customer signed');
  assert.ok(!methods.includes('eth_sendTransaction'), 'the customer sent no transaction');
  // On chain: the ticket has its feedback, rating 4, and the reward was paid.
  const [, , given] = await log.ticketOf(FEEDBACK_TICKET);
  assert.equal(given, true);
  // Recorded's `info` packs seq, timestamp, ref, detail (bits 192..199) and kind (200..207).
  const records = (await log.queryFilter(log.filters.Recorded(FEEDBACK_TICKET, customer)))
    .filter((ev) => Number((ev.args.info >> 200n) & 0xffn) === 5);
  assert.equal(records.length, 1);
  assert.equal(Number((records[0].args.info >> 192n) & 0xffn), 4);
  assert.equal(await token.balanceOf(customer), before + reward);
  // On the page: the ticket shows the rating, the history the Feedback credit, the balance the reward.
  await page.waitForFunction((text) => document.getElementById('balance').textContent === text, points(before + reward));
  await page.waitForFunction((id) => /Feedback given: ★★★★☆/.test(document.querySelector(`#tickets li[data-ticket="${id}"]`).textContent),
    String(FEEDBACK_TICKET));
  assert.match(await page.textContent('#history'), /Earned: Feedback/);
  await shot(page, '09-feedback-done');
  assert.deepEqual(errors, []);
  provider.destroy();
  await context.close();
});

test('rejecting the feedback signature shows the message and records nothing', async (t) => {
  if (skip) return t.skip('no ServiceLog deployed');
  const provider = node();
  const log = contract(config, 'ServiceLog', provider);
  const wallet = newWallet(config);
  wallet.rejectNext('eth_signTypedData_v4');
  const { context, page } = await connectedWithTickets(wallet);
  await page.click(`#tickets li[data-ticket="${REJECT_TICKET}"] button`);
  await page.check('input[name="rating"][value="2"]');
  await page.click('#feedback-form button[type="submit"]');
  await page.waitForSelector('#activity .status.failed');
  assert.match(await page.textContent('#activity .status.failed'), /rejected/);
  // Said in the dialog that asked, not in a banner out of sight; the dialog offers to try again.
  assert.match(await page.textContent('#feedback-state'), /Cancelled: you rejected it in your wallet; nothing was signed or sent/);
  assert.equal(await page.textContent('#feedback-form button[type="submit"]'), 'Try again');
  assert.equal(await page.isHidden('#message'), true);
  const [, , given] = await log.ticketOf(REJECT_TICKET);
  assert.equal(given, false);
  await shot(page, '10-feedback-rejected');
  provider.destroy();
  await context.close();
});
