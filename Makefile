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

# `make load`: LOAD_CLIENTS clients (100) on the public survey pages for LOAD_SECONDS (60) on
# gunicorn over loopback, against a shop seeded in LOAD_DATABASE_URL (emptied first); fails on
# any error but the designed 429s (bench/public_load.py). Set CACHE_URL for Redis rate limits.
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postsale_load
LOAD_SECONDS ?= 60
LOAD_CLIENTS ?= 100
.PHONY: load faults
load: $(STAMP)
	DATABASE_URL=$(LOAD_DATABASE_URL) $(BIN)/python bench/public_load.py --seconds $(LOAD_SECONDS) \
		--clients $(LOAD_CLIENTS)

# `make faults`: the fault tests at full length (Redis stopped for REDIS_OUTAGE_SECONDS, 60;
# PostgreSQL restarted; a worker SIGKILLed mid-batch; the ESP failing). Private redis-server and
# PostgreSQL instances are started and stopped by the tests; the shared ones are only read.
FAULTS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postsale
FAULTS_REDIS_URL ?= redis://127.0.0.1:6379/0
REDIS_OUTAGE_SECONDS ?= 60
faults: $(STAMP)
	DATABASE_URL=$(FAULTS_DATABASE_URL) REDIS_URL=$(FAULTS_REDIS_URL) \
		REDIS_OUTAGE_SECONDS=$(REDIS_OUTAGE_SECONDS) $(BIN)/pytest -p no:cacheprovider -v -s \
		tests/postsale/test_fault_redis_down.py tests/postsale/test_fault_postgres_restart.py \
		tests/followups/test_engine_integration.py tests/followups/test_esp_failing.py
