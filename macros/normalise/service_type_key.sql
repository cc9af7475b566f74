{#- A service type as the labels seed (seeds/service_type_labels.csv) matches it: lower case,
    with every space removed, so 'Private Sector Leased', 'private sector  leased' and
    'PRIVATE SECTOR LEASED ' are one type. -#}
{% macro service_type_key(expr) %}lower({{ regexp_remove('trim(' ~ expr ~ ')', '[[:space:]]') }}){% endmacro %}
