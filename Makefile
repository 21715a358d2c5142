# The front door. `make run` and `make test` do all the set-up on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench worker beat serve migrate seed lock clean

# The development profile (debug, the development key) for the development targets. The
# settings default to the production profile so that a deployment which forgets
# DJANGO_DEBUG never runs in debug; `serve` runs the production profile.
migrate seed run test lint bench worker beat: export DJANGO_DEBUG ?= true

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed

run: seed
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

# Style, architecture (import-linter contracts in pyproject.toml) and types (mypy: strict on
# the scoring engine and its contract, every app's services and tasks, the report builder).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy apps config

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The load bench drives the server with wrk (Debian package); installed here when missing, as
# are HarfBuzz's subsetter for the PDF's fonts (WeasyPrint) and, on first use, the pinned
# Lighthouse (npm, tests/bench/lighthouse/package-lock.json; Debian's nodejs, npm, chromium).
bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	ldconfig -p | grep -q libharfbuzz-subset || (apt-get update -qq && apt-get install -y -qq libharfbuzz-subset0)
	command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)
	$(PY) -m tests.bench $(BENCH)

# Development: one worker takes both queues (scoring and the rest on `celery`, PDF renders on
# `reports`); the Procfile runs a worker per queue, the reports one at a lower CPU priority.
worker: install
	$(VENV)/bin/celery -A config worker -Q celery,reports --loglevel=INFO --concurrency=2

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

# The production profile on this machine: gunicorn + Celery worker + beat against PostgreSQL
# and Redis (override DATABASE_URL, CELERY_BROKER_URL, DJANGO_SECRET_KEY for a real deployment).
serve: export DJANGO_DEBUG ?= false
serve: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/advisor
serve: export CELERY_BROKER_URL ?= redis://127.0.0.1:6379/0
serve: export CACHE_URL ?= redis://127.0.0.1:6379/1
serve: export DJANGO_SECRET_KEY ?= local-serve-$(shell hostname)-not-for-the-internet-0123456789abcdef
serve: export DJANGO_SECURE_SSL_REDIRECT ?= false
serve: export DJANGO_SECURE_COOKIES ?= false
serve: install
	mkdir -p var
	$(PY) manage.py createdb
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed --no-demo-users
	$(VENV)/bin/honcho start

# Lock files that install anywhere: no index or wheel paths of this machine, and a hash for
# every file (pip then refuses any download that differs from the one locked here).
LOCK := $(VENV)/bin/pip-compile --quiet --strip-extras --generate-hashes --no-emit-index-url --no-emit-find-links
lock: install
	$(LOCK) requirements.in -o requirements.txt
	$(LOCK) requirements-dev.in -o requirements-dev.txt

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 media var
