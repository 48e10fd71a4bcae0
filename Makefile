# vyapari: two commands for a new user (`make demo`, `make test`); each sets itself up.
# Everything runs inside a virtualenv at .venv created on first use.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo-output
EXTRAS ?= aws,api,brokers,cdk,dev,pairs
# Every install (this venv, CI, the Lambda layers, the container image) takes its versions from the lock.
LOCK := requirements/lock.txt

.PHONY: demo dashboard test test-unit test-integration test-infrastructure lint bench synth layers setup \
	clean lock package-check deploy-check docs

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -c $(LOCK) -e '.[$(EXTRAS)]'
	@$(VENV)/bin/vyapari warmup  # compile the kernels ahead of time now, so the first run is as fast as the next
	@touch $(STAMP)

setup: $(STAMP)  ## create .venv, install the project with every dependency group, compile the kernels (AOT)

demo: $(STAMP)  ## the main job: sample data -> lake -> backtest -> weekly evaluation -> report
	@$(VENV)/bin/vyapari demo --out $(DEMO_OUT)

dashboard: $(STAMP)  ## the dashboard on the demo's data at http://127.0.0.1:8080/ (runs the demo first once)
	@test -f $(DEMO_OUT)/api-state/registry_table.json || $(VENV)/bin/vyapari demo --out $(DEMO_OUT)
	@$(VENV)/bin/vyapari api serve --lake $(DEMO_OUT)/lake --state-dir $(DEMO_OUT)/api-state \
		--live-state-dir $(DEMO_OUT)/live-state --insecure-dev-role admin --open

test: $(STAMP)  ## lint and type gates, the whole test suite (installs Chromium and npm tools), package-check
	@$(MAKE) --no-print-directory lint
	@scripts/test-setup
	@$(PY) -m pytest -n 2
	@$(MAKE) --no-print-directory package-check

package-check: $(STAMP)  ## import and call every synthesized function from exactly its deployed package
	@$(PY) -m cdk.package_check

lock: $(STAMP)  ## re-resolve requirements/lock.txt from pyproject.toml (all extras, every platform)
	@$(VENV)/bin/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
		--no-header --annotation-style line --quiet -o $(LOCK)

test-unit: $(STAMP)  ## the fast tier: unit and property tests (seconds to a minute; no browser, no npm)
	@$(PY) -m pytest -n 2 tests/unit tests/property

test-integration: $(STAMP)  ## moto, local workflow runs, fake broker servers, subprocesses, the browser
	@scripts/test-setup
	@$(PY) -m pytest -n 2 tests/integration

test-infrastructure: $(STAMP)  ## CDK synth and template assertions (cdk-nag, cfn-lint)
	@scripts/test-setup --npm-only
	@$(PY) -m pytest -n 2 tests/infrastructure

lint: $(STAMP)  ## ruff, mypy (sdk, functions, cdk, tests) and the import-linter contracts
	@$(VENV)/bin/ruff check sdk tests benchmarks functions cdk
	@$(VENV)/bin/mypy
	@$(VENV)/bin/lint-imports

bench: $(STAMP)  ## on-demand performance benchmarks (never run in CI)
	@benchmarks/setup-peers $(PYTHON)  # the peers (vectorbt, backtesting.py) in benchmarks/.venv, not ours
	@$(PY) benchmarks/bench_process.py
	@$(PY) benchmarks/bench_engine.py
	@$(PY) benchmarks/bench_data.py
	@$(PY) benchmarks/bench_history.py
	@$(PY) benchmarks/bench_cold_start.py
	@$(PY) benchmarks/bench_live.py --active 10 --ports service --minutes 375
	@$(PY) benchmarks/bench_live.py --active 10 --minutes 375
	@$(PY) benchmarks/bench_live.py
	@$(PY) benchmarks/bench_live_service.py

docs: $(STAMP)  ## build the documentation site into site/ (mkdocs; the tests build it too)
	@NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

synth: $(STAMP)  ## synthesize the CDK app into cdk.out (no Docker needed)
	@scripts/test-setup --npm-only
	@PATH=$(CURDIR)/$(VENV)/bin:$$PATH npx cdk synth --quiet

layers: $(STAMP)  ## build the Lambda dependency layers for arm64/py3.12 without Docker
	@$(PY) layers/build.py

deploy-check: layers  ## synth as a deploy does: real layers required, no placeholders (cdk-nag on)
	@scripts/test-setup --npm-only
	@PATH=$(CURDIR)/$(VENV)/bin:$$PATH npx cdk synth --quiet -c requireLayers=1 -c nag=1

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache node_modules .cache
