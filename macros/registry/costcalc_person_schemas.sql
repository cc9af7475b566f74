{#- The registry's schemas whose rows are records of a person (kinds cost and
    status): what staging unions, matching and households read. A gazetteer
    (kind gazetteer) describes addresses, not people, and is read only by
    int_gazetteer_addresses. -#}
{% macro costcalc_person_schemas() %}
    {%- set out = {} -%}
    {%- for code, s in costcalc_registry()['schemas'].items() if s['kind'] in ('cost', 'status') -%}
        {%- do out.update({code: s}) -%}
    {%- endfor -%}
    {{ return(out) }}
{% endmacro %}
