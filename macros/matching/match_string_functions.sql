{#- on-run-start (dbt_project.yml): what match_fuzzy_name needs on the engine.
    PostgreSQL: the fuzzystrmatch extension (levenshtein; it ships with the
    server) and costcalc's Jaro-Winkler function, intermediate.costcalc_jaro_winkler,
    the same similarity as DuckDB's jaro_winkler_similarity (prefix weight 0.1 over
    at most 4 letters, applied above 0.7). A role that may not create the
    extension stops the build with a message saying who must run what.
    Other engines need nothing (their functions are built in). -#}
{% macro match_string_functions() %}
    {{ return(adapter.dispatch('match_string_functions', 'costcalc')()) }}
{% endmacro %}

{% macro default__match_string_functions() %}{{ return("select 1 as match_string_functions_ready") }}{% endmacro %}

{% macro postgres__match_string_functions() %}
    {%- if var('match_portable_only', false) -%}{{ return(default__match_string_functions()) }}{%- endif -%}
    {%- set sql -%}
do $costcalc$
begin
    if not exists (select 1 from pg_extension where extname = 'fuzzystrmatch') then
        begin
            create extension if not exists fuzzystrmatch;
        exception when others then
            raise exception 'costcalc matching needs the PostgreSQL extension fuzzystrmatch (it ships with the server), and the role % may not create it in database %: %',
                current_user, current_database(), sqlerrm
                using hint = 'ask the database owner or a superuser to run once: CREATE EXTENSION fuzzystrmatch; (docs/matching.md#engines)';
        end;
    end if;
    -- only when missing: CREATE SCHEMA needs the right to create in the database even with IF NOT EXISTS
    if not exists (select 1 from pg_namespace where nspname = 'intermediate') then
        create schema intermediate;
    end if;
end
$costcalc$;
create or replace function intermediate.costcalc_jaro_winkler(a text, b text)
returns double precision language plpgsql immutable strict parallel safe as $costcalc$
declare
    la int := length(a);
    lb int := length(b);
    win int;
    a_hit boolean[];
    b_hit boolean[];
    m int := 0;
    t int := 0;
    k int := 1;
    i int;
    j int;
    prefix int := 0;
    sim double precision;
begin
    if la = 0 and lb = 0 then return 1.0; end if;
    if la = 0 or lb = 0 then return 0.0; end if;
    win := greatest(greatest(la, lb) / 2 - 1, 0);
    a_hit := array_fill(false, array[la]);
    b_hit := array_fill(false, array[lb]);
    for i in 1..la loop
        for j in greatest(1, i - win)..least(lb, i + win) loop
            if not b_hit[j] and substr(a, i, 1) = substr(b, j, 1) then
                a_hit[i] := true;
                b_hit[j] := true;
                m := m + 1;
                exit;
            end if;
        end loop;
    end loop;
    if m = 0 then return 0.0; end if;
    for i in 1..la loop
        if a_hit[i] then
            while not b_hit[k] loop k := k + 1; end loop;
            if substr(a, i, 1) <> substr(b, k, 1) then t := t + 1; end if;
            k := k + 1;
        end if;
    end loop;
    sim := (m::double precision / la + m::double precision / lb + (m - t / 2)::double precision / m) / 3.0;
    if sim > 0.7 then
        while prefix < least(4, la, lb) and substr(a, prefix + 1, 1) = substr(b, prefix + 1, 1) loop
            prefix := prefix + 1;
        end loop;
        sim := sim + prefix * 0.1 * (1.0 - sim);
    end if;
    return sim;
end
$costcalc$
    {%- endset -%}
    {{ return(sql) }}
{% endmacro %}
