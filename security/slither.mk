# Static analysis (issue 8). Included by the Makefile: `include security/slither.mk`.
# `make slither` creates .venv-slither (its own venv: slither pins its own web3/crytic-compile)
# and fails on any high/medium finding and any low/informational one not in security/slither-triage.json
# (settings and excluded false-positive classes: slither.config.json).
SLITHER_VENV := .venv-slither

$(SLITHER_VENV)/.installed: security/requirements-slither.txt
	test -x $(SLITHER_VENV)/bin/python || python3.11 -m venv $(SLITHER_VENV) || python3 -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/pip install -q -r security/requirements-slither.txt
	touch $@

.PHONY: slither
slither: setup $(SLITHER_VENV)/.installed
	python security/run_slither.py
