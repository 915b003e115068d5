"""`svc log anchor` and `svc log receipt`: anchored mode (records off chain, one Merkle root per batch on chain,
an inclusion receipt per record). The batches are kept in .servicecoin/<network>/anchored/."""

from __future__ import annotations

import json
from pathlib import Path

import click

from servicecoin.cli.log import log_group
from servicecoin.cli.options import FilePath, UInt, emit, handle_errors, json_option, network_option


@log_group.command("anchor")
@click.argument("csv_file", type=FilePath(path_type=Path))
@network_option
@json_option
@handle_errors
def anchor(csv_file, network, as_json):
    """Anchor the records of CSV_FILE (kind,ticket,customer,text,outcome,ref,channel,time) under one Merkle root:
    replies, complaints, amendments and unsatisfied follow-ups only. The records stay off chain."""
    from servicecoin.chain import connect
    from servicecoin.contentstore import ContentStore
    from servicecoin.servicelog import read_batch_csv
    from servicecoin.servicelog.anchoring import anchor_records, anchored_dir

    entries = read_batch_csv(csv_file)
    chain = connect(network)
    with ContentStore.for_network(network) as store:
        batch = anchor_records(chain, entries, store, anchored_dir(network))
    last = batch["first_seq"] + batch["count"] - 1
    emit({k: v for k, v in batch.items() if k != "records"}, as_json,
         lambda b: click.echo(f"anchored records #{b['first_seq']}–#{last} under root {b['root']} (tx {b['tx']}); "
                              f"receipts: svc log receipt SEQ"))


@log_group.command("receipt")
@click.argument("seq", type=UInt(1, 2**64 - 1))
@click.option("--out", type=FilePath(path_type=Path), default=None, help="Write the receipt here (default: print it).")
@network_option
@handle_errors
def receipt(seq, out, network):
    """The inclusion receipt of anchored record SEQ (JSON): the record, its proof, the root, the tx and the block.
    Anyone checks it with 'svc verify-receipt FILE'."""
    from servicecoin.servicelog.anchoring import anchored_dir, find_receipt

    text = json.dumps(find_receipt(anchored_dir(network), seq), indent=2) + "\n"
    if out:
        out.write_text(text)
        click.echo(f"wrote the receipt of record {seq} to {out}")
    else:
        click.echo(text, nl=False)


COMMANDS: list = []  # subcommands of `svc log` (cli/log.py's group)
