{#- What int_records keeps a record by (docs/scale.md, "Incremental builds"):
    an order-independent fingerprint of the record's source rows, each
    standing for its load's fingerprint (int_load_inputs.inputs_hash, as
    int_source_rows stores it). A load's rows never change while its
    fingerprint stays (int_source_rows stages a load again when it changes),
    so the loads a record has rows in, and how many in each, fix its rows and
    so its one row in int_records. The sum of a 56- to 64-bit number per load
    (load_fingerprint_number: computed once per load, not once per row) and
    the row count; NULL when a row has no load fingerprint (a raw row with no
    load-log entry, which int_source_rows stages every build): such a record
    never matches and is worked out every build. `over`: a window clause
    (the model's own rows) instead of a group by (int_record_inputs); both
    give the same text. -#}
{% macro record_inputs_fingerprint(load_number, over='') -%}
    case
        when count({{ load_number }}) {{ over }} = count(*) {{ over }}
            then {{ dbt.concat(["cast(sum(" ~ load_number ~ ") " ~ over ~ " as " ~ dbt.type_string() ~ ")", "'.'",
                                "cast(count(*) " ~ over ~ " as " ~ dbt.type_string() ~ ")"]) }}
    end
{%- endmacro %}
