# Every target sets up what it needs on first use.
STACK ?= dev
STACKS := dev staging prod
VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: preview test check bench docs clean

$(STAMP): requirements.txt requirements-dev.txt lambdas/requirements.txt policies/requirements.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

preview: $(STAMP)
	$(PYTHON) -m preview $(STACK)

# In parallel on every core (pytest-xdist), each module on one worker; `-n0` for one process.
test: $(STAMP)
	$(PYTHON) -m pytest -n auto --dist loadscope

check: $(STAMP)
	@for stack in $(STACKS); do \
		echo "== $$stack"; \
		$(PYTHON) -m preview $$stack --format json > /dev/null || { $(PYTHON) -m preview $$stack | tail -n 30; exit 1; }; \
		echo "   no mandatory violation"; \
	done

bench: $(STAMP)
	$(PYTHON) bench/preview.py
	$(PYTHON) bench/credentials.py
	$(PYTHON) bench/rotation.py
	$(PYTHON) bench/tvm.py
	$(PYTHON) bench/layers.py
	$(PYTHON) bench/policies.py
	$(PYTHON) bench/iam_data.py

docs: $(STAMP)
	$(PYTHON) -m preview.diagrams

clean:
	rm -rf $(VENV)
