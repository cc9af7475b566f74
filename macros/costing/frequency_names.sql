{#- Quoted upper-case names of the frequencies charged `charge` ('day', 'once' or 'financial_year'). -#}
{% macro frequency_names(charge) -%}
    {%- set names = [] -%}
    {%- for name, f in costcalc_frequencies().items() if frequency_charge(f) == charge -%}
        {%- do names.append("'" ~ name | upper ~ "'") -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}
