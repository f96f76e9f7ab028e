# The two commands of the README: `make demo` (install what serving needs, load the sample organisation,
# serve it) and `make test` (install the test tools too, add the test browser and PostgreSQL, run the tests).
# Everything else is a step of those.
VENV ?= .venv
PYTHON ?= python3.11
DATA ?= knowhow-data
HOST ?= 127.0.0.1
PORT ?= 8000
BIN = $(VENV)/bin
export HF_HUB_OFFLINE = 1

.PHONY: install install-test demo serve test browser postgres benchmarks clean

# Serving only: the test tools (pytest, Playwright, schemathesis, ...) are not needed to run Knowhow.
$(BIN)/knowhow: pyproject.toml
	@echo "== make: creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	@echo "== make: installing torch 2.13.0, the CPU build (the largest download; a minute or more)"
	# torch first, pinned: pip takes the CPU build; otherwise sentence-transformers pulls a multi-GB CUDA one.
	$(BIN)/pip install -q torch==2.13.0
	@echo "== make: installing Knowhow and what serving needs (sentence-transformers, the model, FAISS, FastAPI)"
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-tools: $(BIN)/knowhow
	@echo "== make: installing the test tools (pytest, pytest-xdist, Playwright, schemathesis, hypothesis, httpx, aiosmtpd)"
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/knowhow

install-test: $(VENV)/.test-tools

# Loaded once: a second `make demo` starts serving at once (`make clean` starts over).
$(DATA)/knowhow.db: | $(BIN)/knowhow
	@echo "== make: loading the demo organisation into $(DATA) (embedding every item: under a minute on 2 cores)"
	$(BIN)/knowhow --data $(DATA) demo

demo: install $(DATA)/knowhow.db
	@echo "== make: starting the server (Ctrl-C stops it; another port: make demo PORT=8001)"
	$(BIN)/knowhow --data $(DATA) serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/knowhow --data $(DATA) serve --host $(HOST) --port $(PORT)

# Debian's headless build of Chromium (same engine as the chromium package, far less CPU per page).
browser:
	@command -v chromium-headless-shell >/dev/null 2>&1 || { echo "== make: installing Chromium (headless) for the browser tests"; \
		apt-get update -q && apt-get install -y -q chromium-headless-shell; }

# PostgreSQL's server programs, for the tests of the PostgreSQL store: each test process starts a throwaway
# cluster of its own (tests/postgres_server.py); nothing is left running.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
		echo "== make: installing PostgreSQL for the tests of the PostgreSQL store"; \
		apt-get update -q && apt-get install -y -q postgresql; }

# Two test processes, each file on one of them (a file's fixtures are built once); vectors computed once
# are kept in .pytest_cache for the next run, and compiled modules (pytest's rewritten tests too) in
# __pycache__ even where the environment sets PYTHONDONTWRITEBYTECODE (collecting took 15 s a process, 7 s cached).
test: install-test browser postgres
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder

benchmarks: install
	$(BIN)/python -m benchmarks.quality
	$(BIN)/python -m benchmarks.speed

clean:
	rm -rf $(VENV) $(DATA) benchmarks/results test-artifacts
