// "Your service receipts": after wallet sign-in, the customer downloads the inclusion receipts of their
// anchored service records (GET /api/receipts: only the signed-in address's) as one JSON file. Anyone
// checks that file from chain data alone with `svc verify-receipt FILE`; nothing is trusted from this page.

const IDLE = 'Your replies, complaints and follow-ups kept in anchored mode are off chain; each receipt proves one of them is under a root on chain.';

export class Receipts {
  /** @param {{$: Function, config: object}} o */
  constructor({ $, config }) {
    this.$ = $;
    this.offered = Boolean(config.contracts?.ServiceLog); // receipts exist only where a service log is deployed
    this.busy = false;
    this.address = null;
    $('download-receipts').addEventListener('click', () => this.download());
  }

  /** Show the card while `address` is signed in (null: signed out). */
  render(address) {
    if (address !== this.address) this.state(IDLE);
    this.address = address;
    this.$('receipts-card').hidden = !this.offered || !address;
    const button = this.$('download-receipts');
    button.disabled = this.busy;
    button.textContent = this.busy ? 'Preparing your receipts…' : 'Download my service receipts';
  }

  /** The state line: `text`, then (optional) a command to copy, set apart in monospace. */
  state(text, kind = '', command = '') {
    const line = this.$('receipts-state');
    line.replaceChildren(text);
    if (command) line.append(' ', Object.assign(document.createElement('code'), { textContent: command }));
    line.className = `receipts-state ${kind}`.trim();
    document.body.dataset.receipts = kind || 'idle';
  }

  async download() {
    if (this.busy || !this.address) return;
    this.busy = true;
    this.render(this.address);
    this.state('Fetching your receipts…', 'pending');
    try {
      const res = await fetch('/api/receipts', { cache: 'no-store' });
      const answer = await res.json().catch(() => ({}));
      if (res.status === 401) {
        this.state('Your sign-in has ended: sign in again, then download your receipts.', 'failed');
      } else if (!res.ok) {
        this.state(`Your receipts could not be fetched: ${answer.error || `the server answered ${res.status}`}.`, 'failed');
      } else if (!answer.receipts?.length) {
        this.state('You have no anchored records yet, so there are no service receipts to download.', 'empty');
      } else {
        const name = `service-receipts-${answer.customer.slice(2, 8).toLowerCase()}-${new Date().toISOString().slice(0, 10)}.json`;
        const url = URL.createObjectURL(new Blob([`${JSON.stringify(answer, null, 2)}\n`], { type: 'application/json' }));
        const link = Object.assign(document.createElement('a'), { href: url, download: name });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
        const n = answer.receipts.length;
        this.state(`Saved ${n} receipt${n === 1 ? '' : 's'} to ${name}. Anyone can check ${n === 1 ? 'it' : 'them'} from chain data alone:`,
          'done', `svc verify-receipt ${name}`);
      }
    } catch (err) {
      this.state(`Your receipts could not be fetched: ${err.message}.`, 'failed');
    } finally {
      this.busy = false;
      this.render(this.address);
    }
  }
}
