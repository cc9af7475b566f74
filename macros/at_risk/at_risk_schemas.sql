{#- The schema codes the at-risk rules read (docs/at-risk.md), from the registry's
    client flags (schemas/*.yaml `client_flag`): temporary accommodation (the
    outcome), the housing benefit switch and Troubled Families lists; and the
    housing benefit entitlement snapshots (RB01), whose claims start and end. -#}
{% macro at_risk_schemas() %}
    {%- set flags = costcalc_client_flags() -%}
    {{ return({
        'temporary_accommodation': flags.get('ever_temporary_accommodation', ['H01A']),
        'housing_benefit_switch': flags.get('housing_benefit_switch', ['RB03']),
        'troubled_families': flags.get('in_troubled_families', ['TF01']),
        'housing_benefit': ['RB01'],
    }) }}
{% endmacro %}
