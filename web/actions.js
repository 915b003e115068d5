// Actions on the customer's points: feedback on resolved tickets (ServiceLog) and redemptions
// (RedemptionVault). Each section shows only when its contract is deployed and the server relays it.

export class Actions {
  constructor(ctx) {
    this.ctx = ctx; // { state, track, showMessage, refresh, el, txLink }
  }

  get config() {
    return this.ctx.state.config;
  }

  has(contract, relay) {
    return Boolean(this.config.contracts[contract] && this.config.abis[contract] && (!relay || this.config.relays.includes(relay)));
  }

  /** Render the action sections for `account` (called after every refresh). */
  async render(account, summary) {
    const hasLog = this.has('ServiceLog');
    const hasVault = this.has('RedemptionVault');
    document.getElementById('tickets-card').hidden = !hasLog;
    document.getElementById('catalog-card').hidden = !hasVault;
    if (hasLog && this.renderTickets) await this.renderTickets(account, summary);
    if (hasVault && this.renderCatalog) await this.renderCatalog(account, summary);
  }
}
