# Two commands do everything on a fresh machine:
#   make demo   set up .venv, generate sample files, load, build, print reports
#   make test   set up .venv and run the tests
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test setup bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,engines]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/costcalc demo

test: $(STAMP)
	$(BIN)/pytest -q

# Benchmarks print figures (they are not tests); see docs/loading.md,
# docs/matching.md and docs/scale.md. Splink is in the 'bench' extra.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,engines,bench]'
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_matching.py --records 200000
	$(BIN)/python bench/bench_scale.py

clean:
	rm -rf $(VENV) warehouse demo_data dbt_project/target dbt_project/logs
