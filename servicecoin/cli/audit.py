"""`svc verify-log` and `svc verify-receipt`: an audit of the service log from chain data alone. With
`--address` and `--rpc` it needs nothing else: no checkout state, no deployment file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from servicecoin.cli.options import Address, FilePath, RpcUrl, emit, handle_errors, json_option, network_option

BAR_FROM = 10_000  # records: longer runs show a progress bar


def _chain(network: str, rpc: str | None):
    from servicecoin.chain import connect, connect_to
    from servicecoin.networks import Network

    if rpc:
        return connect_to(Network("audit", rpc, False))
    return connect(network)


def _log(chain, address: str | None):
    from servicecoin.errors import ConfigError
    from servicecoin.servicelog import log_contract

    if address:
        if not chain.w3.eth.get_code(address):
            raise ConfigError(f"{address}: no contract there on this node (is --rpc the right chain?)")
        return log_contract(chain, address)
    try:
        return log_contract(chain)
    except ConfigError:
        raise ConfigError("no deployment of this network here: give the log with --address 0x… (and --rpc URL)") \
            from None


def _read_copy(copy: Path, receipts: Path | None):
    from servicecoin.errors import ConfigError
    from servicecoin.servicelog import Record
    from servicecoin.servicelog.anchoring import receipt_record

    records = []
    try:
        if copy:
            records += [Record.from_json(d) for d in json.loads(copy.read_text())]
        if receipts:
            records += [receipt_record(json.loads(p.read_text())) for p in sorted(receipts.glob("*.json"))]
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{copy or receipts}: not a log export or receipt: {exc}") from None
    return records


@click.command("verify-log")
@click.option("--address", default=None, type=Address(), help="The log's address (default: this network's deployment file).")
@click.option("--rpc", default=None, type=RpcUrl(), help="A node's JSON-RPC URL (default: the --network's).")
@click.option("--copy", "copy", type=FilePath(exists=True, path_type=Path), default=None,
              help="Verify this archived copy (from 'svc log export') instead of the node's events.")
@click.option("--receipts", type=FilePath(exists=True, file_okay=False, path_type=Path), default=None,
              help="A folder of inclusion receipts: check each anchored record against its root on chain.")
@click.option("--texts", type=FilePath(exists=True, path_type=Path), default=None,
              help="A content export ('svc log export --texts'): check each text against its commitment.")
@network_option
@json_option
@handle_errors
def verify_log(address, rpc, copy, receipts, texts, network, as_json):
    """Recompute the hash chain of every log version (single, packed and anchored records) and compare it with
    the on-chain head and count; check the ticket rules; name the first bad record; check local texts."""
    from servicecoin.servicelog import check_contents, fetch_records, log_versions
    from servicecoin.servicelog import verify_log as run

    chain = _chain(network, rpc)
    log = _log(chain, address)
    count = log.functions.count().call()
    show_bar = not as_json and count >= BAR_FROM
    records = None
    if copy or receipts:
        records = _read_copy(copy, receipts)
        if not copy:  # receipts beside the node's own records
            records += [r for v in log_versions(chain, log) for r in fetch_records(chain, v)]
    # Two stages on stderr: reading the events (by block, every log version) and checking the records.
    with _bar(show_bar, chain.w3.eth.block_number + 1, "reading events") as reading, \
            _bar(show_bar, count, "verifying    ") as checking:
        result = run(chain, log, records, progress=checking.update, fetched=_Blocks(reading).update)
    data = {**result.to_json(), "log": log.address}
    contents = None
    if texts:
        from servicecoin.errors import ConfigError
        from servicecoin.servicelog.records import compare_contents, import_contents

        try:
            held = import_contents(json.loads(texts.read_text()), log.address)
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{texts}: not a content export: {exc}") from None
        contents = compare_contents(held.get, records or fetch_records(chain, log))
    elif not rpc and not address:  # the operator's own folder: check the texts held here too
        from servicecoin.contentstore import ContentStore
        from servicecoin.servicelog.tombstones import judge

        with ContentStore.for_network(network) as store:
            contents = check_contents(store, log.address, records or fetch_records(chain, log),
                                      judge(chain, log, store))
    if contents is not None:
        data["contents"] = contents.__dict__

    def human(_):
        click.echo(result.summary())
        if result.first_bad is not None and not result.valid:
            click.echo(f"first bad record: #{result.first_bad}")
        if contents is not None:
            click.echo(f"texts: {contents.matching} match, {contents.erased} erased, {contents.missing} not held"
                       + (f", MISMATCH at {', '.join(map(str, contents.mismatched))}" if contents.mismatched else "")
                       + (f", FORGED TOMBSTONE at {_seqs(contents.forged)}" if contents.forged else "")
                       + (f", GONE WITHOUT A TOMBSTONE at {_seqs(contents.unexplained)}"
                          if contents.unexplained else ""))

    emit(data, as_json, human)
    if not result.valid or (contents is not None and not contents.ok):
        sys.exit(1)


def _seqs(seqs: list[int], shown: int = 10) -> str:
    return ", ".join(map(str, seqs[:shown])) + (f" … {len(seqs) - shown} more" if len(seqs) > shown else "")


def _bar(show: bool, length: int, label: str):
    return click.progressbar(length=length, label=label, file=sys.stderr) if show else _NoBar()


class _Blocks:
    """Turns fetch_records' (blocks done, blocks in this log version) into steps of one bar over all versions."""

    def __init__(self, bar):
        self.bar, self.last = bar, 0

    def update(self, done: int, total: int) -> None:
        step = done - self.last if done >= self.last else done  # a new log version starts counting again
        self.last = done
        self.bar.update(step)


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n):
        pass


@click.command("verify-receipt")
@click.argument("receipt_file", type=FilePath(exists=True, path_type=Path))
@click.option("--rpc", default=None, type=RpcUrl(), help="A node's JSON-RPC URL (default: the --network's).")
@network_option
@json_option
@handle_errors
def verify_receipt(receipt_file, rpc, network, as_json):
    """Check an anchored record's inclusion receipt from chain data alone: its transaction and block, the root
    on chain, the proof from the record to that root. RECEIPT_FILE is one receipt ('svc log receipt') or the
    file of a customer's receipts the page saves ({"receipts": [...]}): each of them is checked."""
    from servicecoin.errors import ConfigError
    from servicecoin.servicelog.anchoring import check_receipt

    try:
        data = json.loads(receipt_file.read_text())
    except ValueError as exc:
        raise ConfigError(f"{receipt_file}: not JSON: {exc}") from None
    many = isinstance(data, dict) and isinstance(data.get("receipts"), list)
    receipts = data["receipts"] if many else [data]
    if many and not receipts:
        raise ConfigError(f"{receipt_file}: holds no receipts")
    chain = _chain(network, rpc)
    results = [{"seq": r.get("seq") if isinstance(r, dict) else None,
                "problems": check_receipt(chain.w3, r) if isinstance(r, dict) else ["not an inclusion receipt"]}
               for r in receipts]
    bad = [r for r in results if r["problems"]]
    out = {"receipt": str(receipt_file), "valid": not bad}
    out.update({"receipts": results} if many else results[0])

    def human(_):
        for receipt, result in zip(receipts, results):
            if result["problems"]:
                click.echo(f"INVALID receipt {receipt_file} (record #{result['seq']}): " + "; ".join(result["problems"]))
            else:
                click.echo(f"OK: record #{receipt['seq']} is in anchored batch #{receipt['first_seq']}–"
                           f"#{receipt['first_seq'] + receipt['count'] - 1}, root {receipt['root']}, tx {receipt['tx']}")

    emit(out, as_json, human)
    if bad:
        sys.exit(1)


COMMANDS = [verify_log, verify_receipt]
