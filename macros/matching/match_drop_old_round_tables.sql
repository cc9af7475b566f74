{#- Until 2026-11 clustering was a fixed number of round models,
    int_match_cc_00 .. int_match_cc_06 and int_match_merge_00 ..
    int_match_merge_12; dbt does not drop the tables of models that no longer
    exist. int_match_cc's pre-hook drops those left in a warehouse built
    before (only the ones present: no statement otherwise). Returns no SQL. -#}
{% macro match_drop_old_round_tables() -%}
  {%- if execute -%}
    {%- set names = [] -%}
    {%- for n in range(0, 7) -%}{%- do names.append('int_match_cc_%02d' % n) -%}{%- endfor -%}
    {%- for n in range(0, 13) -%}{%- do names.append('int_match_merge_%02d' % n) -%}{%- endfor -%}
    {%- for name in names -%}
      {%- set old = load_cached_relation(this.incorporate(path={'identifier': name})) -%}
      {%- if old is not none -%}{%- do adapter.drop_relation(old) -%}{%- endif -%}
    {%- endfor -%}
  {%- endif -%}
{%- endmacro %}
