"""`svc catalog add|list|update|reassign|describe|contact`: the redemption catalog (gifts, discount vouchers,
exclusive services), and the metadata the page shows (name, description, picture, merchant contact)."""

from __future__ import annotations

import click

from servicecoin.cli.options import Address, FilePath, Points, PositiveInt, Signer, UInt, emit, handle_errors, json_option, \
    network_option
from servicecoin.errors import ConfigError
from servicecoin.reports.dates import when
from servicecoin.token import fmt

MAX_STOCK = 2**32 - 2  # servicecoin.vault.items.UNLIMITED (2**32 - 1) means unlimited on chain
KINDS = ["gift", "discount-voucher", "exclusive-service", "voucher", "discount", "service", "exclusive"]


class Stock(UInt):
    """Units in stock: a whole number, or 'unlimited'."""

    name = "stock"

    def __init__(self):
        super().__init__(0, MAX_STOCK)

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value.strip().lower() in ("unlimited", "none", "-"):
            return "unlimited"
        return super().convert(value, param, ctx)

    def get_metavar(self, param, ctx=None):
        return "INTEGER|unlimited"


def _stock(value):
    """The option's value as servicecoin.vault takes it: "keep" (not given), None (unlimited) or a count."""
    return "keep" if value is None else None if value == "unlimited" else value


def check_min_tier(chain, min_tier: int | None) -> None:
    """--min-tier must name a tier the token has (tiers are numbered from 0, lowest first)."""
    if min_tier is None:
        return
    thresholds, _ = chain.contract("RewardToken").functions.tiers().call()
    if min_tier >= len(thresholds):
        raise ConfigError(f"--min-tier: {min_tier} is not a tier; the token has {len(thresholds)} "
                          f"(0 to {len(thresholds) - 1})")


def _human_items(items: list[dict]) -> None:
    if not items:
        click.echo("the catalog is empty")
    for it in items:
        stock = "unlimited" if it["stock"] is None else f"{it['stock']} left"
        state = "" if it["active"] else "  (inactive)"
        click.echo(f"#{it['item_id']:<3} {it['kind']:17s} {fmt(it['price']):>10} points  {stock:>10}  "
                   f"min tier {it['min_tier']}  redeemed {it['redeemed']}  merchant {it['merchant']}{state}")
        if it["pending_at"]:
            click.echo(f"     price becomes {fmt(it['pending_price'])} on {when(it['pending_at'])} (announced)")
        if it["metadata_uri"]:
            click.echo(f"     {it['metadata_uri']}")
        shown = it.get("page") or {}
        if shown:
            click.echo(f"     on the page: {shown.get('name', '(name from the URI)')}"
                       + (f" — {shown['description']}" if shown.get("description") else "")
                       + (" [picture]" if shown.get("image") else ""))


@click.group()
def catalog():
    """The redemption catalog."""


@catalog.command("add")
@click.option("--kind", required=True, type=click.Choice(KINDS, case_sensitive=False),
              help="gift, discount-voucher (voucher) or exclusive-service (service).")
@click.option("--price", required=True, type=Points(), help="Points per unit (up to 2 decimals).")
@click.option("--stock", default="unlimited", show_default=True, type=Stock(), help="Units available, or 'unlimited'.")
@click.option("--min-tier", default=0, show_default=True, type=UInt(0, 255),
              help="Lowest tier index that may redeem (0 to the token's last tier).")
@click.option("--uri", "metadata_uri", default="", help="Metadata URI (name, picture, terms).")
@click.option("--merchant", default=None, type=Address(), help="Merchant address (admin only; default: the signer).")
@click.option("--from", "sender", default="merchant", show_default=True, type=Signer(),
              help="Signer: role, account number or key.")
@network_option
@json_option
@handle_errors
def catalog_add(kind, price, stock, min_tier, metadata_uri, merchant, sender, network, as_json):
    """List a new item."""
    from servicecoin.chain import connect
    from servicecoin.vault import Kind, add_item, get_item, resolve_signer

    kind = Kind.parse(kind, "--kind: ")
    chain = connect(network)
    check_min_tier(chain, min_tier)
    item_id = add_item(chain, kind, price, _stock(stock), min_tier, merchant, metadata_uri, sender=resolve_signer(chain, sender))
    data = get_item(chain, item_id).to_json()
    emit(data, as_json, lambda d: _human_items([d]))


@catalog.command("list")
@network_option
@json_option
@handle_errors
def catalog_list(network, as_json):
    """Every item with the price in force, any announced change, and what the page shows of it."""
    from servicecoin.chain import connect
    from servicecoin.vault import list_items
    from servicecoin.vault.metadata import CatalogMetadata

    described = CatalogMetadata.for_network(network).public()["items"]
    items = [{**i.to_json(), "page": described.get(str(i.item_id), {})} for i in list_items(connect(network))]
    emit(items, as_json, _human_items)


@catalog.command("update")
@click.argument("item_id", type=PositiveInt())
@click.option("--stock", default=None, type=Stock(), help="New stock, or 'unlimited'.")
@click.option("--min-tier", default=None, type=UInt(0, 255), help="New lowest tier index that may redeem.")
@click.option("--active/--inactive", default=None)
@click.option("--uri", "metadata_uri", default=None)
@click.option("--price", default=None, type=Points(),
              help="New price in points: announced, applies after the notice period.")
@click.option("--from", "sender", default="merchant", show_default=True, type=Signer())
@network_option
@json_option
@handle_errors
def catalog_update(item_id, stock, min_tier, active, metadata_uri, price, sender, network, as_json):
    """Change an item (a price change waits for the notice period)."""
    from servicecoin.chain import connect
    from servicecoin.vault import resolve_signer, update_item

    chain = connect(network)
    check_min_tier(chain, min_tier)
    item = update_item(chain, item_id, stock=_stock(stock), min_tier=min_tier, active=active,
                       metadata_uri=metadata_uri, price=price, sender=resolve_signer(chain, sender))
    emit(item.to_json(), as_json, lambda d: _human_items([d]))


@catalog.command("reassign")
@click.argument("item_id", type=PositiveInt())
@click.option("--merchant", required=True, type=Address(), help="The new merchant's address (must hold MERCHANT_ROLE).")
@click.option("--from", "sender", default="deployer", show_default=True, type=Signer(), help="The admin.")
@network_option
@json_option
@handle_errors
def catalog_reassign(item_id, merchant, sender, network, as_json):
    """Move ITEM_ID and its open redemptions to another merchant (admin)."""
    from servicecoin.chain import connect
    from servicecoin.vault import reassign_item, resolve_signer

    chain = connect(network)
    item = reassign_item(chain, item_id, merchant, sender=resolve_signer(chain, sender))
    emit(item.to_json(), as_json, lambda d: _human_items([d]))


@catalog.command("describe")
@click.argument("item_id", type=PositiveInt())
@click.option("--name", default=None, help="What customers call it (at most 80 characters).")
@click.option("--description", default=None, help="One or two sentences (at most 600 characters).")
@click.option("--image", default=None, type=FilePath(exists=True, dir_okay=False),
              help="A PNG, JPEG, GIF or WebP picture of at most 1 MB (copied; served by `svc serve`).")
@network_option
@json_option
@handle_errors
def catalog_describe(item_id, name, description, image, network, as_json):
    """Set the name, description and picture the page shows for ITEM_ID."""
    from servicecoin.chain import connect
    from servicecoin.vault import get_item
    from servicecoin.vault.metadata import CatalogMetadata

    get_item(connect(network), item_id)  # one clear line for an item that is not listed
    entry = CatalogMetadata.for_network(network).describe(item_id, name, description, image)
    emit({"item_id": item_id, **entry}, as_json, lambda d: click.echo(
        f"#{item_id} {d.get('name', '(no name)')}: " + (d.get("description") or "(no description)")
        + (f"  [picture {d['image']}]" if d.get("image") else "")))


@catalog.command("contact")
@click.option("--name", default=None, help="The merchant's name as customers know it.")
@click.option("--email", default=None, help="Where customers write about a redemption.")
@click.option("--url", default=None, help="An https:// help page.")
@click.option("--wait-days", default=None, type=UInt(1, 365),
              help="After how many days an open redemption tells the customer whom to contact (default 7).")
@network_option
@json_option
@handle_errors
def catalog_contact(name, email, url, wait_days, network, as_json):
    """Set whom customers contact about a redemption that waits too long."""
    from servicecoin.vault.metadata import DEFAULT_WAIT_DAYS, CatalogMetadata

    merchant = CatalogMetadata.for_network(network).set_contact(name, email, url, wait_days)
    emit(merchant, as_json, lambda d: click.echo(
        f"contact: {d.get('name', '(no name)')} {d.get('email', '')} {d.get('url', '')}".rstrip()
        + f"; shown after {d.get('wait_days', DEFAULT_WAIT_DAYS)} days of waiting"))


COMMANDS = [catalog]
