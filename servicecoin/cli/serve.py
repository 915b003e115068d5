"""`svc serve`: the customer web page (thin over servicecoin.serve) with the relays of servicecoin.relay."""

from __future__ import annotations

import click

from servicecoin.cli.options import FilePath, UInt, handle_errors, network_option


@click.command()
@network_option
@click.option("--port", default=8080, show_default=True, type=UInt(0, 65535), help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; keep 127.0.0.1 unless a proxy fronts it.")
@click.option("--deployment", type=FilePath(exists=True, dir_okay=False),
              help="Serve this deployment file (its rpc_url and addresses) instead of deployments/<network>.json.")
@click.option("--verbose", is_flag=True, help="Log every request.")
@handle_errors
def serve(network, port, host, deployment, verbose):
    """Serve the customer web page and its relay API until Ctrl-C."""
    from servicecoin import relay  # noqa: F401  registers the feedback and redemption relays with servicecoin.serve
    from servicecoin.serve import check_relayer_key, load_site, make_server

    from servicecoin.watch.settings import load_status_settings

    site = load_site(network, deployment)
    load_status_settings()  # a wrong `status:` section (read by /metrics) stops here, in one line
    relayer = check_relayer_key(site.network)  # a malformed key stops here, in one line
    server = make_server(site, host, port, verbose)
    url = f"http://{host}:{server.server_address[1]}/"
    relays = ", ".join(site.config()["relays"]) or "none"
    click.echo(f"serving the ServiceCoin page for {site.network.id} (chain id {site.record['chain_id']}) at {url}")
    click.echo(f"relays: {relays}" + ("" if relayer else " (no relayer key set: they answer 503)") + "; press Ctrl-C to stop")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


COMMANDS = [serve]
