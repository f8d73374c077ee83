# One-command set-up: every target creates .venv and installs the project if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# durable-rules 2.0.28 calls PyEval_CallObject, removed in Python 3.13: map it to its successor.
export CPPFLAGS := -DPyEval_CallObject=PyObject_CallObject $(CPPFLAGS)
STAMP  := $(VENV)/.installed
SOURCES := setup.cfg pyproject.toml $(shell find lawbasis rules -type f -not -name '*.pyc' 2>/dev/null)
EXTRAS := dev,notebook,bulk,docs

# The other Pythons `make test` runs the suite on, each in its own .venv-X.Y (the main one is
# $(PYTHON), 3.11 in CI). A missing one is skipped with a message.
OTHER_PYTHONS ?= 3.12 3.13
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"$$/\1/p' lawbasis/__init__.py)
WHEEL   := dist/lawbasis-$(VERSION)-py3-none-any.whl

# pythonX.Y on PATH if it runs; else the newest X.Y pyenv has (its shims refuse a version that is
# not selected); else nothing.
find_python = { python$(1) -c '' >/dev/null 2>&1 && command -v python$(1); } || \
	{ command -v pyenv >/dev/null 2>&1 && v=$$(pyenv versions --bare 2>/dev/null | grep -E '^$(subst .,\.,$(1))\.[0-9]+$$' | sort -V | tail -n 1) \
	  && [ -n "$$v" ] && [ -x "$$(pyenv root)/versions/$$v/bin/python$(1)" ] && echo "$$(pyenv root)/versions/$$v/bin/python$(1)"; } || true

.PHONY: run test test-main test-thorough lint typecheck pytest docs docs-strict bench notebooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# every Python installs the same wheel, built once (so no two installs share build/)
$(STAMP): $(WHEEL)
	$(BIN)/python -m pip install --quiet --no-cache-dir "$(WHEEL)[$(EXTRAS)]"
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall $(WHEEL)
	touch $(STAMP)

$(WHEEL): $(BIN)/python $(SOURCES)
	rm -f dist/lawbasis-*.whl
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .
	rm -rf build

run: $(STAMP)
	$(BIN)/python examples/run_examples.py

lint: $(STAMP)
	$(BIN)/ruff check lawbasis tests examples
	$(BIN)/ruff format --check lawbasis tests examples

typecheck: $(STAMP)
	$(BIN)/mypy lawbasis

pytest: $(STAMP)
	$(BIN)/pytest -q tests --pyargs lawbasis

docs: $(STAMP)
	$(BIN)/sphinx-build -q -b html docs docs/_build/html

docs-strict: $(STAMP)
	$(BIN)/sphinx-build -q -W --keep-going -b html docs docs/_build/html

# make test: two lines of work at once on CI's two cores.
# - main Python ($(PYTHON)): ruff check, ruff format --check, mypy, the whole suite with the `ci`
#   hypothesis profile (tests/conftest.py), Sphinx -W; its output streams.
# - every other Python found (OTHER_PYTHONS): the whole suite (doctests, scenario files, notebooks,
#   CLI and Dask included) with the `ci-other` profile, a fifth of the examples: what differs between
#   interpreters shows on every test, the properties' depth is the main run's job. Their output goes
#   to .venv-X.Y/pytest.log and a summary line is printed when each ends (the log's tail on failure).
# From a fresh clone each .venv-X.Y is created and installed inside its own job, while .venv installs.
test: $(WHEEL)
	@$(MAKE) --no-print-directory -j $(words test-main $(OTHER_PYTHONS)) test-main $(addprefix pytest-py,$(OTHER_PYTHONS))

test-main: $(STAMP)
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory typecheck
	@$(MAKE) --no-print-directory pytest
	@$(MAKE) --no-print-directory docs-strict

# a nightly-style run on the main Python: ten times the examples, a fresh seed
test-thorough: $(STAMP)
	HYPOTHESIS_PROFILE=thorough $(BIN)/pytest -q tests --pyargs lawbasis

# the suite on Python X.Y (make pytest-py3.12), in .venv-X.Y
pytest-py%:
	@py=$$($(call find_python,$*)); \
	if [ -z "$$py" ]; then echo "python$* not found: skipping the $* run"; exit 0; fi; \
	$(MAKE) --no-print-directory .venv-$*/.installed PY_$*="$$py" || exit 1; \
	echo "python$*: the suite with HYPOTHESIS_PROFILE=ci-other (log: .venv-$*/pytest.log)"; \
	if HYPOTHESIS_PROFILE=ci-other .venv-$*/bin/pytest -q tests --pyargs lawbasis > .venv-$*/pytest.log 2>&1; then \
		echo "python$*: $$(tail -n 1 .venv-$*/pytest.log)"; \
	else \
		tail -n 60 .venv-$*/pytest.log; echo "python$*: FAILED (whole log: .venv-$*/pytest.log)"; exit 1; \
	fi

.venv-%/.installed: $(WHEEL)
	@test -n "$(PY_$*)" || { echo "make pytest-py$* creates .venv-$*"; exit 1; }
	test -x .venv-$*/bin/python || $(PY_$*) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --upgrade pip
	.venv-$*/bin/python -m pip install --quiet "$(WHEEL)[$(EXTRAS)]"
	.venv-$*/bin/python -m pip install --quiet --no-deps --force-reinstall $(WHEEL)
	touch $@

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/run.py

clean:
	rm -rf $(VENV) .venv-3.* build dist *.egg-info docs/_build .pytest_cache .mypy_cache .ruff_cache
