# Every target sets up .venv on first use, so `make test` and `make demo` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-installed whenever pyproject.toml changes.
INSTALLED := $(VENV)/.installed

.PHONY: install docs generate check-generated drift adopt conformance changes lint format typecheck test demo bench bench-instructions bench-ratelimit bench-faults bench-tenants bench-bulk bench-list bench-mock clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'pip>=25.1'  # for --group
	# A venv made before the distribution's rename (light-client -> light-inc) still has the old one.
	$(BIN)/python -m pip uninstall --quiet --disable-pip-version-check -y light-client 2>/dev/null || true
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[mock,redis,cli,aiohttp]' --group dev --group docs
	touch $@

# The docs site (mkdocs.yml) into site/; --strict: a warning, a broken link or reference fails it.
docs: $(INSTALLED)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

generate: $(INSTALLED)
	$(BIN)/python scripts/generate.py

check-generated: $(INSTALLED)
	$(BIN)/python scripts/generate.py --check

# How openapi.yaml differs from Light's official document (exit 1: drift). OFFICIAL=path-or-URL,
# default tests/data/light-openapi-public.json; JSON=1 for JSON instead of Markdown.
drift: $(INSTALLED)
	$(BIN)/python scripts/drift.py $(if $(OFFICIAL),--official '$(OFFICIAL)') $(if $(JSON),--json)

# Copies a tag's operations and their schemas from Light's document into openapi.yaml, in its
# conventions, for review (then `make generate` and `make drift`): make adopt TAG="v1 - Products".
adopt: $(INSTALLED)
	$(BIN)/python scripts/adopt.py --tag '$(TAG)'

# Generates Light's whole document (181 operations) into a copy of the package at OUT/light_client,
# runs mypy --strict on it and calls every operation once against Prism (npm; installed into
# tools/prism on first use). Last line: conformance: generated G/181, mypy clean, called C/181.
OUT ?= build/conformance
conformance: $(INSTALLED)
	$(BIN)/python scripts/conformance.py --out '$(OUT)'

# Each change to openapi.yaml since BASE (a git ref; default HEAD, i.e. uncommitted changes),
# breaking or not, the semver bump and a drafted CHANGELOG entry (exit 1: breaking).
BASE ?= HEAD
changes: $(INSTALLED)
	$(BIN)/python scripts/changes.py --base '$(BASE)' $(if $(JSON),--json)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(INSTALLED)
	$(BIN)/mypy light_client tests scripts examples

test: lint typecheck check-generated docs test-suite

# What depends on the Python version: the tests and the wheel. CI runs this on each Python of its
# matrix, and lint, typecheck and check-generated once.
.PHONY: test-suite
test-suite: $(INSTALLED)
	$(BIN)/python -m pytest
	$(MAKE) test-wheel

# The built wheel in a fresh venv outside the tree, as users install it (scripts/check_wheel.py).
# `make test-wheel PYTHON=python3.13`: that venv (not .venv) gets another interpreter.
.PHONY: test-wheel
test-wheel: $(INSTALLED)
	$(BIN)/python scripts/check_wheel.py --python $(PYTHON)

demo: $(INSTALLED)
	$(BIN)/python scripts/demo.py

# Prints the speed table of docs/speed.md: the SDK next to raw httpx and aiohttp (about 8 minutes).
bench: $(INSTALLED)
	$(BIN)/python scripts/bench.py

# Prints the instruction counts of docs/speed.md: the SDK and raw httpx per call,
# counted by valgrind (a few minutes; needs the valgrind Debian package).
bench-instructions: $(INSTALLED)
	$(BIN)/python scripts/bench_instructions.py

# Prints the rate-limit table of docs/rate-limits.md (about 3 minutes; wall-clock figures).
bench-ratelimit: $(INSTALLED)
	$(BIN)/python scripts/bench_ratelimit.py

# Prints the rate-limit faults table (issue 26): updates lost and applied twice, and wall time
# against ideal, while Redis is killed, frozen or 200 ms away, the SQLite store is locked by
# another process, and a clock steps back or is skewed (about 3 minutes; the Redis rows need
# the redis-server Debian package). QUICK=1: fewer calls, shorter faults.
bench-faults: $(INSTALLED)
	$(BIN)/python scripts/bench_faults.py $(if $(QUICK),--quick)

# Prints the many-tenants table of docs/speed.md: 100, 500 and 1,000 OAuth tenants in one process
# against a loopback server enforcing 300/min per token, the SDK next to hand-paced raw aiohttp,
# then 1,000 tokens expiring together (about 20 minutes). ROW_SECONDS=N: shorter rows.
bench-tenants: $(INSTALLED)
	$(BIN)/python scripts/bench_tenants.py $(if $(ROW_SECONDS),--seconds $(ROW_SECONDS))

# Prints the bulk-update figures of docs/bulk.md (about 2 minutes; wall-clock figures).
bench-bulk: $(INSTALLED)
	$(BIN)/python scripts/bench_bulk.py

# Prints the list-streaming figures of docs/speed.md: 40,000 records through the SDK next to raw
# httpx + json.loads, RSS growth, and where the CPU per record goes (about a minute).
bench-list: $(INSTALLED)
	$(BIN)/python scripts/bench_list.py

# Prints the median keep-alive call to the Light mock, in-process and out of process, for this
# tree and, interleaved, for older ones (before TCP_NODELAY, and cd69a98): about two minutes.
bench-mock: $(INSTALLED)
	$(BIN)/python scripts/bench_mock.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis site
