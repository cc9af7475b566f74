{#- Whether two rows of the pathways models (aliases `left` and `right`) are of
    the same service and service type, a missing service type matching only a
    missing one (docs/pathways.md: the line "all types" of a service has none). -#}
{% macro pathways_same_service(left, right) -%}
    {{ left }}.service = {{ right }}.service
    and (
        {{ left }}.service_type = {{ right }}.service_type
        or ({{ left }}.service_type is null and {{ right }}.service_type is null)
    )
{%- endmacro %}
