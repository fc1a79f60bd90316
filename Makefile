# The two commands of the README: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STORE ?= var/store

.PHONY: serve test install install-test build lint frontend

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python frontend
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python frontend
	$(BIN)/pip install --quiet -e '.[dev]'

# The query editor: npm packages pinned by frontend/package-lock.json, bundled by esbuild into
# server/static/build/ (git-ignored). Needs node and npm; nothing is fetched at run time.
FRONTEND_BUNDLE := server/static/build/editor.js

frontend: $(FRONTEND_BUNDLE)

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

$(FRONTEND_BUNDLE): frontend/node_modules/.package-lock.json frontend/build.mjs $(wildcard frontend/src/*.js)
	cd frontend && npm run build

build: install
	$(BIN)/mhkg build --store $(STORE)

serve: build
	$(BIN)/mhkg serve --store $(STORE) --host 127.0.0.1 --port 8000

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest
