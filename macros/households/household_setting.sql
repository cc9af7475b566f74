{#- The household settings (docs/households.md "Settings"), each a dbt var with
    its default here (set one with `--vars`, or `vars:` in dbt_project.yml):
      household_residence_schemas   schemas whose service period is a stay at the row's address
      household_uprn_columns        columns that hold a UPRN
      household_family_columns      columns that hold a family id
      household_lookback_days       an address seen on a day is taken to be home this many days before
      household_current_days        a stay last seen this close to the latest evidence is current
      household_max_surnames        more surnames than this over one stay make a dwelling shared
      household_max_residents       more people than this over one stay make a dwelling shared
      household_shared_address_words  words that make an address line a communal establishment -#}
{% macro household_setting(name) -%}
    {%- set defaults = {
        'household_residence_schemas': ['H01A'],
        'household_uprn_columns': ['uprn'],
        'household_family_columns': ['familyid'],
        'household_lookback_days': 365,
        'household_current_days': 400,
        'household_max_surnames': 3,
        'household_max_residents': 8,
        'household_shared_address_words': ['care home', 'nursing home', 'residential home', 'hostel',
                                           'night shelter', 'refuge', 'guest house', 'hotel'],
    } -%}
    {%- if name not in defaults -%}
        {{ exceptions.raise_compiler_error("unknown household setting " ~ name) }}
    {%- endif -%}
    {{ return(var(name, defaults[name])) }}
{%- endmacro %}
