# Everything runs inside .venv/ in the checkout; `make test` and `make demo` create it on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check -q -c constraints.txt

.PHONY: test test-all lint demo venv clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -e ".[dev,medspacy,albert]"
	touch $@

venv: $(VENV)/.installed

test: $(VENV)/.installed
	$(PY) -m pytest -q

test-all: $(VENV)/.installed
	$(PY) -m pytest -q --runslow

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check spacy_minialbert tests
	$(VENV)/bin/ruff format --check spacy_minialbert tests
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) build dist *.egg-info
