{#- The pre-hook of a model kept between builds by a key (int_cost_monthly,
    int_at_risk_hits_by_client, int_pathways_client_months: per client;
    int_household_cost_monthly: per household; int_source_rows,
    int_household_observation_rows: per load; int_records: per record), on
    an incremental build: delete the stored rows of every key whose inputs
    changed or that is gone (its fingerprint in the `inputs` model differs,
    or it is not there: a merge retired a client id, an unload removed
    records, a newer extract changed them, a member moved). The model then
    works out exactly the keys that have no rows left. The delete and the
    insert run in the model's one transaction; if a build stops between
    them, the next build finds those keys without rows and works them out
    then. The model names the inputs model in a `depends_on` comment (dbt
    finds refs there, not in a hook).
    The rows are compared by one number, inputs_signature (of the key and
    its fingerprint, inputs_hash: macros/incremental/inputs_signature.sql),
    which the inputs model works out once per key and every kept row
    carries: an anti-join on one BIGINT column instead of on the key and
    fingerprint strings (docs/scale.md, "Incremental builds", for the
    figures). Whatever else a key's rows depend on, how the model works
    them out included, belongs in its fingerprint (costing_logic_version,
    staging_logic_version, household_rows_logic). -#}
{% macro forget_changed(this_relation, inputs) -%}
    {%- if is_incremental() -%}
    delete from {{ this_relation }}
    where not exists (
        select 1 from {{ ref(inputs) }} as inputs
        where inputs.inputs_signature = {{ this_relation.identifier }}.inputs_signature
    )
    {%- endif -%}
{%- endmacro %}
