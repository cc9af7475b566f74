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

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) warehouse demo_data dbt_project/target dbt_project/logs
