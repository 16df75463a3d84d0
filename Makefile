# PartnerHub: two commands on a fresh machine — `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.txt requirements/base.txt | cksum | cut -d' ' -f1)
DEV_ENV := DJANGO_DEBUG=true
PORT ?= 8000
# Two xdist workers on two cores; the Celery worker tests stay together (tests/conftest.py). The
# browser journeys run after, in one process of their own: inside an xdist worker that had run other
# tests first, a Playwright test once hung for good. PYTEST_ARGS="-p no:xdist" runs serially.
PYTEST_ARGS ?= -n auto --dist loadgroup

.PHONY: install run test lint typecheck lock migrate seed bench e2e clean rehearsal deploy-check

$(STAMP): requirements/base.txt requirements/dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	scripts/install-requirements $(BIN)/python dev
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)  ## venv, pinned dependencies, and the OpenID provider the sign-in tests run (when Node.js 20+ is there)
	tests/oidc/install.sh
	sh tests/axe/install.sh

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(DEV_ENV) $(BIN)/python manage.py seed_demo

# Links in mail and on the calendar page point here; `make run PORT=8080` moves both.
SITE_URL ?= http://127.0.0.1:$(PORT)

run: seed  ## set-up + demo data + one reminder sweep + server on http://127.0.0.1:$(PORT) (PORT=8000)
	@echo "One reminder sweep, so the notifications are there (mail goes nowhere in the demo):"
	-$(DEV_ENV) PARTNERHUB_SITE_URL=$(SITE_URL) EMAIL_URL=dummymail:// $(BIN)/python manage.py run_reminders
	@echo "PartnerHub on $(SITE_URL)/ — demo logins above (password: demo)"
	$(DEV_ENV) PARTNERHUB_SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install  ## set-up + the whole suite (the browser journeys in their own run, one Chromium at a time)
	$(BIN)/python -m pytest $(PYTEST_ARGS) --ignore=tests/e2e
	$(BIN)/python -m pytest -p no:randomly tests/e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -ll -c pyproject.toml -r partnerhub partners $(wildcard activities certifications funds reporting)

typecheck: install  ## mypy with django-stubs over partnerhub/ and every app's services, selectors, reminders (pyproject.toml)
	DJANGO_DEBUG=true $(BIN)/mypy

lock:  ## re-pin requirements/*.txt from requirements/*.in
	cd requirements && ../$(BIN)/pip-compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links base.in -o base.txt && ../$(BIN)/pip-compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links dev.in -o dev.txt
	cd requirements && ../$(BIN)/pip-compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links deploy-tools.in -o deploy-tools.txt

deploy-check: install  ## deploy/ rendered, validated offline against the Kubernetes schemas, checkov, invariants; see README
	scripts/deploy-check

rehearsal: install  ## production rehearsal: runtime-only venv, PostgreSQL, Redis, 2 gunicorns behind nginx (TLS), SMTP; see README
	.ci/rehearsal

bench: install  ## large data set in PostgreSQL + locust; see README
	$(BIN)/python -m tests.bench.run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .test-media
