"""The world the notify tests run in, on brownie's anvil: the whole program deployed with `svc deploy` (into a
temporary deployments folder), then for customer A a lot expiring within 30 days, a delivered redemption, a
resolved ticket without feedback and a complaint due a follow-up call; B has a resolved ticket too. A confirmed
A for every kind, B pending (never confirmed)."""

from __future__ import annotations

import subprocess
import sys

from brownie import chain as brownie_chain, web3
from click.testing import CliRunner
from web3 import Web3

from servicecoin import PROJECT_ROOT
from servicecoin.chain import dev_account, from_web3
from servicecoin.contentkeys import ContentKeys
from servicecoin.notices.contacts import KINDS, ContactBook
from servicecoin.notices.db import connect, store_path
from servicecoin.token import UNIT, Reason

A, B = dev_account(5), dev_account(6)
DAY = 86_400
NETWORK = "development"


def svc(*args: str, env: dict | None = None):
    from servicecoin.cli import cli

    return CliRunner().invoke(cli, [*args, "--network", NETWORK], env=env)


def svc_process(data_dir, *args: str, env: dict) -> subprocess.CompletedProcess:
    """`svc ARGS` in a process of its own (for a crash), with the data folder at `data_dir`."""
    code = ("import sys, pathlib, servicecoin.paths as p; p.DATA_DIR = pathlib.Path(sys.argv[1]); "
            "sys.argv = ['svc'] + sys.argv[2:]; from servicecoin.cli import main; main()")
    return subprocess.run([sys.executable, "-c", code, str(data_dir), *args, "--network", NETWORK], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


def build_world():
    """Deploy, seed, and return the Chain."""
    from servicecoin import vault as sv
    from servicecoin.servicelog import Entry, Kind, append_batch

    assert svc("deploy").exit_code == 0
    chain = from_web3(Web3(Web3.HTTPProvider(web3.provider.endpoint_uri)), NETWORK)
    token = chain.contract("RewardToken")
    chain.transact(token.functions.issue(A.address, 120 * UNIT, Reason.PURCHASE, Web3.keccak(text="n-1")), "operator")
    lot = token.functions.lotsOf(A.address).call()[0]
    now = chain.w3.eth.get_block("latest")["timestamp"]
    brownie_chain.sleep(int(lot[2] - now - 10 * DAY))  # 10 days before A's purchase expires
    brownie_chain.mine()
    chain.transact(token.functions.issue(A.address, 80 * UNIT, Reason.PURCHASE, Web3.keccak(text="n-2")), "operator")
    mug = sv.add_item(chain, sv.Kind.GIFT, 40 * UNIT, 10, metadata_uri="demo://gift/coffee-mug")
    sv.fulfil(chain, sv.redeem(chain, mug, 1, A).redemption_id, "MUG-1")
    from servicecoin.contentstore import ContentStore

    with ContentStore.for_network(NETWORK) as store:
        append_batch(chain, [Entry(Kind.OPENED, 501, A.address, "Broken lid"), Entry(Kind.RESOLVED, 501, A.address, "Sent"),
                             Entry(Kind.OPENED, 502, B.address, "Late"), Entry(Kind.RESOLVED, 502, B.address, "Arrived"),
                             Entry(Kind.OPENED, 503, A.address, "Rude"), Entry(Kind.COMPLAINT, 503, A.address, "Rude agent"),
                             Entry(Kind.RESOLVED, 503, A.address, "Apologised")], store)
    return chain


def book(settings=None):
    """(db, ContactBook) of the development network's notices file (close db after)."""
    from servicecoin.notices.settings import NoticeSettings

    db = connect(store_path(NETWORK, (settings or NoticeSettings()).store))
    return db, ContactBook(db, ContentKeys.for_network(NETWORK))


def consent(customer, email: str, kinds=KINDS, confirm: bool = True) -> None:
    db, contacts = book()
    token = contacts.request(customer.address, email, list(kinds))
    if confirm:
        assert contacts.confirm(token, 3600) is not None
    db.close()
