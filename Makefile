# Two commands matter: `make run` and `make test`. Both build the virtual environment first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Tests and screenshots need an X display; on a headless machine run them inside a private Xvfb.
XRUN := $(shell if [ -z "$$DISPLAY" ] && command -v xvfb-run >/dev/null; then echo 'xvfb-run -a -s "-screen 0 1920x1200x24 +extension GLX"'; fi)

.PHONY: run test lint screenshots benchmarks venv clean package package-test

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m desktop_app

test: $(STAMP)
	$(PY) -m ruff check desktop_app tests benchmarks packaging
	$(XRUN) $(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check desktop_app tests benchmarks packaging

screenshots: $(STAMP)
	$(XRUN) $(PY) -m desktop_app.tools.screenshots docs/screenshots

benchmarks: $(STAMP)
	$(XRUN) $(PY) benchmarks/startup.py
	$(XRUN) $(PY) benchmarks/library_scale.py
	$(PY) benchmarks/faults.py
	$(XRUN) $(PY) benchmarks/responsiveness.py
	$(XRUN) $(PY) benchmarks/preview.py
	$(XRUN) $(PY) benchmarks/animation.py
	$(XRUN) $(PY) benchmarks/render.py 3 500k

# The Linux one-folder app, .deb and .tar.gz in dist/ (fails over the 180 MB budget); then run them.
$(VENV)/.installed-package: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,package]'
	touch $@

# Nothing is rebuilt when no source changed since the last build. PACKAGE_FLAGS=--fast: quicker .deb compression
# for builds that are only smoke-tested (.ci/run); releases (.github/workflows/package.yml) use the default.
PACKAGE_INPUTS := pyproject.toml $(shell find desktop_app packaging resources -type f -not -path '*/__pycache__/*')

package: dist/.packaged

dist/.packaged: $(VENV)/.installed-package $(PACKAGE_INPUTS)
	$(PY) packaging/build_linux.py $(PACKAGE_FLAGS)
	touch $@

package-test: $(STAMP)
	$(XRUN) $(PY) packaging/smoke_test.py dist/Meshwright/meshwright $(wildcard dist/meshwright_*.deb)

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
