# Two commands do all the set-up on a fresh machine with only Python 3.10+:
#   make run    create .venv if needed, install pickrt, start it on this machine
#   make test   create .venv if needed, install with the test extra, run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
ARGS   ?=

.PHONY: run test e2e bench schemas check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/pickrt $(ARGS)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

# Live end-to-end tests: llama.cpp's real llama-server, built once from the llama-cpp-python sdist
# and cached outside the repo (first build 10-20 min on 2 cores), serving a tiny GGUF made here.
E2E_CACHE ?= $(or $(PICKRT_E2E_CACHE),$(HOME)/.cache/pickrt-e2e)

e2e: $(VENV)/.installed-test
	PICKRT_E2E_CACHE=$(E2E_CACHE) PYTHON=$(BIN)/python bash tests/e2e/build_llama_server.sh >/dev/null
	$(BIN)/python tests/e2e/tiny_gguf.py $(E2E_CACHE)/tiny-llama.gguf
	PICKRT_E2E_CACHE=$(E2E_CACHE) PICKRT_E2E_MODEL=$(E2E_CACHE)/tiny-llama.gguf \
	  $(BIN)/python -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python bench/bench_cli.py

schemas: $(VENV)/.installed-run
	$(BIN)/python -m pickrt.schemas

check: $(VENV)/.installed-run
	$(BIN)/pickrt knowledge check

clean:
	rm -rf $(VENV) build dist .pytest_cache
