# Postsale: `make run` starts the app with demo data, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every package, pinned with hashes: what CI tested is what a fresh clone installs.
LOCK := requirements.lock
UV_VERSION := 0.13.9
# Test processes (pytest-xdist): `make test JOBS=0` runs in this process (for -s, --pdb).
JOBS ?= auto
export DEBUG ?= true

.PHONY: run test test-quick install lint lock lock-upgrade messages screenshots clean

$(STAMP): $(LOCK) pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	exec $(BIN)/python -m postsale.run

# Everything, as CI runs it (integration tests skip without PostgreSQL and Redis).
test: $(STAMP)
	$(BIN)/python manage.py compilemessages_py
	$(BIN)/pytest -n $(JOBS) $(PYTEST_ARGS)

# The everyday run: leaves out the tests marked slow (make run, long browser journeys) and
# the ones that need real services.
test-quick: $(STAMP)
	$(BIN)/python manage.py compilemessages_py
	$(BIN)/pytest -n $(JOBS) -m "not slow and not integration" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff format --check .

# Rewrite the locks from pyproject.toml: requirements.lock (runtime + test extras: make, CI) and
# requirements-prod.lock (runtime only, the same versions: the Docker image). Versions already
# locked are kept; only what pyproject.toml adds or no longer allows is resolved anew.
COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" --quiet
UV := $(VENV)/.uv-$(UV_VERSION)
$(UV):
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	touch $(UV)

lock: $(UV)
	$(COMPILE) $(UPGRADE) --extra test -o $(LOCK)
	$(COMPILE) $(UPGRADE) -c $(LOCK) -o requirements-prod.lock

# The same, moving every package to its newest allowed version.
lock-upgrade:
	$(MAKE) lock UPGRADE=--upgrade

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l es --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages_py

# PNGs of the customers' pages, the survey mail and staff pages in var/screenshots/.
screenshots: $(STAMP)
	$(BIN)/python bench/screenshots.py

clean:
	rm -rf var/

# `make bench`: a seeded shop of BENCH_SIZE customers on PostgreSQL, measured (bench/run.py).
BENCH_SIZE ?= 1000000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postsale_bench
.PHONY: bench bench-quick
bench: $(STAMP)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/run.py --size $(BENCH_SIZE)

bench-quick: $(STAMP)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/run.py --size 20000 --seconds 5
