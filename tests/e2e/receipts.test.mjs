// Anchored mode (issue 16): after wallet sign-in, "Download my service receipts" saves one JSON file
// holding the signed-in customer's inclusion receipts and nobody else's (the Python wrapper seeded
// anchored records for this customer and another, then checks the saved file with `svc verify-receipt`).
// A signed-in customer without anchored records is told so, and nothing is downloaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ARTIFACTS, newWallet, openPage, signIn as signInWallet, suite } from './harness.mjs';

const SEEDED = 2; // anchored records of the customer (test_browser.seed_anchored)
const NO_RECORDS = 7; // a test key with no anchored records

const s = suite();

async function signIn(page) {
  await signInWallet(page);
  await page.waitForSelector('#receipts-card:not([hidden])');
}

async function shotCard(page, name) {
  await page.locator('#receipts-card').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

test('a signed-in customer downloads only their own service receipts', async () => {
  const wallet = newWallet(s.config);
  const { context, page, errors } = await openPage(s.browser, { wallet, viewport: { width: 1280, height: 800 } });
  assert.equal(await page.isHidden('#receipts-card'), true, 'no receipts before signing in');
  await signIn(page);
  assert.equal(await page.textContent('#download-receipts'), 'Download my service receipts');

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-receipts')]);
  await page.waitForSelector('body[data-receipts="done"]');
  const file = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.match(download.suggestedFilename(), /^service-receipts-[0-9a-f]{6}-\d{4}-\d{2}-\d{2}\.json$/);
  assert.equal(file.customer, wallet.address);
  assert.equal(file.receipts.length, SEEDED);
  for (const r of file.receipts) {
    assert.equal(r.record.customer, wallet.address, `receipt of record #${r.seq} is the customer's`);
    assert.equal(r.log, s.config.contracts.ServiceLog);
    assert.ok(r.proof.length >= 1 && r.root && r.tx && r.block_hash);
  }
  await writeFile(path.join(ARTIFACTS, 'receipts-download.json'), JSON.stringify(file)); // checked by svc verify-receipt
  assert.match(await page.textContent('#receipts-state'),
    new RegExp(`^Saved ${SEEDED} receipts to ${download.suggestedFilename().replace(/\./g, '\\.')}\\. .*svc verify-receipt`));
  assert.deepEqual(errors, []);
  await shotCard(page, '60-receipts-downloaded-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  await shotCard(page, '61-receipts-downloaded-390');
  await context.close();
});

test('a signed-in customer without anchored records is told there are none', async () => {
  const wallet = newWallet(s.config, { accountIndex: NO_RECORDS });
  const { context, page, errors } = await openPage(s.browser, { wallet, viewport: { width: 1280, height: 800 } });
  await signIn(page);
  let downloaded = false;
  page.on('download', () => { downloaded = true; });
  await page.click('#download-receipts');
  await page.waitForSelector('body[data-receipts="empty"]');
  assert.match(await page.textContent('#receipts-state'), /no anchored records/);
  assert.equal(downloaded, false);
  assert.deepEqual(errors, []);
  await shotCard(page, '62-receipts-none');
  await context.close();
});
