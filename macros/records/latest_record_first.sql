{#- The order that puts a client's most recent record first (docs/contract.md §2):
    the newest extract date wins (a record without one comes last), then load
    order (the highest load_order among the record's rows; never the wall-clock
    loaded_at), then record_key so that the choice is deterministic. Used by
    dim_client (age) and restricted.client_identity (a client's latest details). -#}
{% macro latest_record_first(prefix='') -%}
    case when {{ prefix }}extract_date is null then 1 else 0 end,
    {{ prefix }}extract_date desc,
    {{ prefix }}last_load_order desc,
    {{ prefix }}record_key asc
{%- endmacro %}
