# Postsale: `make run` starts the app with demo data, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DEBUG ?= true

.PHONY: run test install lint messages screenshots clean

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

# PNGs of the customers' pages, the survey mail and staff pages in var/screenshots/.
screenshots: $(STAMP)
	$(BIN)/python bench/screenshots.py

clean:
	rm -rf var/
