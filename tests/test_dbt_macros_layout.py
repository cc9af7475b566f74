"""The macros' layout rules (docs/warehouse.md, "Keeping SQL portable"): one
file per macro, every dispatch namespaced 'costcalc', versions only for the
engines costcalc runs, no macro defined twice."""

from __future__ import annotations

import re
from collections import Counter

from costcalc.paths import MACROS_DIR

ENGINES = {"default", "duckdb", "postgres", "spark", "sqlserver"}
MACRO = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(")
TEST = re.compile(r"\{%-?\s*test\s+(\w+)\s*\(")
#: A materialization ``{% materialization NAME, ... %}`` lives in ``materialization_NAME.sql``.
MATERIALIZATION = re.compile(r"\{%-?\s*materialization\s+(\w+)\s*,")
DISPATCH = re.compile(r"adapter\.dispatch\(\s*([^)]*)\)")


def _files():
    return sorted(MACROS_DIR.rglob("*.sql"))


def test_every_dispatch_names_the_project():
    bad = [(p.relative_to(MACROS_DIR).as_posix(), args) for p in _files()
           for args in DISPATCH.findall(p.read_text(encoding="utf-8"))
           if not re.fullmatch(r"'(\w+)',\s*'costcalc'", args.strip())]
    assert bad == []


def test_no_macro_is_defined_twice():
    names = Counter(n for p in _files() for n in MACRO.findall(p.read_text(encoding="utf-8")))
    assert [n for n, k in names.items() if k > 1] == []


def test_engine_versions_only_for_the_engines_we_run_and_beside_their_macro():
    for p in _files():
        text = p.read_text(encoding="utf-8")
        for name in MACRO.findall(text):
            if "__" not in name:
                continue
            engine, base = name.split("__", 1)
            assert engine in ENGINES, f"{p.name}: {name} is for an engine costcalc does not run"
            assert re.search(r"macro\s+" + base + r"\s*\(", text), f"{p.name}: {name} is not beside {base}"


def test_one_file_per_macro_named_after_it():
    for p in _files():
        text = p.read_text(encoding="utf-8")
        defined = [n for n in MACRO.findall(text) + TEST.findall(text) if "__" not in n]
        defined += ["materialization_" + n for n in MATERIALIZATION.findall(text)]
        # no private helpers either: Jinja does not share a name starting with _
        # across files, which the SQL lint's templater relies on
        assert defined == [p.stem], f"{p.relative_to(MACROS_DIR)} defines {defined}"
