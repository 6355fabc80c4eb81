# Lookdown: two commands (`make run`, `make test`); the rest are helpers.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DB     ?= data/lookdown.duckdb
PORT   ?= 8501
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup setup-dev run demo test chromium pdf-tools poppler bench lint clean

## setup: create .venv with the runtime dependencies (re-run when requirements.txt changes)
setup: $(VENV)/.runtime

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

setup-dev: $(VENV)/.dev

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## run: build the demo database on first run, then start the app on http://127.0.0.1:$(PORT) (make run PORT=8600)
run: setup pdf-tools
	test -f $(DB) || $(PY) -m lookdown --db $(DB) demo
	$(PY) -m lookdown --db $(DB) serve --port $(PORT)

## demo: rebuild the demo database from scratch
demo: setup
	$(PY) -m lookdown --db $(DB) demo --force

## chromium: the browser tests drive Debian's chromium, which they need (pdf-tools installs it as root)
chromium: pdf-tools
	@test -x /usr/bin/chromium || { echo "The browser tests need Debian's chromium: run 'sudo apt-get install chromium' (or make test as root)." >&2; exit 1; }

## pdf-tools: the app draws chart images and prints PDFs with Debian's chromium; install it when
## missing and possible (as root), else say how and start the app anyway (the rest works without)
pdf-tools:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chart images and PDFs need Debian's chromium: 'sudo apt-get install chromium' (the rest of the app works without)." >&2; \
	fi

## poppler: the export tests count the PDF's pages and render one for the README (pdfinfo, pdftoppm)
poppler:
	@if command -v pdftoppm >/dev/null && command -v pdfinfo >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	else \
		echo "The export tests need Debian's poppler-utils: run 'sudo apt-get install poppler-utils' (or make test as root)." >&2; exit 1; \
	fi

## test: every tier (core, measures, pages, browser)
test: setup-dev chromium poppler
	$(PY) -m pytest

## bench: time every measure and a full overview render on the demo database
bench: setup
	$(PY) scripts/bench.py

## lint: ruff, and the import contracts in pyproject.toml ([tool.importlinter])
lint: setup-dev
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache
