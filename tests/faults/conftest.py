"""Fault-injection fixtures: anvils and flaky proxies of our own (ports 8850–8899), a campaign on them."""

import json
import signal
import time

import pytest

from tests.faults.faultkit import FlakyProxy, Node, next_node_port, next_proxy_port
from servicecoin.localchain import spawn_anvil


class CrashableNode(Node):
    """An anvil that dumps its state every second, so it can be SIGKILLed and restarted like a crashed
    node: it comes back with the chain as of its last dump (recent blocks and the mempool are gone)."""

    def start(self) -> "CrashableNode":
        if self.state is None:
            return super().start()
        self.proc = spawn_anvil(self.port, "--state", str(self.state), "--state-interval", "1")
        return self

    def wait_for_dump(self, timeout: float = 30) -> None:
        """Poll the state file until its dump holds the node's latest block (it dumps every second), so
        a crash from now on loses nothing before this point."""
        latest = self.chain().w3.eth.block_number
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if json.loads(self.state.read_text()).get("best_block_number", -1) >= latest:
                    return
            except (OSError, ValueError):  # not written yet, or caught mid-write
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.state}: no state dump of block {latest} within {timeout}s")

    def crash(self) -> None:
        """SIGKILL: no state dump, no goodbye."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


@pytest.fixture
def node_factory():
    nodes = []

    def make(**kwargs) -> CrashableNode:
        node = CrashableNode(next_node_port(), **kwargs).start()
        nodes.append(node)
        return node

    yield make
    for node in nodes:
        node.stop()


@pytest.fixture
def proxy_factory():
    proxies = []

    def make(node, fault=None, **kwargs) -> FlakyProxy:
        proxy = FlakyProxy(next_proxy_port(), node.url, **({"fault": fault} if fault else {}), **kwargs)
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.close()


@pytest.fixture(scope="module")
def shared_node():
    """One anvil for the scenarios that do not crash it (each deploys its own token)."""
    node = CrashableNode(next_node_port()).start()
    yield node
    node.stop()
