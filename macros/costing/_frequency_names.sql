{#- Quoted upper-case names of the frequencies charged `charge` ('day', 'once' or 'financial_year'). -#}
{% macro _frequency_names(charge) -%}
    {%- set names = [] -%}
    {%- for name, f in costcalc_frequencies().items() if _frequency_charge(f) == charge -%}
        {%- do names.append("'" ~ name | upper ~ "'") -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- How a frequency charges: 'once', 'financial_year' or 'day'. -#}
{% macro _frequency_charge(f) -%}
    {{ return('once' if f['one_off'] else ('financial_year' if f['per_financial_year'] else 'day')) }}
{%- endmacro %}
