# netsoc - every task a user runs.  `make demo` and `make test` are the two
# commands of the README's quick start; both create .venv when it is absent.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8866
DASHBOARD_PORT ?= 8867
COHORT ?=
DASHBOARD_LANG ?=
SURVEY_URL ?=

export MPLBACKEND := agg
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help demo test lint format lab workshop survey dashboard report bench bench-quick bench-room clean

help:
	@echo "make demo       create .venv if needed, install netsoc, run the demo pipeline"
	@echo "make test       install the test extras, run make lint, then the whole test suite"
	@echo "make lint       ruff (lint + format check) and mypy, as CI and pre-commit run them"
	@echo "make format     let ruff format the code and fix what it can"
	@echo "make lab        JupyterLab on notebooks/"
	@echo "make workshop   survey + dashboard for a room, one QR code (COHORT=code required)"
	@echo "make survey     serve the questionnaire, many participants per process (COHORT=code PORT=n)"
	@echo "make dashboard  serve the live workshop dashboard (COHORT=code DASHBOARD_PORT=n)"
	@echo "make report     write the full analysis report for the demo store"
	@echo "make bench      run every benchmark under bench/ (bench-quick: tiny sizes)"
	@echo "make bench-room N phones (files + messages) against one server (N=200; WORKERS=2 DB=postgresql://... puts 2 servers behind nginx)"

$(BIN)/python:
	@echo ">> creating virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo ">> installing netsoc and its dependencies (first time: about 2 minutes)"
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	@echo ">> installing test extras"
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@touch $@

demo: $(VENV)/.installed
	$(BIN)/netsoc demo

# the suite includes a quick smoke run of the benchmarks, which compares with pingouin
test: $(VENV)/.installed-bench
	$(MAKE) lint
	NETSOC_RELIABILITY_DOC=docs/reliability.md $(BIN)/python -m pytest $(PYTEST_ARGS)

# the same checks as .pre-commit-config.yaml; configured in pyproject.toml
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lab: $(VENV)/.installed
	$(BIN)/jupyter lab notebooks/

workshop: $(VENV)/.installed
	@test -n "$(COHORT)" || { echo "make workshop needs a workshop code: make workshop COHORT=WS-MAR"; exit 2; }
	$(BIN)/netsoc workshop --cohort $(COHORT) --port $(PORT) --dashboard-port $(DASHBOARD_PORT) \
	  $(if $(DASHBOARD_LANG),--lang $(DASHBOARD_LANG))

survey: $(VENV)/.installed
	$(BIN)/netsoc survey --port $(PORT) $(if $(COHORT),--cohort $(COHORT))

dashboard: $(VENV)/.installed
	$(BIN)/netsoc dashboard --port $(DASHBOARD_PORT) $(if $(COHORT),--cohort $(COHORT)) \
	  $(if $(DASHBOARD_LANG),--lang $(DASHBOARD_LANG)) $(if $(SURVEY_URL),--survey-url $(SURVEY_URL))

report: $(VENV)/.installed
	$(BIN)/netsoc report --db sqlite:///data/demo/demo.sqlite --out reports/report.html

bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run_all.py

bench-quick: $(VENV)/.installed-bench
	$(BIN)/python bench/run_all.py --quick

N ?= 200
bench-room: $(VENV)/.installed-bench
	$(BIN)/python bench/bench_room.py --n $(N) $(if $(WORKERS),--workers $(WORKERS)) $(if $(DB),--db $(DB))

clean:
	rm -rf reports .pytest_cache .hypothesis
