# vyapari: two commands for a new user (`make demo`, `make test`); each sets itself up.
# Everything runs inside a virtualenv at .venv created on first use.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo-output
EXTRAS ?= aws,brokers,cdk,dev

.PHONY: demo test lint bench synth layers setup clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	@touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the project with every dependency group

demo: $(STAMP)  ## the main job: sample data -> lake -> backtest -> weekly evaluation -> report
	@$(VENV)/bin/vyapari demo --out $(DEMO_OUT)

test: $(STAMP)  ## the whole test suite (installs Chromium and the npm tools it needs)
	@scripts/test-setup
	@$(PY) -m pytest -n 2

lint: $(STAMP)  ## ruff, mypy and the import-linter contracts of STYLE.md
	@$(VENV)/bin/ruff check sdk tests benchmarks functions cdk
	@$(VENV)/bin/mypy
	@$(VENV)/bin/lint-imports

bench: $(STAMP)  ## on-demand performance benchmarks (never run in CI)
	@$(PY) benchmarks/bench_engine.py
	@$(PY) benchmarks/bench_data.py
	@$(PY) benchmarks/bench_history.py
	@$(PY) benchmarks/bench_cold_start.py
	@$(PY) benchmarks/bench_live.py --active 10 --ports service --minutes 375
	@$(PY) benchmarks/bench_live.py --active 10 --minutes 375
	@$(PY) benchmarks/bench_live.py
	@$(PY) benchmarks/bench_live_service.py

synth: $(STAMP)  ## synthesize the CDK app into cdk.out (no Docker needed)
	@scripts/test-setup --npm-only
	@PATH=$(CURDIR)/$(VENV)/bin:$$PATH npx cdk synth --quiet

layers: $(STAMP)  ## build the Lambda dependency layers for arm64/py3.12 without Docker
	@$(PY) layers/build.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache node_modules
