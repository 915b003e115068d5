// E-mail notices (web/notices.js): after wallet sign-in a customer asks for notices; `svc serve` e-mails a
// confirmation link to a real SMTP server the Python wrapper runs (each message saved in SVC_MAILBOX); the link
// opens the page without a wallet and confirms; back on the page the consent shows as confirmed, and one click
// stops every notice. Screenshots at 1280×800 and 390×844.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ARTIFACTS, URL, newWallet, openPage, signIn, suite } from './harness.mjs';

const MAILBOX = process.env.SVC_MAILBOX || path.join(ARTIFACTS, 'mailbox');
const NOTICE_CUSTOMER = 9; // a test key no other browser test uses
const s = suite();

async function shotCard(page, selector, name) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** The newest message in the mailbox to `to`, as raw text (quoted-printable decoded when the message uses it). */
async function lastMailTo(to) {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const files = (await readdir(MAILBOX).catch(() => [])).sort().reverse();
    for (const f of files) {
      const raw = await readFile(path.join(MAILBOX, f), 'utf8');
      if (new RegExp(`^To: ${to.replace('.', '\\.')}$`, 'm').test(raw)) {
        if (!/^Content-Transfer-Encoding: quoted-printable$/mi.test(raw)) return raw; // 7bit: as it is (a token may hold "=E3")
        return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no e-mail to ${to} in ${MAILBOX}`);
}

test('double opt-in on the page, confirmation by the e-mailed link, then stop with one click', async () => {
  const wallet = newWallet(s.config, { accountIndex: NOTICE_CUSTOMER });
  const { context, page, errors } = await openPage(s.browser, { wallet, viewport: { width: 1280, height: 800 } });
  assert.equal(await page.isHidden('#notices-card'), true, 'no consent card before signing in');
  await signIn(page);
  await page.waitForSelector('body[data-notices="none"]');
  await shotCard(page, '#notices-card', '70-notices-form-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  await shotCard(page, '#notices-card', '70-notices-form-390');
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.click('#notices-ask');
  assert.match(await page.textContent('#notices-status'), /Enter your e-mail address/);
  await page.fill('#notices-email', 'carol@example.org');
  await page.click('#notices-ask');
  assert.match(await page.textContent('#notices-status'), /at least one kind/);
  await page.check('input[name="kind"][value="expiry"]');
  await page.check('input[name="kind"][value="rate"]');
  await page.click('#notices-ask');
  await page.waitForSelector('body[data-notices="pending"]');
  assert.match(await page.textContent('#notices-status'), /Check your inbox: we sent a confirmation link to carol@example\.org/);
  assert.match(await page.textContent('#notices-card'), /Nothing else is sent until you follow it/);
  await shotCard(page, '#notices-card', '71-notices-pending-1280');

  const mail = await lastMailTo('carol@example.org');
  assert.match(mail, /^List-Unsubscribe: <http:\/\/127\.0\.0\.1:\d+\/api\/notices\/unsubscribe\/[\w-]+>$/m);
  assert.match(mail, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
  const link = /(http:\/\/127\.0\.0\.1:\d+\/#notices-confirm=[\w-]+)/.exec(mail)[1];

  const visitor = await s.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB', timezoneId: 'UTC' });
  const linkPage = await visitor.newPage(); // no wallet at all: the link alone confirms
  await linkPage.goto(link);
  await linkPage.waitForSelector('body[data-notice-link="ready"]');
  assert.equal(new globalThis.URL(linkPage.url()).hash, '', 'the token leaves the address bar');
  await linkPage.screenshot({ path: path.join(ARTIFACTS, '72-notices-confirm-link-390.png') });
  await linkPage.click('#notices-link-go');
  await linkPage.waitForSelector('body[data-notice-link="done"]');
  assert.match(await linkPage.textContent('#notices-link-status'), /Confirmed: we will e-mail you about points about to expire, please rate a resolved ticket/);
  await linkPage.screenshot({ path: path.join(ARTIFACTS, '73-notices-confirmed-link-390.png') });
  await visitor.close();

  await page.reload();
  await page.waitForSelector('body[data-signed-in="true"]', { timeout: 15000 });
  await page.waitForSelector('body[data-notices="confirmed"]');
  assert.match(await page.textContent('#notices-card'), /Notices go to carol@example\.org/);
  assert.equal(await page.isChecked('input[name="kind"][value="expiry"]'), true);
  assert.equal(await page.isChecked('input[name="kind"][value="tier"]'), false);
  await shotCard(page, '#notices-card', '74-notices-confirmed-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  await shotCard(page, '#notices-card', '75-notices-confirmed-390');

  await page.click('#notices-stop');
  await page.waitForSelector('body[data-notices="none"]');
  assert.match(await page.textContent('#notices-status'), /no more e-mail notices, and your address is deleted/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the stop link of an e-mail works without a wallet and without sign-in', async () => {
  const wallet = newWallet(s.config, { accountIndex: NOTICE_CUSTOMER });
  const { context, page } = await openPage(s.browser, { wallet, viewport: { width: 1280, height: 800 } });
  await signIn(page);
  await page.waitForSelector('body[data-notices="none"]');
  await page.fill('#notices-email', 'dave@example.org');
  await page.check('input[name="kind"][value="delivered"]');
  await page.click('#notices-ask');
  await page.waitForSelector('body[data-notices="pending"]');
  const mail = await lastMailTo('dave@example.org');
  const token = /#notices-unsubscribe=([\w-]+)/.exec(mail)[1];

  const visitor = await s.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const stopPage = await visitor.newPage();
  await stopPage.goto(`${URL}#notices-unsubscribe=${token}`);
  await stopPage.waitForSelector('body[data-notice-link="ready"]');
  await stopPage.click('#notices-link-go');
  await stopPage.waitForSelector('body[data-notice-link="done"]');
  await stopPage.screenshot({ path: path.join(ARTIFACTS, '76-notices-stopped-1280.png') });
  await visitor.close();

  const answer = await page.evaluate(async () => (await fetch('/api/notices', { cache: 'no-store' })).json());
  assert.equal(answer.state, 'none');
  assert.equal(answer.email, null);
  await context.close();
});
