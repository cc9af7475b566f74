{#- The pre-hook of a model kept by client between builds (int_cost_monthly,
    int_at_risk_hits_by_client): on an incremental build, delete the stored
    rows of every client whose inputs changed or who is gone (their
    fingerprint in the inputs model, int_cost_inputs or int_at_risk_inputs,
    differs, or they are not there: a merge retired their id, an unload
    removed their records, a newer extract changed them). The model then works
    out exactly the clients that have no rows left. The delete and the insert
    run in the model's one transaction; if a build stops between them, the
    next build finds those clients without rows and works them out then. The
    model names the inputs model in a `depends_on` comment (dbt finds refs
    there, not in a hook). -#}
{% macro forget_changed_clients(this_relation, inputs_model) -%}
    {%- if is_incremental() -%}
    delete from {{ this_relation }}
    where not exists (
        select 1 from {{ ref(inputs_model) }} as inputs
        where inputs.client_id = {{ this_relation.identifier }}.client_id
          and inputs.inputs_hash = {{ this_relation.identifier }}.inputs_hash
    )
    {%- endif -%}
{%- endmacro %}
