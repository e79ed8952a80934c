# Quick start: `make demo`, then `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXAMPLE := examples/tutorial

.PHONY: demo test venv lint-imports clean lab-demo bench mermaid-parser

$(BIN)/podwall: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/podwall

venv: $(BIN)/podwall

# Mermaid's own parser under node, pinned by tests/support/mermaid/package-lock.json (the render tests
# use it; without npm they skip with the reason, and CI installs npm).
MERMAID := tests/support/mermaid
$(MERMAID)/node_modules/.package-lock.json: $(MERMAID)/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix $(MERMAID) --no-audit --no-fund --silent; \
	else echo "npm not found: the Mermaid parser tests will be skipped"; fi

mermaid-parser: $(MERMAID)/node_modules/.package-lock.json

demo: venv
	@echo "== podwall reach -f $(EXAMPLE) --by workload"
	@$(BIN)/podwall reach -f $(EXAMPLE) --by workload
	@echo
	@echo "== podwall explain -f $(EXAMPLE) production/Deployment/frontend production/Deployment/backend 8080/TCP"
	@$(BIN)/podwall explain -f $(EXAMPLE) production/Deployment/frontend production/Deployment/backend 8080/TCP || true
	@echo
	@echo "== podwall explain -f $(EXAMPLE) production/Deployment/frontend production/Deployment/database 5432/TCP"
	@$(BIN)/podwall explain -f $(EXAMPLE) production/Deployment/frontend production/Deployment/database 5432/TCP || true
	@echo
	@echo "== podwall explain -f $(EXAMPLE) production/Deployment/backend production/Deployment/database 5432/TCP"
	@$(BIN)/podwall explain -f $(EXAMPLE) production/Deployment/backend production/Deployment/database 5432/TCP

lab-demo: venv
	@PODWALL=$(BIN)/podwall sh examples/lab/demo.sh

test: venv mermaid-parser
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# The full benchmark (minutes): podwall vs the YAML parse floor, the reference evaluator and
# network-config-analyzer (installed into benchmarks/.nca-venv, never into $(VENV)); writes
# benchmarks/RESULTS.md and results.png; then engine growth at a fixed policy count (LINEARITY.md); then flows check on
# 1,000,000 Hubble lines (FLOWS.md); then podwall diff of two 10,000-pod clusters against two reach runs (DIFF.md);
# then the HTML report at 500 and 3,000 workloads, generation and first paint in Chromium (RENDER.md).
# BENCH_ARGS=--quick for a short run.
bench: venv
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.linearity
	$(BIN)/python -m benchmarks.flows $(if $(findstring --quick,$(BENCH_ARGS)),--quick,)
	$(BIN)/python -m benchmarks.diff $(if $(findstring --quick,$(BENCH_ARGS)),--quick,)
	$(BIN)/python -m benchmarks.render $(if $(findstring --quick,$(BENCH_ARGS)),--sizes 500 --runs 1,)

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
