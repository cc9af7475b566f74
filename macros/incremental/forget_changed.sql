{#- The pre-hook of a model kept by client or household between builds
    (int_cost_monthly, int_at_risk_hits_by_client: per client;
    int_household_cost_monthly: per household), on an incremental build:
    delete the stored rows of every `key` whose inputs changed or that is gone
    (its fingerprint in the `inputs` model, int_cost_inputs,
    int_at_risk_inputs or int_household_cost_inputs, differs, or it is not
    there: a merge retired a client id, an unload removed records, a newer
    extract changed them, a member moved). The model then works out exactly
    the keys that have no rows left. The delete and the insert run in the
    model's one transaction; if a build stops between them, the next build
    finds those keys without rows and works them out then. The model names
    the inputs model in a `depends_on` comment (dbt finds refs there, not in
    a hook).
    `logic` (int_household_observation_rows: household_rows_logic()): the
    fingerprint of how the model works its rows out, stored in its column
    logic_version; the rows stored under another are deleted as well. -#}
{% macro forget_changed(this_relation, inputs, key='client_id', logic=none) -%}
    {%- if is_incremental() -%}
    delete from {{ this_relation }}
    where not exists (
        select 1 from {{ ref(inputs) }} as inputs
        where inputs.{{ key }} = {{ this_relation.identifier }}.{{ key }}
          and inputs.inputs_hash = {{ this_relation.identifier }}.inputs_hash
    )
    {%- if logic is not none %}
        or {{ this_relation.identifier }}.logic_version <> '{{ logic }}'
    {%- endif %}
    {%- endif -%}
{%- endmacro %}
