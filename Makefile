# ServiceCoin — every target installs what it needs (make setup is idempotent).
SHELL := /bin/bash
VENV := .venv
SOLC_VERSION := 0.8.29
export SOLCX_BINARY_PATH := $(CURDIR)/.solcx
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export PYTHONUNBUFFERED := 1

.PHONY: setup system-deps compile test test-long test-ganache bench bench-long demo demo-stop serve clean-chain

setup: $(VENV)/.installed node_modules/.installed .solcx/solc-v$(SOLC_VERSION) $(VENV)/.networks system-deps

# Debian packages the browser and database tests use. Installed when missing and we are root
# (CI, these machines); elsewhere those tests skip and say why.
SYSTEM_PACKAGES := chromium postgresql
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "note: missing Debian packages:$$missing (their tests will be skipped)"; fi; \
	fi

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(VENV)/bin/python || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	$(VENV)/bin/pip install -q --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json | $(VENV)/.installed
	npm ci --no-audit --no-fund --loglevel=error
	# Native anvil from @foundry-rs/anvil-linux-amd64, linked into the venv so brownie can stop it cleanly.
	ln -sf "$$(ls $(CURDIR)/node_modules/@foundry-rs/anvil-*/bin/anvil | head -n1)" $(VENV)/bin/anvil
	touch $@

# py-solc-x and brownie find the compiler at $SOLCX_BINARY_PATH/solc-v<version>.
.solcx/solc-v$(SOLC_VERSION): tools/solc.mjs
	mkdir -p .solcx
	ln -sf ../tools/solc.mjs $@

# Brownie keeps network definitions per user: register ours (replacing older copies).
$(VENV)/.networks: networks.yaml $(VENV)/.installed
	python -c "from brownie._cli.networks import _import; _import('networks.yaml', True)"
	touch $@

compile: setup
	brownie compile

# Static analysis first (it fails on any new finding), then every test; pytest's summary closes the run.
test: setup slither
	brownie test tests/ -p no:cacheprovider

# The RewardToken suite again on Ganache 7 (brownie launches it).
test-ganache: setup
	brownie test tests/contracts/reward_token --network ganache -p no:cacheprovider

test-long: setup
	SVC_LONG=1 brownie test tests/ -p no:cacheprovider

# Gas, speed, sizes, and the fault scenarios and a bounded invariant run, all run here and now.
bench: setup compile .venv-slither/.installed
	python -m benchmarks.run

# The invariants for 100,000+ steps (hours): reliability.long.* into benchmarks/results.json, with the
# date and commit of the run in benchmarks/long-run.json (BENCHMARKS.md shows them).
bench-long: setup compile
	python -m benchmarks.run long

SERVE_URL := http://127.0.0.1:8080/
SERVE_PID := .servicecoin/serve.pid
# The demo tells a short story (servicecoin/demo.py); the compiler's listing goes to a log, shown only
# when compiling fails. The customer page then runs in the background: `make demo-stop` stops it.
demo: setup
	@mkdir -p .servicecoin
	@echo "compiling the contracts (log: .servicecoin/compile.log)…"
	@brownie compile > .servicecoin/compile.log 2>&1 || { tail -n 40 .servicecoin/compile.log; exit 1; }
	@svc chain start
	@python -m servicecoin.demo --network svc-local
	@echo
	@if python -c "import urllib.request as u; u.urlopen('$(SERVE_URL)api/health', timeout=2)" 2>/dev/null; then \
	  echo "The customer page: $(SERVE_URL) (already being served)"; \
	else \
	  nohup svc serve --network svc-local > .servicecoin/serve.log 2>&1 & echo $$! > $(SERVE_PID); \
	  sleep 2; echo "The customer page: $(SERVE_URL) (svc serve runs in the background; log in .servicecoin/serve.log)"; \
	fi
	@echo "Stop the page and the chain with: make demo-stop  (the chain's state is kept for the next make demo)"

# Stops what make demo left running: the background customer page (its pid in .servicecoin/serve.pid,
# checked to be svc serve before it is signalled) and the local chain (state kept).
demo-stop:
	@pid=$$(cat $(SERVE_PID) 2>/dev/null); \
	if [ -n "$$pid" ] && ps -p $$pid -o args= 2>/dev/null | grep -q "svc serve"; then \
	  kill $$pid && echo "customer page stopped (pid $$pid)"; \
	else echo "customer page was not running"; fi; rm -f $(SERVE_PID)
	@svc chain stop

# The customer page in the foreground.
serve: setup
	svc serve --network svc-local

include security/slither.mk

clean-chain:
	-kill $$(cat .servicecoin/serve.pid 2>/dev/null) 2>/dev/null; rm -f .servicecoin/serve.pid
	-svc chain stop
	rm -rf .servicecoin/chain
