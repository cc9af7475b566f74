{% macro costcalc_schemas(kind=none) %}
    {#- The registry's schemas (code -> schema dict), optionally only those of one kind. -#}
    {%- set out = {} -%}
    {%- for code, s in costcalc_registry()['schemas'].items() -%}
        {%- if kind is none or s['kind'] == kind -%}
            {%- do out.update({code: s}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{% endmacro %}
