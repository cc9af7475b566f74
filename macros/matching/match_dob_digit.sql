{#- Digit k (0 = the last) of a yyyymmdd number, times 10^k (so no division is
    needed: digit k of a equals digit k + 1 of b when ten times this equals b's). -#}
{% macro match_dob_digit(expr, k) -%}
  ({{ match_mod(expr, 10 ** (k + 1)) }} - {{ match_mod(expr, 10 ** k) }})
{%- endmacro %}
