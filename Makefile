# Two commands on a fresh machine: `make run` (the app) and `make test` (the whole test suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test lint format assets chromium postgres nginx bench clean fuzz screenshots

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

assets: $(VENV)/.runtime
	bash scripts/install_assets.sh

## Create the venv, install, migrate, load reference (+ demo data on an empty database), start Streamlit.
run: $(VENV)/.runtime assets
	$(PY) -m db ensure-ready
	$(VENV)/bin/streamlit run serve.py --server.port $(PORT)

chromium:
	bash scripts/install_chromium.sh

postgres:
	bash scripts/ensure_postgres.sh

nginx:
	bash scripts/install_nginx.sh

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Everything CI runs: lint, unit, app (AppTest) and browser (Playwright + Chromium) tests on SQLite and PostgreSQL.
test: $(VENV)/.dev assets chromium postgres nginx lint
	$(PY) -m pytest -q -n 2 --dist loadgroup --durations=25

## Every page x role at 1280x720 and 1920x1080 into build/screenshots/<role>-<page>-<w>x<h>.png (own server, demo data).
screenshots: $(VENV)/.dev assets chromium
	$(PY) scripts/screenshots.py

bench: $(VENV)/.dev assets
	$(PY) -m bench.peta --aspirasi 1000 10000 100000

## Bounded coverage-guided fuzzing (atheris) of the upload reader, date parser and name resolver; not in `make test`.
## FUZZ_SECONDS per target (default 600), one target at a time at nice 19; see docs/SECURITY.md.
FUZZ_SECONDS ?= 600
fuzz: $(VENV)/.dev
	$(PY) -m pip install --quiet -r requirements-fuzz.txt
	PY=$(PY) bash fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) .build build static/vendor .pytest_cache .ruff_cache
