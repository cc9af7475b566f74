"""What dbt gives a model's Jinja, for sqlfluff's jinja templater (``.sqlfluff``:
``library_path``), so ``make test`` lints the models without a warehouse.

The project's own macros are loaded from ``macros/`` as they are; this module
stands in only for dbt itself: ``adapter.dispatch`` picks the ``duckdb__`` or
``default__`` version of a project macro (DuckDB is the default engine, and
the lint's dialect), ``dbt.*`` renders dbt's cross-database macros as DuckDB
SQL, ``var`` gives the default a model passes, and ``execute`` is false, as
while dbt parses. Not a test module.
"""

from __future__ import annotations

import jinja2


class _Adapter:
    """``adapter``: dispatch to the project's duckdb__ / default__ macro."""

    @jinja2.pass_context
    def dispatch(self, context, name, namespace=None):
        for prefix in ("duckdb__", "default__"):
            macro = context.resolve_or_missing(prefix + name)
            if macro is not jinja2.runtime.missing:
                return macro
        raise jinja2.TemplateRuntimeError(f"no duckdb__ or default__ version of {name}")

    def quote(self, name):
        return f'"{name}"'

    def get_relation(self, **kwargs):
        return None

    def get_columns_in_relation(self, relation):
        return []


class _Dbt:
    """``dbt``: dbt's cross-database macros, as DuckDB spells them."""

    def type_string(self):
        return "varchar"

    def type_int(self):
        return "integer"

    def type_bigint(self):
        return "bigint"

    def type_float(self):
        return "double"

    def type_timestamp(self):
        return "timestamp"

    def concat(self, fields):
        return "(" + " || ".join(str(f) for f in fields) + ")"

    def hash(self, field):
        return f"md5(cast({field} as varchar))"

    def replace(self, field, old, new):
        return f"replace({field}, {old}, {new})"

    def length(self, expression):
        return f"length({expression})"

    def split_part(self, string_text, delimiter_text, part_number):
        return f"split_part({string_text}, {delimiter_text}, {part_number})"

    def datediff(self, first_date, second_date, datepart):
        return f"date_diff('{datepart}', {first_date}, {second_date})"

    def dateadd(self, datepart, interval, from_date_or_timestamp):
        return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"

    def last_day(self, date, datepart):
        return f"last_day({date})"

    def current_timestamp(self):
        return "current_timestamp"


class _Exceptions:
    def raise_compiler_error(self, message):
        raise jinja2.TemplateRuntimeError(message)


class _Target:
    type = "duckdb"
    name = "duckdb"
    schema = "main"
    database = "costcalc"


class _Model:
    columns: dict = {}


adapter = _Adapter()
dbt = _Dbt()
exceptions = _Exceptions()
target = _Target()
model = _Model()
execute = False


def var(name, default=None):
    return default


def log(message, info=False):
    return ""


def local_md5(text):
    """dbt's ``local_md5``: the md5 of a string, worked out while compiling (costing_logic_version)."""
    import hashlib

    return hashlib.md5(str(text).encode("utf-8")).hexdigest()


#: dbt's id of the run (int_match_build_log records it).
invocation_id = "00000000-0000-0000-0000-000000000000"


def schema_registry():
    """The generated registry macro's value, straight from the schemas (costcalc writes the
    macro into the project's .costcalc/dbt for dbt; the lint needs no generated file)."""
    from costcalc.transform.registry import registry

    return registry()


def at_risk_rules():
    """The generated at-risk rules macro's value: the shipped default rule set (docs/at-risk.md)."""
    from costcalc.at_risk.rules import DEFAULT_RULES, load_rules, registry_data

    return registry_data(load_rules(DEFAULT_RULES))
