# `make run` installs into .venv and starts the bot; `make test` installs and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: running needs only the runtime dependencies; tests and lint add the dev extras.
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: run test test-pg lint check deps install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $(RUNTIME)

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV) $(RUNTIME)

# System packages beside Python: the CJK font always, Chromium for the browser test.
deps:
	deploy/system-deps --with-browser

run: $(RUNTIME)
	@deploy/system-deps || true
	$(BIN)/python -m bot

# Four workers: most of the suite waits on sockets and child processes, not the CPU.
# The whole suite on SQLite, then the tests marked `engines` again on PostgreSQL.
test: $(DEV) deps
	$(BIN)/pytest -n 4 --dist loadgroup
	.ci/test-pg -n 4 --dist loadgroup

# The storage, service and end-to-end tests again, on PostgreSQL: the server on
# 127.0.0.1:5432 if one runs, else one started for the run (.ci/test-pg).
test-pg: $(DEV) deps
	.ci/test-pg -n 4 --dist loadgroup

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

check: $(RUNTIME)
	$(BIN)/python -m bot check

# A production install (no dev tools) into .venv; see docs/deployment.md.
install: $(RUNTIME)
	deploy/system-deps

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
