# smpstudio: `make run` serves the studio over a demo clinic store in ./var, `make test` runs the whole test
# suite, `make demo` renders the design demo into ./out. All set up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run demo test lint bench load clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Every install is constrained by requirements.lock, which pins every package (pip-compile, see its header):
# a fresh clone gets the exact versions the suite last passed with. Refresh it with `make lock`.
PIP_INSTALL := $(BIN)/python -m pip install --quiet -c requirements.lock

$(VENV)/.installed-run: pyproject.toml requirements.lock | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements.lock | $(BIN)/python
	$(PIP_INSTALL) -e '.[dev]'
	touch $@ $(VENV)/.installed-run

$(VENV)/.installed-bench: pyproject.toml requirements.lock | $(BIN)/python
	$(PIP_INSTALL) -e '.[dev,bench]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-run

# The studio on http://127.0.0.1:8000/ over ./var (a demo clinic is created there when no store exists),
# with one background worker beside it (jobs and reminders; its queue is ./var/queue.sqlite3). `smp warm-up`
# first compiles the kernels (or loads them from the cache, see docs/configuration.md), so that neither the
# studio's first preview nor the worker's first job waits for them.
run: $(VENV)/.installed-run
	$(BIN)/smp warm-up
	$(BIN)/smp --data-dir var studio --demo --worker

demo: $(VENV)/.installed-run
	$(BIN)/smp demo --out-dir out

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest -n auto --dist loadscope

bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks

# The studio under load (about 10-15 minutes; run it on a quiet machine): a busy clinic's store, `smp studio`
# with 2 and 4 workers over SQLite and PostgreSQL (SMP_TEST_POSTGRES), 50 locust users; writes the table
# into docs/benchmarks.md.
load: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.load --docs

# Re-resolve the lock from pyproject.toml, keeping the pins that still fit (pip-tools in a throwaway venv).
lock:
	$(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/python -m pip install --quiet pip-tools==7.6.2
	$(VENV)-lock/bin/pip-compile --quiet --extra dev --extra bench --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-trusted-host --no-emit-find-links -o requirements.lock pyproject.toml
	rm -rf $(VENV)-lock

clean:
	rm -rf $(VENV) out build .pytest_cache .mypy_cache .ruff_cache .hypothesis
