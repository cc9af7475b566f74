{#- multiply or divide factor of a per-day frequency (NULL for the others / unknown). -#}
{% macro frequency_factor(frequency, factor) -%}
    case upper({{ frequency }})
        {%- for name, f in costcalc_frequencies().items() if frequency_charge(f) == 'day' %}
        when '{{ name | upper }}' then {{ f[factor] }}
        {%- endfor %}
    end
{%- endmacro %}
