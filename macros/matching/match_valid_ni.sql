{#- The eight identifying characters of a well-formed NI number (HMRC prefix
    rules, six digits not all zero, optional suffix A-D), else NULL. The suffix
    is dropped: the same person's number is written with and without it. -#}
{% macro match_valid_ni(expr) -%}
  case when {{ match_regexp_full(expr, '[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]?') }}
        and {{ match_substr(expr, 1, 2) }} not in ('BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ')
        and {{ match_substr(expr, 3, 6) }} <> '000000'
       then {{ match_substr(expr, 1, 8) }} end
{%- endmacro %}
