# The two commands for a newcomer (README): `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

.PHONY: run test venv sysdeps sysdeps-test sysdeps-package lint bench package clean

run: sysdeps $(STAMP)
	$(PY) main.py $(ARGS)

test: sysdeps-test $(STAMP)
	QT_QPA_PLATFORM=xcb $(PY) -m pytest $(PYTEST_ARGS)

sysdeps:
	bash packaging/scripts/system-deps.sh

sysdeps-test:
	bash packaging/scripts/system-deps.sh --test --package

sysdeps-package:
	bash packaging/scripts/system-deps.sh --package

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,dev,package]"
	touch $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check hea_studio tests benchmarks packaging main.py
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The GUI benchmark needs a display: without one it runs under a virtual X server.
bench: $(STAMP)
	for b in benchmarks/bench_*.py; do \
		if [ -z "$$DISPLAY" ] && command -v xvfb-run >/dev/null; then \
			xvfb-run -a -s "-screen 0 1600x1000x24" $(PY) $$b || exit 1; \
		else $(PY) $$b || exit 1; fi; \
	done

package: sysdeps-package $(STAMP)
	bash packaging/build.sh

clean:
	rm -rf $(VENV) build dist packaging/build packaging/dist .pytest_cache
