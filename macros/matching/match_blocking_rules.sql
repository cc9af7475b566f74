{#- The blocking rules: pairs of identity profiles are compared only when
    they agree on all the columns of at least one rule (columns of
    int_match_profiles; a NULL, such as a placeholder, never agrees). A value of
    a rule shared by so many profiles that it would bring more than
    var('match_max_block_comparisons') pairs is left out (int_match_block_keys). -#}
{% macro match_blocking_rules() -%}
  {{ return([
      {'name': 'NHS number', 'columns': ['nhs']},
      {'name': 'NI number', 'columns': ['ni']},
      {'name': 'date of birth + first three letters of surname', 'columns': ['dob', 'sn_prefix']},
      {'name': 'date of birth + postcode', 'columns': ['dob', 'pc']},
      {'name': 'date of birth + first name', 'columns': ['dob', 'fn_canon']},
      {'name': 'date of birth + last part of surname', 'columns': ['dob', 'sn_last']},
      {'name': 'surname + first name + birth year', 'columns': ['sn', 'fn_canon', 'dob_year']},
      {'name': 'surname + postcode + first initial', 'columns': ['sn', 'pc', 'fn_initial']},
      {'name': 'date of birth + first three letters of both names, either way round', 'columns': ['dob', 'names_prefix']},
      {'name': 'surname + street line of the address', 'columns': ['sn', 'addr']},
      {'name': 'first name + street line of the address', 'columns': ['fn_canon', 'addr']},
  ]) }}
{%- endmacro %}
