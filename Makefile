# Two commands matter: `make run` and `make test`. Both build the virtual environment first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Tests and screenshots need an X display; on a headless machine run them inside a private Xvfb.
XRUN := $(shell if [ -z "$$DISPLAY" ] && command -v xvfb-run >/dev/null; then echo 'xvfb-run -a -s "-screen 0 1920x1200x24 +extension GLX"'; fi)

.PHONY: run test lint screenshots benchmarks venv clean package

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m desktop_app

test: $(STAMP)
	$(PY) -m ruff check desktop_app tests benchmarks
	$(XRUN) $(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check desktop_app tests benchmarks

screenshots: $(STAMP)
	$(XRUN) $(PY) -m desktop_app.tools.screenshots docs/screenshots

benchmarks: $(STAMP)
	$(XRUN) $(PY) benchmarks/startup.py
	$(XRUN) $(PY) benchmarks/preview.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
