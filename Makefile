# Two commands do everything on a fresh machine:
#   make demo   set up .venv, generate sample files, load, build, print reports
#   make test   set up .venv and the system packages and servers the tests need, run every test
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test setup system bench bench-more clean screenshots

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
# its own venv (tests/test_install_base.py). The temporary files go to a folder of this
# checkout's own (pytest's shared default keeps only its three newest runs, so a second
# pytest on the machine could delete a running suite's files).
TEST_TMP := $(or $(TMPDIR),/tmp)/costcalc-tests-$(shell printf %s "$(CURDIR)" | md5sum | cut -c1-8)
test: $(STAMP) system
	eval "$$(scripts/start-postgres.sh)" && \
	  COSTCALC_TEST_POSTGRES=1 COSTCALC_NO_SKIP=1 $(BIN)/pytest -q --basetemp=$(TEST_TMP)

# The benchmark table of docs/matching.md "Benchmark" in one run (matching on the
# labelled generator, FEBRL3 and FEBRL4 on DuckDB, PostgreSQL and Spark, Splink side
# by side, the incremental build); it starts the local PostgreSQL server. Figures,
# not a test. Splink and recordlinkage are in the 'bench' extra.
bench: $(STAMP) system
	$(BIN)/pip install --quiet -e '.[test,engines,bench]'
	eval "$$(scripts/start-postgres.sh)" && \
	  $(BIN)/python bench/bench_report.py --records 20000 --postgres --spark --spark-records 5000 --incremental-rows 100000

# The other benchmarks (docs/loading.md, docs/scale.md, docs/households.md).
bench-more: $(STAMP)
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
