{#- A fingerprint of the costing rules themselves: the frequencies table
    (schemas/frequencies.yaml, through the generated registry) and the
    revision below. int_cost_inputs puts it into every client's inputs
    fingerprint, so stored monthly costs (int_cost_monthly, kept between
    builds) made under other rules never match and are costed again.
    Raise costing_revision whenever a macro in macros/costing/ or the SQL of
    int_cost_monthly changes what a record costs, or the SQL of
    int_household_cost_monthly changes which household a cost goes to (every
    household fingerprint holds its members' client fingerprints; docs/scale.md,
    "Incremental builds"). -#}
{% macro costing_logic_version() -%}
    {%- set costing_revision = 1 -%}
    {{- local_md5(costing_revision ~ '|' ~ tojson(costcalc_frequencies(), sort_keys=true)) -}}
{%- endmacro %}
