# Every target sets up what it needs on first use.
STACK ?= dev
STACKS := dev staging prod
VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: preview test check bench compare clean

$(STAMP): requirements.txt requirements-dev.txt lambdas/requirements.txt policies/requirements.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

preview: $(STAMP)
	$(PYTHON) -m preview $(STACK)

test: $(STAMP)
	$(PYTHON) -m pytest

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

compare: $(STAMP)
	$(PYTHON) bench/compare_packs.py

clean:
	rm -rf $(VENV)
