# The two commands of the README: `make demo` (install, load the sample organisation, serve it) and
# `make test` (install, add the test browser, run the tests). Everything else is a step of those.
VENV ?= .venv
PYTHON ?= python3.11
DATA ?= knowhow-data
HOST ?= 127.0.0.1
PORT ?= 8000
BIN = $(VENV)/bin
export HF_HUB_OFFLINE = 1

.PHONY: install demo serve test browser benchmarks clean

$(BIN)/knowhow: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, pinned: pip takes the CPU build; otherwise sentence-transformers pulls a multi-GB CUDA one.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/knowhow

demo: install
	$(BIN)/knowhow --data $(DATA) demo
	$(BIN)/knowhow --data $(DATA) serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/knowhow --data $(DATA) serve --host $(HOST) --port $(PORT)

browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q chromium chromium-driver; }

test: install browser
	$(BIN)/python -m pytest -q

benchmarks: install
	$(BIN)/python -m benchmarks.quality
	$(BIN)/python -m benchmarks.speed

clean:
	rm -rf $(VENV) $(DATA) benchmarks/results test-artifacts
