{#- The dim_client flag columns the schemas declare (`client_flag`): column -> [schema codes]. -#}
{% macro costcalc_client_flags() %}
    {%- set out = {} -%}
    {%- for code, s in costcalc_registry()['schemas'].items() if s['client_flag'] -%}
        {%- do out.setdefault(s['client_flag'], []).append(code) -%}
    {%- endfor -%}
    {{ return(out) }}
{% endmacro %}
