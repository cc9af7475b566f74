{#- Part of incremental matching: see int_match_record_details.sql.

    The fingerprint of how a record becomes its matching details: an MD5 of
    match_record_details() as this build compiles it (every macro and var it
    reads, this engine's functions) and of the rows of the two seeds it reads
    (match_placeholders, match_name_variants: match_seed_rows_text). A
    record's stored details are kept only while it is the same, so a change
    to the code, a var or either seed works out every record again, with
    nothing to remember to raise. -#}
{% macro match_record_details_logic() -%}
  {{- return(local_md5(match_record_details()
        ~ '|' ~ match_seed_rows_text('match_placeholders', ['identifier', 'kind', 'value', 'flag'])
        ~ '|' ~ match_seed_rows_text('match_name_variants', ['variant', 'canonical']))) -}}
{%- endmacro %}
