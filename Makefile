# Two commands on a fresh clone: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: install demo test test-fast bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[spark,test]'
	@touch $(STAMP)

install: $(STAMP)

## make demo: builds the embedded default workspace (real data + documented simulation) and serves the dashboard
demo: $(STAMP)
	$(BIN)/benchlearn demo --port $(PORT)

## make test: every test (browser tests need /usr/bin/chromium; Spark tests need Java)
PYTEST_ARGS ?=
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not spark and not browser and not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/persons.py --persons 200000
	$(BIN)/python benchmarks/load.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache demo-workspace
