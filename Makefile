# Every target sets up what it needs on first use.
STACK ?= dev
STACKS := dev staging prod
VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# uv builds .venv from uv.lock; without a uv on PATH, this pinned one is installed into .tools/.
UV_VERSION := 0.13.8
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
LINT_PATHS := __main__.py components policies preview lambdas cli tests bench

.PHONY: preview test check lint bench compare docs clean

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Bytecode compiled at install (about 8 s, once): otherwise the test workers and the many preview
# subprocesses compile pulumi_aws side by side, and a fresh clone's first make test takes 20 s longer.
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet --compile-bytecode
	touch $(STAMP)

preview: $(STAMP)
	$(PYTHON) -m preview $(STACK)

# In parallel on every core (pytest-xdist), each module on one worker; `-n0` for one process.
test: $(STAMP)
	$(PYTHON) -m pytest -n auto --dist loadscope

lint: $(STAMP)
	$(UV) lock --check --quiet
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy

check: lint
	@for stack in $(STACKS); do \
		echo "== $$stack"; \
		$(PYTHON) -m preview $$stack --format json > /dev/null || { $(PYTHON) -m preview $$stack | tail -n 30; exit 1; }; \
		echo "   no mandatory violation"; \
	done

bench: $(STAMP)
	$(PYTHON) bench/preview.py
	$(PYTHON) bench/preview_floor.py
	$(PYTHON) bench/credentials.py
	$(PYTHON) bench/rotation.py
	$(PYTHON) bench/test_suite.py
	$(PYTHON) bench/tvm.py
	$(PYTHON) bench/layers.py
	$(PYTHON) bench/policies.py
	$(PYTHON) bench/pack_scale.py
	$(PYTHON) bench/iam_data.py

compare: $(STAMP)
	$(PYTHON) bench/compare_packs.py

docs: $(STAMP)
	$(PYTHON) -m preview.diagrams

clean:
	rm -rf $(VENV) .tools
