{#- Generic test: a household id is 'H' followed by exactly eight digits. -#}
{% test household_id_format(model, column_name) %}
select {{ column_name }} as household_id
from {{ model }}
where {{ column_name }} is not null
  and ({{ dbt.length(column_name) }} <> 9
       or substring({{ column_name }}, 1, 1) <> 'H'
       or {{ regexp_remove('substring(' ~ column_name ~ ', 2, 8)', '[0-9]') }} <> '')
{% endtest %}
