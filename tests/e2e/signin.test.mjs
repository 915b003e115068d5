// Wallet sign-in (EIP-4361) in headless Chromium: "Sign in" asks the wallet for personal_sign, the
// page shows the signed-in state and "Sign out"; the session cookie is HttpOnly (the page's script
// cannot read it) and signing out ends it on the server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, loadConfig, newWallet, openPage, shot } from './harness.mjs';

let browser;
let config;

before(async () => {
  config = await loadConfig();
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

async function me(page) {
  return page.evaluate(async () => {
    const res = await fetch('/api/me', { cache: 'no-store' });
    return { status: res.status, body: await res.json() };
  });
}

test('sign in with the wallet, see the signed-in state, sign out', async () => {
  const wallet = newWallet(config);
  const { context, page, errors } = await openPage(browser, { wallet });
  await page.click('#connect');
  await page.waitForSelector('#sign-in:not([hidden])', { timeout: 15000 });
  await page.waitForSelector('#account:not([hidden]) #history li', { timeout: 15000 });
  await shot(page, '40-sign-in-button');

  await page.click('#sign-in');
  await page.waitForSelector('body[data-signed-in="true"]', { timeout: 15000 });
  const signed = wallet.calls.find((c) => c.method === 'personal_sign');
  assert.ok(signed, 'the wallet was asked to personal_sign');
  const text = Buffer.from(signed.params[0].slice(2), 'hex').toString('utf8');
  assert.match(text, new RegExp(`^127\\.0\\.0\\.1:\\d+ wants you to sign in with your Ethereum account:\\n${wallet.address}\\n`));
  assert.match(text, new RegExp(`\\nChain ID: ${config.chain_id}\\n`));
  assert.match(await page.textContent('#signed-in-text'), /Signed in until/);
  assert.equal(await page.isHidden('#sign-in'), true);
  assert.equal(await page.isVisible('#sign-out'), true);
  assert.equal(await page.evaluate(() => document.cookie.includes('svc_session')), false, 'the cookie is HttpOnly');
  const session = await me(page);
  assert.equal(session.status, 200);
  assert.equal(session.body.address, wallet.address);
  assert.equal(session.body.chain_id, config.chain_id);
  assert.deepEqual(errors, []);
  await shot(page, '41-signed-in');

  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector('body[data-signed-in="true"]', { timeout: 15000 });

  await page.click('#sign-out');
  await page.waitForSelector('#sign-in:not([hidden])');
  assert.equal((await me(page)).status, 401);
  await context.close();
});

test('rejecting the signature leaves the customer signed out with a plain message', async () => {
  const wallet = newWallet(config);
  wallet.rejectNext('personal_sign');
  const { context, page } = await openPage(browser, { wallet });
  await page.click('#connect');
  await page.waitForSelector('#sign-in:not([hidden])', { timeout: 15000 });
  await page.click('#sign-in');
  await page.waitForSelector('#message:not([hidden])');
  assert.match(await page.textContent('#message-text'), /You did not sign in: nothing was signed/);
  assert.equal(await page.isVisible('#sign-in'), true);
  await context.close();
});
