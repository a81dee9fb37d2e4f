# Everything runs inside .venv/ in the checkout; `make test` and `make demo` create it on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check -q -c constraints.txt

.PHONY: test test-all test-slow lint demo check-package venv clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -e ".[dev,medspacy,albert]"
	touch $@

venv: $(VENV)/.installed

test: $(VENV)/.installed
	$(PY) -m pytest -q

test-all: $(VENV)/.installed
	$(PY) -m pytest -q --runslow

# Only the slow end-to-end tests (packaging, installs, multi-process runs); CI runs them after `make test`.
test-slow: $(VENV)/.installed
	$(PY) -m pytest -q --runslow -m slow

# Train and package the embedded default pipeline offline, install it here, print an example.
demo: $(VENV)/.installed
	$(PY) -m spacy project run demo .

# The built wheels (plugin + en_minialbert_clinical from `make demo`) in a fresh virtual
# environment: install, then load by name in a fresh process, offline.
CHECK_VENV := build/check-venv
check-package: $(VENV)/.installed
	rm -rf $(CHECK_VENV) build/dist
	$(PY) -m build --wheel --outdir build/dist . > /dev/null
	$(PYTHON) -m venv $(CHECK_VENV)
	$(CHECK_VENV)/bin/python -m pip install --disable-pip-version-check -q -c constraints.txt \
		build/dist/spacy_minialbert-*.whl packages/en_minialbert_clinical-*/dist/*.whl
	cd build && HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
		check-venv/bin/python -m spacy_minialbert show en_minialbert_clinical

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check spacy_minialbert tests
	$(VENV)/bin/ruff format --check spacy_minialbert tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) build dist *.egg-info corpus training metrics packages project.lock
