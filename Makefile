# vyapari: two commands for a new user (`make demo`, `make test`); each sets itself up.
# Everything runs inside a virtualenv at .venv created on first use.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo-output

.PHONY: demo test lint bench synth setup clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the project with its dev tools

demo: $(STAMP)  ## run the main job: sample data -> backtest -> weekly evaluation -> report
	@$(VENV)/bin/vyapari demo --out $(DEMO_OUT)

test: $(STAMP)  ## run the whole test suite
	@$(PY) -m pytest -n 2

lint: $(STAMP)  ## ruff, mypy and the import-linter contracts of STYLE.md
	@$(VENV)/bin/ruff check sdk tests benchmarks
	@$(VENV)/bin/mypy
	@$(VENV)/bin/lint-imports

bench: $(STAMP)  ## on-demand performance benchmarks (not run in CI)
	@$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache
