# One-command set-up: every target creates .venv and installs the project if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# durable-rules 2.0.28 calls PyEval_CallObject, removed in Python 3.13: map it to its successor.
export CPPFLAGS := -DPyEval_CallObject=PyObject_CallObject $(CPPFLAGS)
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck pytest docs bench notebooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml $(shell find lawbasis rules -type f -not -name '*.pyc' 2>/dev/null)
	$(BIN)/python -m pip install --quiet --no-cache-dir ".[dev,notebook,bulk,docs]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python examples/run_examples.py

lint: $(STAMP)
	$(BIN)/ruff check lawbasis tests examples

typecheck: $(STAMP)
	$(BIN)/mypy lawbasis

pytest: $(STAMP)
	$(BIN)/pytest -q tests --pyargs lawbasis

docs: $(STAMP)
	$(BIN)/sphinx-build -q -b html docs docs/_build/html

test: lint typecheck pytest
	$(BIN)/sphinx-build -q -W --keep-going -b html docs docs/_build/html

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info docs/_build .pytest_cache .mypy_cache .ruff_cache
