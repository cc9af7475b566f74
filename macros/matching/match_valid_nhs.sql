{#- An NHS number passing the modulus-11 check (10 digits, not all one digit), else NULL. -#}
{% macro match_valid_nhs(expr) -%}
  {%- set terms = [] -%}
  {%- for i in range(1, 10) -%}
    {%- do terms.append("cast(" ~ match_substr(expr, i, 1) ~ " as " ~ dbt.type_int() ~ ") * " ~ (11 - i)) -%}
  {%- endfor -%}
  {%- set nhs_sum = "(" ~ (terms | join(" + ")) ~ ")" -%}
  case when {{ match_regexp_full(expr, '[0-9]{10}') }}
        and {{ expr }} not in ('0000000000','1111111111','2222222222','3333333333','4444444444',
                               '5555555555','6666666666','7777777777','8888888888','9999999999')
        and {{ match_mod("11 - " ~ match_mod(nhs_sum, '11'), '11') }} = cast({{ match_substr(expr, 10, 1) }} as {{ dbt.type_int() }})
       then {{ expr }} end
{%- endmacro %}
