# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-stamp
DEV := $(VENV)/.dev-stamp
AXE := tests/browser/axe/node_modules/axe-core/axe.min.js

.PHONY: install install-dev demo test lint typecheck unit smoke bench clean image

# `make demo` needs only what tokstack needs at run time; the test toolchain comes with `make test`.
$(RUNTIME): pyproject.toml
	@test -d $(VENV) || echo "tokstack: creating $(VENV) (first run only)"
	@$(PYTHON) -m venv $(VENV)
	@echo "tokstack: installing the runtime dependencies into $(VENV) (first run takes a minute)"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e .
	@touch $(RUNTIME)

$(DEV): $(RUNTIME) pyproject.toml
	@echo "tokstack: installing the test toolchain (ruff, mypy, pytest, playwright, schemathesis)"
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(DEV)

install: $(RUNTIME)

install-dev: $(DEV)

demo: install
	$(BIN)/tokstack serve --demo

lint: install-dev
	$(BIN)/ruff check src tests scripts examples
	$(BIN)/ruff format --check src tests scripts examples
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy

# axe-core (pinned in tests/browser/axe) for the accessibility audit of the browser tests
$(AXE): tests/browser/axe/package.json tests/browser/axe/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/browser/axe --no-audit --no-fund --silent; \
	else echo "tokstack: npm not found: the accessibility audit will be skipped"; fi

unit: install-dev $(AXE)
	$(BIN)/pytest -q

test: lint typecheck unit

# CI: the built wheel, installed without extras in a fresh venv, runs the smoke test.
smoke:
	rm -rf build/smoke && mkdir -p build/smoke
	$(PYTHON) -m pip wheel --quiet --no-deps --wheel-dir build/smoke .
	$(PYTHON) -m venv build/smoke/venv
	build/smoke/venv/bin/python -m pip install --quiet build/smoke/tokstack-*.whl
	build/smoke/venv/bin/python scripts/smoke.py build/smoke/venv/bin/tokstack

# The container image: wheels built here (the build has no PyPI), a base made by debootstrap
# (scripts/docker-base.sh, once per machine), then docker build on that base.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
BASE_IMAGE ?= tokstack-base:bookworm

image:
	rm -rf build/wheels && mkdir -p build/wheels
	# async-timeout: redis needs it on bookworm's Python 3.11.2 (< 3.11.3), not on a newer host
	$(PYTHON) -m pip wheel --quiet --wheel-dir build/wheels . 'async-timeout>=4.0.3'
	bash scripts/docker-base.sh $(BASE_IMAGE)
	docker build --network=host --build-arg BASE_IMAGE=$(BASE_IMAGE) \
	  -t tokstack:$(VERSION) -t tokstack:latest .

bench: install-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build tokstack-data .mypy_cache .ruff_cache .pytest_cache
