// "E-mail notices": after wallet sign-in a customer asks for e-mail notices (an address and the kinds wanted),
// confirms the address by the link e-mailed to it (double opt-in: nothing else is sent before), changes the kinds,
// or stops every notice with one click. The confirmation link and the "stop all notices" link of every e-mail
// open this page with #notices-confirm=TOKEN or #notices-unsubscribe=TOKEN, handled here without a wallet.
// Self-mounting (index.html loads it beside app.js): it follows the sign-in through body[data-signed-in] and
// talks only to /api/notices… (docs/notices.md). Never shows an address the server did not give the session.

const KINDS = {
  expiry: 'Points about to expire',
  tier: 'My tier is at risk',
  delivered: 'A redemption was delivered',
  rate: 'Please rate a resolved ticket',
};

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

async function api(path, body) {
  const init = body === undefined ? { cache: 'no-store' } : {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), cache: 'no-store',
  };
  const res = await fetch(path, init);
  const answer = await res.json().catch(() => ({}));
  return { ok: res.ok, status: res.status, answer };
}

function kindList(kinds) {
  return kinds.map((k) => KINDS[k] || k).join(', ').toLowerCase();
}

class Notices {
  constructor() {
    this.card = el('section', { id: 'notices-card', className: 'card wide notices', hidden: true });
    this.card.setAttribute('aria-labelledby', 'notices-title');
    this.card.append(el('h2', { id: 'notices-title', textContent: 'E-mail notices' }),
      this.body = el('div', { className: 'notices-body' }),
      this.status = el('p', { id: 'notices-status', className: 'notices-status', role: 'status' }));
    this.status.setAttribute('aria-live', 'polite');
    this.link = el('section', { id: 'notices-link', className: 'card notices', hidden: true });
    this.link.setAttribute('aria-labelledby', 'notices-link-title');
    this.consent = null;
    this.busy = false;
  }

  mount() {
    const history = document.getElementById('history-title')?.closest('section');
    const account = document.getElementById('account');
    if (history) history.before(this.card); else account?.append(this.card);
    document.getElementById('main')?.prepend(this.link);
    new MutationObserver(() => this.follow()).observe(document.body, { attributes: true, attributeFilter: ['data-signed-in'] });
    this.follow();
    this.fromLink();
  }

  say(text, kind = '') {
    this.status.textContent = text;
    this.status.className = `notices-status ${kind}`.trim();
  }

  async follow() {
    const signedIn = document.body.dataset.signedIn === 'true';
    if (!signedIn) {
      this.card.hidden = true;
      this.consent = null;
      document.body.dataset.notices = 'signed-out';
      return;
    }
    if (this.consent) return;
    const { ok, status, answer } = await api('/api/notices');
    if (!ok) {
      this.card.hidden = status === 401;
      if (status !== 401) this.say(`Your notice settings could not be read: ${answer.error || status}.`, 'failed');
      return;
    }
    this.render(answer);
  }

  render(consent) {
    this.consent = consent;
    this.card.hidden = false;
    document.body.dataset.notices = consent.state;
    if (consent.state === 'confirmed') this.body.replaceChildren(...this.confirmedView(consent));
    else if (consent.state === 'pending') this.body.replaceChildren(...this.pendingView(consent));
    else this.body.replaceChildren(...this.formView());
  }

  kindBoxes(checked) {
    const set = el('fieldset', { className: 'notice-kinds' }, el('legend', { textContent: 'E-mail me when' }));
    for (const [kind, label] of Object.entries(KINDS)) {
      const box = el('input', { type: 'checkbox', name: 'kind', value: kind, checked: checked.includes(kind) });
      set.append(el('label', {}, box, ` ${label}`));
    }
    return set;
  }

  chosen(form) {
    return [...form.querySelectorAll('input[name="kind"]:checked')].map((b) => b.value);
  }

  formView(email = '', kinds = []) {
    const input = el('input', { id: 'notices-email', type: 'email', name: 'email', required: true, value: email,
      autocomplete: 'email', placeholder: 'you@example.org', maxLength: 254 });
    const form = el('form', { className: 'notices-form', noValidate: true },
      el('label', { htmlFor: 'notices-email', textContent: 'Your e-mail address' }), input, this.kindBoxes(kinds),
      el('div', { className: 'row' }, el('button', { type: 'submit', className: 'primary', id: 'notices-ask',
        textContent: 'Send me a confirmation link' })));
    form.addEventListener('submit', (e) => { e.preventDefault(); this.ask(input.value, this.chosen(form)); });
    return [el('p', { className: 'muted', textContent: 'We can e-mail you before your points expire, when your tier is at risk, '
      + 'when a redemption is delivered and when a resolved ticket can be rated. Your address stays with us, '
      + 'encrypted, never on the blockchain; every e-mail has a one-click "stop" link.' }), form];
  }

  pendingView(consent) {
    return [
      el('p', {}, 'We sent a confirmation link to ', el('strong', { textContent: consent.email }),
        '. Nothing else is sent until you follow it.'),
      el('p', { className: 'muted small', textContent: `You asked for: ${kindList(consent.kinds)}.` }),
      el('div', { className: 'row' },
        this.button('Use another address', () => this.body.replaceChildren(...this.formView('', consent.kinds))),
        this.button('Cancel notices', () => this.withdraw(), 'notices-stop')),
    ];
  }

  confirmedView(consent) {
    const form = el('form', { className: 'notices-form' }, this.kindBoxes(consent.kinds),
      el('div', { className: 'row' }, el('button', { type: 'submit', className: 'primary', id: 'notices-save', textContent: 'Save my choices' }),
        this.button('Stop all e-mail notices', () => this.withdraw(), 'notices-stop')));
    form.addEventListener('submit', (e) => { e.preventDefault(); this.ask(consent.email, this.chosen(form)); });
    return [el('p', {}, 'Notices go to ', el('strong', { textContent: consent.email }), '.'), form];
  }

  button(text, onClick, id = '') {
    const b = el('button', { type: 'button', textContent: text });
    if (id) b.id = id;
    b.addEventListener('click', onClick);
    return b;
  }

  async ask(email, kinds) {
    if (this.busy) return;
    if (!email.trim()) return this.say('Enter your e-mail address.', 'failed');
    if (!kinds.length) return this.say('Choose at least one kind of notice.', 'failed');
    this.busy = true;
    this.say('Saving…', 'pending');
    const { ok, status, answer } = await api('/api/notices', { email: email.trim(), kinds });
    this.busy = false;
    if (!ok) return this.say(status === 401 ? 'Your sign-in has ended: sign in again.' : `${answer.error || `Failed (${status})`}.`, 'failed');
    this.render(answer);
    this.say(answer.confirmation_sent ? `Check your inbox: we sent a confirmation link to ${answer.email}.`
      : 'Saved: your choices apply from the next notice.', 'done');
  }

  async withdraw() {
    const { ok, status, answer } = await api('/api/notices/withdraw', {});
    if (!ok) return this.say(status === 401 ? 'Your sign-in has ended: sign in again.' : `${answer.error}.`, 'failed');
    this.render(answer);
    this.say('Done: no more e-mail notices, and your address is deleted.', 'done');
  }

  // The links in e-mails: #notices-confirm=TOKEN and #notices-unsubscribe=TOKEN (no wallet, no sign-in needed).
  fromLink() {
    const m = /^#notices-(confirm|unsubscribe)=([\w-]{10,200})$/.exec(window.location.hash);
    if (!m) return;
    const [, what, token] = m;
    history.replaceState(null, '', window.location.pathname + window.location.search); // the token leaves the address bar
    const confirm = what === 'confirm';
    const line = el('p', { id: 'notices-link-status', className: 'notices-status', role: 'status' });
    const go = el('button', { type: 'button', className: 'primary', id: 'notices-link-go',
      textContent: confirm ? 'Confirm my e-mail address' : 'Stop all e-mail notices' });
    this.link.replaceChildren(el('h2', { id: 'notices-link-title', textContent: confirm ? 'Confirm your e-mail notices' : 'Stop e-mail notices' }),
      el('p', { textContent: confirm ? 'Press the button to confirm that you want our e-mail notices at this address.'
        : 'One click stops every e-mail notice and deletes your address. No sign-in needed.' }), go, line);
    this.link.hidden = false;
    document.body.dataset.noticeLink = 'ready';
    go.addEventListener('click', async () => {
      go.disabled = true;
      const { ok, answer } = confirm ? await api('/api/notices/confirm', { token })
        : await api(`/api/notices/unsubscribe/${token}`, {});
      if (confirm && ok) line.textContent = `Confirmed: we will e-mail you about ${kindList(answer.kinds)}.`;
      else if (confirm) line.textContent = `${answer.error || 'This link did not work'}.`;
      else line.textContent = ok ? 'Done: no more e-mail notices, and your address is deleted.' : `${answer.error}.`;
      line.className = `notices-status ${ok ? 'done' : 'failed'}`;
      document.body.dataset.noticeLink = ok ? 'done' : 'failed';
      go.hidden = ok;
    });
  }
}

const notices = new Notices();
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => notices.mount());
else notices.mount();
