# wardapp: the two commands are `make run` and `make test`; everything else is what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 4
THREADS ?= 4
DEMO_PASSWORD ?= demo-wardapp
CITY_PORT ?= 5001
# Where the commune pushes signed reports; by default the demo city intake of `make city`.
CITY_URL ?= http://127.0.0.1:$(CITY_PORT)
# Where the city keeps its files (the app's own default, or WARDAPP_CITY_INSTANCE_PATH).
CITY_INSTANCE = $(or $(WARDAPP_CITY_INSTANCE_PATH),instance/city)
# Browser tests must run; `make test BROWSER=optional` lets them skip on a machine without Chromium.
BROWSER ?= required
# The PostgreSQL and object-store (S3) tests must run; `make test ENGINES=optional` lets them skip on
# a machine without PostgreSQL.
ENGINES ?= required

.PHONY: run city test lint setup translations system system-runtime bench clean

setup: $(VENV)/.installed static/vendor/htmx.min.js translations

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# htmx comes from npm at set-up and is served from our own static folder (intranet).
static/vendor/htmx.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d wardapp/translations

# Debian packages the tests need (.ci/system-packages.txt: Chromium, PostgreSQL), installed when
# missing and we are root.
system:
	@.ci/ensure-system $(if $(filter optional,$(BROWSER) $(ENGINES)),optional,required)

# `make run` needs the fonts, the colour profile and ICU too (documents, Vietnamese sorting).
system-runtime:
	@.ci/ensure-system optional

# Set up, migrate, load the demo commune (once), then serve with gunicorn and run the outbox
# sender beside it (stopped together). gunicorn.conf.py: threaded workers (gthread), so a long
# download or upload never holds up the pages staff type in.
run: system-runtime setup
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo --if-empty --password "$(DEMO_PASSWORD)"
	@echo "wardapp on http://$(HOST):$(PORT)/  (demo users staff, leader, reviewer, admin; password $(DEMO_PASSWORD))"
	@echo "signed reports go to $(CITY_URL) (WARDAPP_CITY_URL)"
	@export WARDAPP_CITY_URL="$(CITY_URL)"; \
	  $(BIN)/flask --app wsgi outbox worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) --workers $(WORKERS) --threads $(THREADS) --access-logfile - wsgi:app

# The city intake on its own port and database (instance/city), with a demo reviewer `city` and the
# demo commune enrolled from its enrolment file (its key and the CA its PDFs chain to), as a city
# enrols any commune. Start it before or after `make run`: the commune's outbox sends as soon as
# the city answers.
city: system-runtime setup
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo --if-empty --password "$(DEMO_PASSWORD)"
	$(BIN)/flask --app wardapp.city.app db upgrade
	$(BIN)/flask --app wardapp.city.app city create-user --username city --full-name "Cán bộ Sở Khoa học và Công nghệ" --role admin --password "$(DEMO_PASSWORD)" --if-missing
	mkdir -p "$(CITY_INSTANCE)"
	$(BIN)/flask --app wsgi keys export > "$(CITY_INSTANCE)/demo-commune.json"
	$(BIN)/flask --app wardapp.city.app city enrol "$(CITY_INSTANCE)/demo-commune.json"
	@echo "city intake on http://$(HOST):$(CITY_PORT)/  (reviewer city, password $(DEMO_PASSWORD))"
	WARDAPP_CITY_CITY_PUBLIC_URL="$(CITY_URL)" $(BIN)/gunicorn --bind $(HOST):$(CITY_PORT) --workers $(WORKERS) --access-logfile - "wardapp.city.app:create_app()"

test: system setup lint
	WARDAPP_BROWSER=$(BROWSER) WARDAPP_ENGINES=$(ENGINES) $(BIN)/python -m pytest

# The house rules, checked: ruff (lint and format), import-linter (the import graph), mypy (types).
lint: setup
	$(BIN)/ruff check wardapp tests bench wsgi.py gunicorn.conf.py migrations
	$(BIN)/ruff format --check wardapp tests bench wsgi.py gunicorn.conf.py migrations
	PYTHONPATH=. $(BIN)/lint-imports
	$(BIN)/mypy

# The benchmarks (bench/README.md, docs/PERFORMANCE.md): pages, city intake, PDFs, uploads, a day's load, the outbox,
# the city desk, the dossier log, the consolidated report, the city's review.
bench: setup
	$(BIN)/python bench/run.py
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/pdf.py
	$(BIN)/python bench/upload.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/outbox.py
	$(BIN)/python bench/city_desk.py
	$(BIN)/python bench/city_desk.py --engine postgresql
	$(BIN)/python bench/dossiers.py
	$(BIN)/python bench/consolidated.py
	$(BIN)/python bench/review.py

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache
