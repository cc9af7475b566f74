{#- Generic test: every non-NULL value is a canonical frequency of schemas/frequencies.yaml. -#}
{% test valid_frequency(model, column_name) %}
select {{ column_name }} as frequency
from {{ model }}
where {{ column_name }} is not null
  and upper({{ column_name }}) not in (
    {%- for name in costcalc_frequencies().keys() %}'{{ name | upper }}'{{ ', ' if not loop.last }}{% endfor -%}
  )
{% endtest %}
