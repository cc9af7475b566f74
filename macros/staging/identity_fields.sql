{#- The standard identity fields every staging model has, in output order. -#}
{% macro identity_fields() %}
    {{ return(['reference', 'surname', 'firstname', 'dob', 'postcode', 'nhs_number', 'ni_number', 'address']) }}
{% endmacro %}
