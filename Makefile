# Two commands on a fresh machine: `make run` (the app) and `make test` (the whole test suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test lint format assets chromium postgres nginx bench bench-sqlite bench-pg clean fuzz screenshots

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

## Every table of docs/PERFORMANCE.md (issue 14), rewritten in place; see bench/README.md for what and how long.
## Run it on a quiet machine: every figure is printed with the load average it was measured under.
BENCH_OUT ?= docs/PERFORMANCE.md
BENCH_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
bench: bench-sqlite bench-pg

bench-sqlite: $(VENV)/.dev assets chromium nginx
	$(PY) -m bench.pages --aspirasi 1000 10000 100000 --out $(BENCH_OUT)
	$(PY) -m bench.peta --aspirasi 1000 10000 100000 --out $(BENCH_OUT)
	$(PY) -m bench.browser --aspirasi 100000 --out $(BENCH_OUT)
	$(PY) -m bench.load --processes 1 --mode throughput --sessions 10 --aspirasi 100000 --duration 60 \
		--out $(BENCH_OUT) --marker load-throughput
	$(PY) -m bench.load --processes 1 2 4 --mode mix --sessions 50 --aspirasi 100000 --duration 90 \
		--out $(BENCH_OUT) --marker load

bench-pg: $(VENV)/.dev assets postgres
	$(PY) -m bench.pages --aspirasi 10000 100000 1000000 --database-url $(BENCH_PG) --out $(BENCH_OUT)

## Bounded coverage-guided fuzzing (atheris) of the upload reader, date parser and name resolver; not in `make test`.
## FUZZ_SECONDS per target (default 600), one target at a time at nice 19; see docs/SECURITY.md.
FUZZ_SECONDS ?= 600
fuzz: $(VENV)/.dev
	$(PY) -m pip install --quiet -r requirements-fuzz.txt
	PY=$(PY) bash fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) .build build static/vendor .pytest_cache .ruff_cache
