# Partner Portal: every task in one place. `make help` lists them.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes; the suite is independent per test, so it runs on every core by default
# (tests marked with an xdist_group, the fault tests, run one after another in one process).
TEST_WORKERS ?= auto

.DEFAULT_GOAL := help

.PHONY: help install run migrate seed test test-fast lint fmt check worker beat bench loadtest clean

help: ## List every target
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements/constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies

migrate: install ## Apply database migrations
	$(PY) manage.py migrate --noinput

# The demo's printed sign-in link and its emails' links point at the server `make run` starts
# (PORT=8765 included), unless PRM_SITE_URL is set.
seed run: export PRM_SITE_URL ?= http://$(HOST):$(PORT)

seed: migrate ## Load the demo program (idempotent)
	$(PY) manage.py seed_demo

run: seed ## Run the portal with demo data on http://$(HOST):$(PORT) (embedded default)
	@echo ""
	@echo "  Partner Portal: http://$(HOST):$(PORT)/  (demo accounts are listed in README.md)"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install ## Run the whole test suite (browser tests need /usr/bin/chromium)
	@if [ -x /usr/bin/chromium ]; then echo "browser tests: using /usr/bin/chromium"; \
	  else echo "browser tests: SKIPPED, no /usr/bin/chromium (apt-get install -y chromium)"; fi
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: install ## ruff check, format check, missing migrations and mypy on the apps' modules
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy

fmt: install ## Format and autofix the code
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: install ## Django system checks
	$(PY) manage.py check

# The Celery app defaults to production settings, as WSGI does; these targets run locally.
worker: install ## Run a Celery worker (needs REDIS_URL)
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-prm.settings.local} $(VENV)/bin/celery -A prm worker --loglevel=INFO

beat: install ## Run Celery beat with the schedule editable in the admin (needs REDIS_URL)
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-prm.settings.local} $(VENV)/bin/celery -A prm beat --loglevel=INFO

bench: install ## Build the scale data set and run the benchmarks (needs DATABASE_URL on PostgreSQL)
	$(PY) -m bench

# The load test: LOAD_USERS simulated people for LOAD_TIME (make loadtest LOAD_USERS=30 LOAD_TIME=30s
# for a short run); PostgreSQL and Redis on 127.0.0.1 (LOAD_DATABASE_URL, LOAD_REDIS_URL).
LOAD_USERS ?= 200
LOAD_TIME ?= 2m
loadtest: install ## Load test: gunicorn, PostgreSQL and Redis under LOAD_USERS simulated people (Locust)
	$(PY) -m bench.load --users $(LOAD_USERS) --run-time $(LOAD_TIME) $(LOAD_ARGS)

clean: ## Remove the virtualenv, the SQLite database and caches
	rm -rf $(VENV) db.sqlite3 staticfiles .test-media
