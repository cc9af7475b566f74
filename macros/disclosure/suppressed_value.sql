{#- `value`, or NULL where the row's integer suppression mark `mark` (0/1,
    from small_number_suppression) is 1. The column keeps its type (a
    contract fixes it): a suppressed cell is NULL beside the row's
    is_suppressed flag. -#}
{% macro suppressed_value(value, mark='suppressed_mark') -%}
    case when {{ mark }} = 1 then null else {{ value }} end
{%- endmacro %}
