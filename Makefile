# Two commands do everything on a fresh machine:
#   make demo   set up .venv, generate sample files, load, build, print reports
#   make test   set up .venv and the system packages and servers the tests need, run every test
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test setup system bench clean screenshots

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,engines,metrics]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/costcalc demo

# The Debian packages the tests need (PostgreSQL, unixODBC, Java for Spark).
system:
	scripts/setup-system.sh

# Every test runs, none skipped (COSTCALC_NO_SKIP turns a skip into a failure):
# the local PostgreSQL server is started here, and the base-package check builds
# its own venv (tests/test_install_base.py).
test: $(STAMP) system
	eval "$$(scripts/start-postgres.sh)" && \
	  COSTCALC_TEST_POSTGRES=1 COSTCALC_NO_SKIP=1 $(BIN)/pytest -q

# Benchmarks print figures (they are not tests); see docs/loading.md,
# docs/matching.md, docs/scale.md and docs/households.md. Splink is in the 'bench' extra.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,engines,bench]'
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_matching.py --records 200000
	$(BIN)/python bench/bench_scale.py
	$(BIN)/python bench/bench_households.py

# Screenshots of every dashboard page from the demo borough, into docs/images/
# (docs/dashboard.md); needs chromium (make system).
screenshots: $(STAMP) system
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .venv-base .costcalc warehouse demo_data dbt_project/target dbt_project/logs
