{#-
  materialized='fixed_point': a table built by repeating one round until a
  round changes nothing (docs/matching.md, "Clustering"). Record matching's
  clustering uses it: int_match_cc and int_match_merge.

  The model's SQL is ONE round: it reads the state the round before left as
  {{ this }} (as an incremental model reads its existing rows), and returns
  the next state. config(fixed_point_start='macro_name') names a macro
  without arguments whose SQL is round 0 (by name: dbt resolves
  adapter.dispatch only for literal names, so the name is rendered).

  Each round is its own CREATE TABLE AS, so every engine plans one round at a
  time (no recursive query, no chain of CTEs that Spark or SQL Server would
  inline). Round tables alternate between two names beside the model,
  <model>__round_even and <model>__round_odd; the one a round has read is
  dropped as soon as the next exists. The loop stops at the first round whose
  rows equal the round before (fixed_point_rows_changed = 0). The result is
  then renamed into place as dbt's table materialization does (the old table
  is kept as a backup until the new one is in place), so an interrupted or
  failed build leaves the previous table whole, and leaves no round table
  behind: a build that stops half-way may leave the two round names, and the
  next build drops them first.

  More rounds than the dbt var match_max_rounds (default 100) fail the build
  with the model's name and the round count; nothing is replaced.
-#}
{% materialization fixed_point, default %}

  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set start_macro = config.require('fixed_point_start') -%}
  {%- set max_rounds = var('match_max_rounds', 100) | int -%}
  {%- set rounds = [fixed_point_round_relation(target_relation, 'even'),
                    fixed_point_round_relation(target_relation, 'odd')] -%}
  {%- set backup_relation_type = 'table' if existing_relation is none else existing_relation.type -%}
  {%- set backup_relation = make_backup_relation(target_relation, backup_relation_type) -%}
  {%- set grant_config = config.get('grants') -%}

  {#- The round reads its previous state as {{ this }}: find where. The name
      must not continue with an identifier character (unquoted engines). -#}
  {%- set this_name = modules.re.escape(this | string) ~ '(?![A-Za-z0-9_$])' -%}
  {%- set round_parts = modules.re.split(this_name, sql) -%}
  {%- if round_parts | length < 2 -%}
    {{ exceptions.raise_compiler_error(
        "fixed_point model " ~ model.name ~ " must read the previous round's state as {{ this }}") }}
  {%- endif -%}
  {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', start_macro) -%}
    {{ exceptions.raise_compiler_error(
        "fixed_point model " ~ model.name ~ ": fixed_point_start must name a macro, not " ~ start_macro) }}
  {%- endif -%}
  {%- if max_rounds < 1 -%}
    {{ exceptions.raise_compiler_error("the dbt var match_max_rounds must be at least 1, not " ~ max_rounds) }}
  {%- endif -%}

  {#- leftovers of a build that stopped half-way -#}
  {%- for r in rounds %}
    {{ drop_relation_if_exists(load_cached_relation(r)) }}
  {%- endfor %}
  {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% call statement('fixed_point_round_0') -%}
    {{ get_create_table_as_sql(False, rounds[0], render('{{ ' ~ start_macro ~ '() }}')) }}
  {%- endcall %}

  {%- set state = namespace(round=0, changed=-1) -%}
  {#- a round runs while the one before changed something (no `break`: the loop just skips) -#}
  {%- for n in range(1, max_rounds + 1) -%}
   {%- if state.changed != 0 -%}
    {%- set previous = rounds[(n - 1) % 2] -%}
    {%- set current = rounds[n % 2] -%}
    {% call statement('fixed_point_round') -%}
      {{ get_create_table_as_sql(False, current, round_parts | join(previous | string)) }}
    {%- endcall %}
    {%- set changed = run_query(fixed_point_rows_changed(current, previous)).columns[0].values()[0] | int -%}
    {% do adapter.drop_relation(previous) %}
    {%- set state.round = n -%}
    {%- set state.changed = changed -%}
    {% do log(model.name ~ ": round " ~ n ~ " changed " ~ changed ~ " rows") %}
   {%- endif -%}
  {%- endfor -%}

  {%- set result_relation = rounds[state.round % 2] -%}
  {%- if state.changed != 0 -%}
    {% do adapter.drop_relation(result_relation) %}
    {{ exceptions.raise_compiler_error(
        model.name ~ " did not converge: round " ~ state.round ~ " still changed " ~ state.changed
        ~ " rows, and the dbt var match_max_rounds allows " ~ max_rounds ~ " rounds. Raise it, e.g. "
        ~ "dbt build --vars '{match_max_rounds: " ~ (max_rounds * 2) ~ "}' (docs/matching.md).") }}
  {%- endif -%}

  {#- swap the result into place, as dbt's table materialization does -#}
  {% if existing_relation is not none %}
    {% set existing_relation = load_cached_relation(existing_relation) %}
    {% if existing_relation is not none %}
      {{ adapter.rename_relation(existing_relation, backup_relation) }}
    {% endif %}
  {% endif %}
  {{ adapter.rename_relation(result_relation, target_relation) }}
  {% do store_raw_result('main', message='converged after ' ~ state.round ~ (' round' if state.round == 1 else ' rounds'),
                         code='FIXED_POINT', rows_affected=none) %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}

  {% set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) %}
  {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}
  {% do persist_docs(target_relation, model) %}

  {{ adapter.commit() }}

  {{ drop_relation_if_exists(backup_relation) }}

  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
