{#- int_cost_monthly's pre-hook on an incremental build: delete the stored
    monthly costs of every client whose inputs changed or who is gone (their
    fingerprint in int_cost_inputs differs, or they are not there: a merge
    retired their id, an unload removed their records, a newer extract
    changed them). The model then costs exactly the clients that have no
    rows left. The delete and the insert run in the model's one transaction;
    if a build stops between them, the next build finds those clients
    without rows and costs them then. -#}
{% macro cost_monthly_forget_changed(this_relation) -%}
    {%- if is_incremental() -%}
    delete from {{ this_relation }}
    where not exists (
        select 1 from {{ ref('int_cost_inputs') }} as inputs
        where inputs.client_id = {{ this_relation.identifier }}.client_id
          and inputs.inputs_hash = {{ this_relation.identifier }}.inputs_hash
    )
    {%- endif -%}
{%- endmacro %}
