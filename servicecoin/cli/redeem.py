"""`svc redeem`, `svc redemptions list|fulfil|refund|cancel`, `svc discount`: spending points."""

from __future__ import annotations

import click

from servicecoin.cli.options import Address, Points, PositiveInt, Signer, StrictType, UInt, emit, handle_errors, json_option, \
    network_option
from servicecoin.errors import quoted
from servicecoin.reports.dates import when as _when
from servicecoin.token import fmt


class RedemptionId(UInt):
    """A redemption id as `svc redemptions list` shows it: decimal, or 0x and hex digits."""

    name = "redemption id"

    def __init__(self):
        super().__init__(1)

    def convert(self, value, param, ctx):
        import re

        text = str(value)
        if re.fullmatch(r"0x[0-9a-fA-F]{1,64}", text, re.ASCII):
            return super().convert(int(text, 16), param, ctx)
        if not re.fullmatch(r"[0-9]{1,80}", text, re.ASCII):
            self.fail(f"{quoted(text)} is not a redemption id (decimal, or 0x and hex digits)", param, ctx)
        return super().convert(text, param, ctx)

    def get_metavar(self, param, ctx=None):
        return "REDEMPTION_ID"


def _human_redemptions(rows: list[dict]) -> None:
    if not rows:
        click.echo("no redemptions")
    for r in rows:
        qty = f" x{r['quantity']}" if r["quantity"] else ""
        click.echo(f"{r['redemption_id']}  item #{r['item_id']}{qty}  {fmt(r['points']):>10} points  "
                   f"{r['status']:9s} {_when(r['created_at'])}  {r['customer']}")
        if r.get("voucher_hash"):
            click.echo(f"    voucher commitment {r['voucher_hash']}")


@click.command("redeem")
@click.argument("item_id", type=PositiveInt())
@click.option("--qty", default=1, show_default=True, type=PositiveInt(2**64 - 1), help="Units to redeem.")
@click.option("--from", "key", required=True, type=Signer(),
              help="The customer: role name, account number (local) or private key.")
@click.option("--gasless", is_flag=True, help="Sign an EIP-712 request as the customer; the relayer pays the gas.")
@click.option("--relayer", default="relayer", show_default=True, type=Signer(), help="Who submits a --gasless request.")
@click.option("--max-points", default=None, type=Points(),
              help="The most points to pay in total, as the customer saw it (default: today's price x QTY).")
@network_option
@json_option
@handle_errors
def redeem_cmd(item_id, qty, key, gasless, relayer, max_points, network, as_json):
    """Spend points on QTY units of catalog item ITEM_ID, never more than --max-points (a price change reverts)."""
    from servicecoin.chain import connect
    from servicecoin.vault import redeem, redeem_gasless, resolve_signer

    chain = connect(network)
    customer = resolve_signer(chain, key)
    limit = max_points
    if gasless:
        rec = redeem_gasless(chain, item_id, qty, customer, resolve_signer(chain, relayer, "--relayer"),
                             max_points=limit)
    else:
        rec = redeem(chain, item_id, qty, customer, max_points=limit)
    emit(rec.to_json(), as_json, lambda d: click.echo(
        f"redeemed item #{d['item_id']} x{d['quantity']} for {fmt(d['points'])} points: redemption {d['redemption_id']}"
        f"{' (relayed)' if gasless else ''}"))


class OrderRef(StrictType):
    """An order reference: text (hashed on chain), or 0x and 64 hex digits taken as they are."""

    name = "order"

    def convert(self, value, param, ctx):
        import re

        text = str(value)
        if not text.strip():
            self.fail("an order reference is needed", param, ctx)
        if text.startswith("0x") and len(text) == 66 and not re.fullmatch(r"0x[0-9a-fA-F]{64}", text, re.ASCII):
            self.fail(f"{quoted(text)} is 0x and 64 characters but not hex digits", param, ctx)
        return text


@click.group()
def redemptions():
    """Redemptions: list, fulfil with a voucher, refund, cancel an unfulfilled one."""


@redemptions.command("list")
@click.option("--customer", default=None, type=Address(), help="Only this customer's.")
@click.option("--item", "item_id", default=None, type=PositiveInt(), help="Only this item's.")
@click.option("--status", default=None, type=click.Choice(["open", "fulfilled", "refunded", "cancelled"]),
              help="Only redemptions in this state.")
@network_option
@json_option
@handle_errors
def redemptions_list(customer, item_id, status, network, as_json):
    """Redemptions from the chain's events, with their current status."""
    from servicecoin.chain import connect
    from servicecoin.vault import Status, list_redemptions

    rows = list_redemptions(connect(network), customer, item_id, Status.parse(status, "--status: ") if status else None)
    emit([r.to_json() for r in rows], as_json, _human_redemptions)


@redemptions.command("fulfil")
@click.argument("redemption_id", type=RedemptionId())
@click.option("--voucher", required=True, help="The voucher code sent to the customer (only its hash goes on chain).")
@click.option("--from", "key", default="merchant", show_default=True, type=Signer())
@network_option
@json_option
@handle_errors
def redemptions_fulfil(redemption_id, voucher, key, network, as_json):
    """Mark REDEMPTION_ID delivered: the chain gets a commitment to the voucher code, and the code is kept
    sealed for the customer, who sees it on the page after signing in."""
    from servicecoin.chain import connect
    from servicecoin.vault import resolve_signer
    from servicecoin.vault.vouchers import fulfil_with_code

    chain = connect(network)
    rec = fulfil_with_code(chain, redemption_id, voucher, resolve_signer(chain, key))
    emit(rec.to_json(), as_json, lambda d: click.echo(
        f"fulfilled {d['redemption_id']} (voucher commitment {d['voucher_hash']}; the code is kept for the customer, "
        "shown on the page after they sign in)"))


def _give_back(give, done: str, redemption_id: int, key: str, network: str, as_json: bool) -> None:
    """`give` (servicecoin.vault's refund or cancel) REDEMPTION_ID as KEY, and say where the points went."""
    from servicecoin.chain import connect
    from servicecoin.vault import resolve_signer

    chain = connect(network)
    rec = give(chain, redemption_id, resolve_signer(chain, key))
    emit(rec.to_json(), as_json, lambda d: click.echo(
        f"{done} {d['redemption_id']}: {fmt(d['points'])} points back to {d['customer']}"))


@redemptions.command("refund")
@click.argument("redemption_id", type=RedemptionId())
@click.option("--from", "key", default="merchant", show_default=True, type=Signer())
@network_option
@json_option
@handle_errors
def redemptions_refund(redemption_id, key, network, as_json):
    """Give the points of REDEMPTION_ID back to the customer (within the refund window)."""
    from servicecoin.vault import refund

    _give_back(refund, "refunded", redemption_id, key, network, as_json)


@redemptions.command("cancel")
@click.argument("redemption_id", type=RedemptionId())
@click.option("--from", "key", required=True, type=Signer(), help="The customer who redeemed.")
@network_option
@json_option
@handle_errors
def redemptions_cancel(redemption_id, key, network, as_json):
    """Take back the points of REDEMPTION_ID, left unfulfilled past the fulfilment window."""
    from servicecoin.vault import cancel

    _give_back(cancel, "cancelled", redemption_id, key, network, as_json)


@click.command("discount")
@click.option("--points", required=True, type=Points(),
              help="Points to spend (only what the discount is worth is burned).")
@click.option("--order", required=True, type=OrderRef(), help="Order reference (text, or 0x + 64 hex digits).")
@click.option("--min-discount", default=None, type=Points(what="currency amount"),
              help="The least discount to accept, in currency units (e.g. 2.50), as the customer saw it "
                   "(default: what --points buy at today's rate).")
@click.option("--from", "key", default="customer", show_default=True, type=Signer(), help="The customer.")
@network_option
@json_option
@handle_errors
def discount_cmd(points, order, min_discount, key, network, as_json):
    """Take a checkout discount at the published points-per-currency-unit rate (a rate change reverts)."""
    from dataclasses import asdict

    from servicecoin.chain import connect
    from servicecoin.vault import discount, resolve_signer

    chain = connect(network)
    # --min-discount is read in cents (2 decimals, like points)
    result = discount(chain, points, order, resolve_signer(chain, key), min_discount=min_discount)
    emit(asdict(result), as_json, lambda d: click.echo(
        f"{d['discount_cents'] // 100}.{d['discount_cents'] % 100:02d} off order {order} for {fmt(d['points'])} points "
        f"(rate {fmt(d['rate'])} points per unit)"))


COMMANDS = [redeem_cmd, redemptions, discount_cmd]
