# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
ARGS   ?= --cycles 6
# Two test workers a core: the suite spends half its time waiting on sockets and child processes,
# and one worker a core left the cores idle for that half (5:10 against 3:35 on two cores).
WORKERS ?= $(shell echo $$(( 2 * $$(nproc 2>/dev/null || echo 1) )))

.PHONY: run test test-fast lint format bench bench-suite clean lock

# Every package, pip and setuptools included, comes from the lock at its pinned version and hash;
# the project itself is then installed over them without resolving anything again.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# After changing pyproject.toml's dependencies: pins what they add, keeps every other pin
# (`make lock LOCK_ARGS=--upgrade` moves every pin to the newest release allowed).
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --extra dev --strip-extras \
		--no-emit-index-url --no-emit-find-links $(LOCK_ARGS) \
		--output-file $(LOCK) pyproject.toml requirements-venv.in

run: $(STAMP)
	$(BIN)/python main.py $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadscope $(PYTEST_ARGS)

# The suite without the tests that run the program or the simulator as a process of its own.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadscope -m "not slow" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python bench/bankroll.py

# What the suite costs: wall and CPU time, and its 20 slowest tests (bench/suite.py).
bench-suite: $(STAMP)
	$(BIN)/python -m bench.suite -- $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
