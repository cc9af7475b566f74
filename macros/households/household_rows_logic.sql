{#- The fingerprint of how a raw row becomes household evidence: an MD5 of
    household_observation_rows() as this build compiles it (every household
    var it reads: household_residence_schemas, household_uprn_columns,
    household_family_columns, household_lookback_days,
    household_shared_address_words; the address keys; this engine's
    functions; the relations it reads). int_household_observation_rows keeps
    its rows only while it is the same, so a change to any of these works out
    every load's rows again, with nothing to remember to raise (as
    staging_logic_version does for staging). -#}
{% macro household_rows_logic() -%}
  {{- return(local_md5(household_observation_rows())) -}}
{%- endmacro %}
