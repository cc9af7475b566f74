{#- The blocking rules: pairs of identity profiles are compared only when
    they agree on at least one of these. -#}
{% macro match_blocking_rules() -%}
  {{ return([
      "a.nhs = b.nhs",
      "a.ni = b.ni",
      "a.dob = b.dob and a.sn_prefix = b.sn_prefix",
      "a.dob = b.dob and a.pc = b.pc",
      "a.dob = b.dob and a.fn_canon = b.fn_canon",
      "a.dob = b.dob and a.sn_last = b.sn_last",
      "a.sn = b.sn and a.fn_canon = b.fn_canon and a.dob_year = b.dob_year",
      "a.sn = b.sn and a.pc = b.pc and a.fn_initial = b.fn_initial",
  ]) }}
{%- endmacro %}
