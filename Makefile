# Quick start: `make demo`, then `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXAMPLE := examples/tutorial

.PHONY: demo test venv lint-imports clean lab-demo bench mermaid-parser

# Two installs into one venv: `make demo` needs the runtime dependencies only (PyYAML, click);
# `make test` adds the test extra (pytest, hypothesis, kubernetes-validate, the kubernetes client, ...).
# Quiet, so that a fresh clone's `make demo` prints what the README shows.
$(BIN)/python:
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	@$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	@$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

venv: $(VENV)/.runtime

# Mermaid's own parser under node, pinned by tests/support/mermaid/package-lock.json (the render tests
# use it; without npm they skip with the reason, and CI installs npm).
MERMAID := tests/support/mermaid
$(MERMAID)/node_modules/.package-lock.json: $(MERMAID)/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix $(MERMAID) --no-audit --no-fund --silent; \
	else echo "npm not found: the Mermaid parser tests will be skipped"; fi

mermaid-parser: $(MERMAID)/node_modules/.package-lock.json

demo: venv
	@echo "== podwall reach -f $(EXAMPLE)"
	@$(BIN)/podwall reach -f $(EXAMPLE)
	@echo
	@echo "== podwall explain -f $(EXAMPLE) -n production frontend backend 8080"
	@$(BIN)/podwall explain -f $(EXAMPLE) -n production frontend backend 8080 || true
	@echo
	@echo "== podwall explain -f $(EXAMPLE) -n production frontend database 5432"
	@$(BIN)/podwall explain -f $(EXAMPLE) -n production frontend database 5432 || true
	@echo
	@echo "== podwall explain -f $(EXAMPLE) -n production backend database"
	@$(BIN)/podwall explain -f $(EXAMPLE) -n production backend database

lab-demo: venv
	@PODWALL=$(BIN)/podwall sh examples/lab/demo.sh

test: $(VENV)/.test mermaid-parser
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# The full benchmark (minutes): podwall vs the YAML parse floor, the reference evaluator and
# network-config-analyzer (installed into benchmarks/.nca-venv, never into $(VENV)); writes
# benchmarks/RESULTS.md and results.png; then engine growth at a fixed policy count (LINEARITY.md); then flows check on
# 1,000,000 Hubble lines (FLOWS.md); then podwall diff of two 10,000-pod clusters against two reach runs (DIFF.md);
# then the HTML report at 500 and 3,000 workloads, generation and first paint in Chromium (RENDER.md).
# BENCH_ARGS=--quick for a short run.
bench: $(VENV)/.test
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.linearity
	$(BIN)/python -m benchmarks.commands $(if $(findstring --quick,$(BENCH_ARGS)),--quick,--large-rounds 1)
	$(BIN)/python -m benchmarks.flows $(if $(findstring --quick,$(BENCH_ARGS)),--quick,)
	$(BIN)/python -m benchmarks.diff $(if $(findstring --quick,$(BENCH_ARGS)),--quick,)
	$(BIN)/python -m benchmarks.render $(if $(findstring --quick,$(BENCH_ARGS)),--sizes 500 --runs 1,)

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
