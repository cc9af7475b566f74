{#- The pre-hook of an incremental model of stored monthly costs
    (int_cost_monthly per client, int_household_cost_monthly per household)
    on an incremental build: delete the stored rows of every `key` (client or
    household) whose inputs changed or that is gone (its fingerprint in the
    `inputs` model differs, or it is not there: a merge retired a client id,
    an unload removed records, a newer extract changed them, a member moved).
    The model then costs exactly the keys that have no rows left. The delete
    and the insert run in the model's one transaction; if a build stops
    between them, the next build finds those keys without rows and costs
    them then. -#}
{% macro cost_monthly_forget_changed(this_relation, inputs='int_cost_inputs', key='client_id') -%}
    {%- if is_incremental() -%}
    delete from {{ this_relation }}
    where not exists (
        select 1 from {{ ref(inputs) }} as inputs
        where inputs.{{ key }} = {{ this_relation.identifier }}.{{ key }}
          and inputs.inputs_hash = {{ this_relation.identifier }}.inputs_hash
    )
    {%- endif -%}
{%- endmacro %}
