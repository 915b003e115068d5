"""Adversarial fixtures: the production-wired token (tests/conftest.py), a ServiceLog and a
RedemptionVault wired to it as the contract suites do (their helpers are reused, not copied)."""

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "contracts"))
sys.path.insert(0, str(HERE.parent / "contracts" / "service_log"))

from redemption_vault.vault_helpers import gift, hooked, merchant2, vault, voucher  # noqa: E402,F401


def _log_fixtures():
    """The ServiceLog suite's `agent` and `log` fixtures (its conftest, loaded under another name)."""
    spec = importlib.util.spec_from_file_location("svc_log_conftest", HERE.parent / "contracts" / "service_log" /
                                                  "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.agent, module.log


agent, log = _log_fixtures()
