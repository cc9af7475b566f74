{#- A service-use mapping item (schemas/<code>.yaml `service_use`) as SQL.
    Forms: a column name; {column: c}; {value: v}; {latest_of: [...]};
    {earliest_of: [...]}; {first_of: [...]}; {min_over_key: c}; {max_over_key: c}
    (the earliest / latest value over all rows of the same record). -#}
{% macro service_use_expr(spec, qualifier='', key_column=none) -%}
    {%- if spec is string -%}
        {{ raw_column(spec, qualifier) }}
    {%- elif spec is mapping and spec | length == 1 -%}
        {%- set op = (spec.keys() | list)[0] -%}
        {%- set arg = spec[op] -%}
        {%- if op == 'column' -%}
            {{ raw_column(arg, qualifier) }}
        {%- elif op == 'value' -%}
            '{{ arg | replace("'", "''") }}'
        {%- elif op in ('latest_of', 'earliest_of', 'first_of') -%}
            {%- set parts = [] -%}
            {%- for item in arg -%}{%- do parts.append(service_use_expr(item, qualifier, key_column)) -%}{%- endfor -%}
            {%- if op == 'latest_of' -%}{{ latest_of(parts) }}
            {%- elif op == 'earliest_of' -%}{{ earliest_of(parts) }}
            {%- else -%}coalesce({{ parts | join(', ') }})
            {%- endif -%}
        {%- elif op in ('min_over_key', 'max_over_key') -%}
            {%- if key_column is none -%}
                {{ exceptions.raise_compiler_error(op ~ " cannot be used in a natural key") }}
            {%- endif -%}
            {{ op[:3] }}({{ raw_column(arg, qualifier) }}) over (partition by {{ key_column }})
        {%- else -%}
            {{ exceptions.raise_compiler_error("unknown service_use form " ~ op) }}
        {%- endif -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("bad service_use item " ~ spec) }}
    {%- endif -%}
{%- endmacro %}
