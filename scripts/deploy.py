"""brownie run scripts/deploy.py [--network ID]: the thin brownie entry point over servicecoin.deploy."""

from brownie import network, web3

from servicecoin.chain import from_web3
from servicecoin.deploy import deploy


def main():
    record = deploy(from_web3(web3, network.show_active()))
    for name, address in record["contracts"].items():
        print(f"{name}: {address}")
