# Liuyanban: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP := $(VENV)/.installed

.PHONY: run serve test install browser redis lint types check migrations-check clean bench bench-serve

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# The web server, the task worker (emails, webhooks, model work) and the scheduler
# (deadlines, webhook retries, hot issues, retraining); Ctrl-C stops all three.
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@mkdir -p var
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py run_worker >var/worker.log 2>&1 & \
	  $(PY) manage.py run_scheduler >var/scheduler.log 2>&1 & \
	  $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The production stack on this machine (docs/deploy.md): migrate, collectstatic, then
# granian (workers respawn), task workers and the scheduler under supervisord, which
# restarts whatever dies. DATABASE_URL for PostgreSQL (SQLite in WAL mode without it),
# REDIS_URL for the Redis cache and queue. Ctrl-C stops everything.
serve: $(STAMP)
	LYB_PY=$(abspath $(PY)) PORT=$(PORT) deploy/serve.sh

# Debian's chromium and the CJK font for the browser tests; never a downloaded browser.
browser:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk; \
	fi

# Debian's redis-server for the Redis rate-limit tests (they start a private one on a
# socket when no Redis answers on 127.0.0.1:6379).
redis:
	@command -v redis-server >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-server; }

test: $(STAMP) browser redis
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

types: $(STAMP)
	$(VENV)/bin/mypy liuyanban

migrations-check: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run

check: lint types migrations-check test

clean:
	rm -rf $(VENV) var

# Re-extract the gettext strings into the English catalogue and compile it
# (needs GNU gettext; commit both django.po and django.mo).
.PHONY: messages
messages: $(STAMP)
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=bench --ignore=tests && $(PY) manage.py compilemessages -l en --ignore=.venv

# 100 concurrent requests through the production stack and kill -9 of each of its
# processes (bench/serve_bench.py); wrk comes from Debian.
bench-serve: $(STAMP)
	@command -v wrk >/dev/null || ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk)
	$(PY) bench/serve_bench.py $(BENCH_ARGS)
