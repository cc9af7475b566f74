"""Code the tests share (not tests themselves): importable as ``helpers`` because
pytest puts tests/ on sys.path. Fixtures are in tests/conftest.py.

- ``e2e_demo``: the end-to-end demo scenario, the contract's expectations worked
  out from the generated rows, and the checks (run on every engine);
- ``postgres``: the PostgreSQL server the engine tests use (settings, fresh databases);
- ``no_skip``: the pytest hooks that turn skips into failures under COSTCALC_NO_SKIP=1;
- ``matchgen`` / ``match_dbt``: labelled identity records and a dbt runner for the
  matching models (bench/bench_matching.py uses them too).
"""
