{#- The look-back windows of the pathways report, in months (docs/pathways.md):
    dbt var `pathways_windows`, default [12, 24]. Renders a query giving
    window_months. -#}
{% macro pathways_windows() -%}
    {%- set windows = var('pathways_windows', [12, 24]) -%}
    {%- if windows is string or windows is not iterable or windows | length == 0 -%}
        {{ exceptions.raise_compiler_error("var pathways_windows must be a list of whole numbers of months, not " ~ windows) }}
    {%- endif -%}
    {%- for w in windows -%}
        {%- if w is boolean or w is not number or w < 1 or w != w | int -%}
            {{ exceptions.raise_compiler_error("var pathways_windows: " ~ w ~ " is not a whole number of months, 1 or more") }}
        {%- endif -%}
    {%- endfor -%}
    {#- one VALUES list, not a UNION of one-row selects: Spark 4 fails a cross join
        with such a union at run time (ClassCastException on UnionExec.children) -#}
    select cast(listed.window_months as {{ dbt.type_int() }}) as window_months
    from (values {% for w in windows %}({{ w | int }}){% if not loop.last %}, {% endif %}{% endfor %}) as listed (window_months)
{%- endmacro %}
