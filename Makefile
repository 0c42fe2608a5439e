# Postsale: `make run` starts the app with demo data, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DEBUG ?= true

.PHONY: run test install lint messages clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	exec $(BIN)/python -m postsale.run

test: $(STAMP)
	$(BIN)/python manage.py compilemessages_py
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l es --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages_py

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
