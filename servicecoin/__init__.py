"""ServiceCoin operator tools: deploy, campaigns, the service log, redemptions and reports."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# py-solc-x / brownie find the project's solc shim here (see Makefile and tools/solc.mjs).
os.environ.setdefault("SOLCX_BINARY_PATH", str(PROJECT_ROOT / ".solcx"))
