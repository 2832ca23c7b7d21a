# Two commands for a newcomer: `make run` (demo on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format assets translations messages clean system-packages-run system-packages-test

# The Debian packages come first (make builds prerequisites left to right): the venv and the assets need them.
# As root they are installed when missing; as another user the script prints the apt-get line and stops.
system-packages-run system-packages-test: system-packages-%:
	scripts/install-system-packages $*

run: system-packages-run $(VENV)/.stamp-runtime assets translations
	$(FLASK) db upgrade
	$(FLASK) storage init
	$(FLASK) seed-demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: system-packages-test $(VENV)/.stamp-dev assets translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.stamp-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(VENV)/.stamp-runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: requirements-dev.txt $(VENV)/.stamp-runtime
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Front-end libraries come from npm and are served by the app itself.
assets: node_modules/.stamp
	npm run --silent build

translations: $(VENV)/.stamp-runtime
	$(BIN)/pybabel -q compile -d app/translations

# Re-extract messages after changing user-facing strings, then translate the new ones in both catalogs.
messages: $(VENV)/.stamp-runtime
	$(BIN)/pybabel -q extract --ignore-dirs='.* node_modules' -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel -q update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) node_modules app/static/vendor
