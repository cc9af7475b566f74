{#- Letters only, upper case: "O'Brien-Smith " -> "OBRIENSMITH". -#}
{% macro match_letters(expr) -%}
  {{ return(adapter.dispatch('match_letters', 'costcalc')(expr)) }}
{%- endmacro %}

{% macro default__match_letters(expr) -%}
  {%- set ns = namespace(out="trim(" ~ expr ~ ")") -%}
  {%- for ch in ["''''", "'-'", "' '", "'.'", "','", "'’'"] -%}
    {%- set ns.out = dbt.replace(ns.out, ch, "''") -%}
  {%- endfor -%}
  nullif(upper({{ ns.out }}), '')
{%- endmacro %}

{% macro duckdb__match_letters(expr) -%}
  {%- if var('match_portable_only', false) -%}{{ return(default__match_letters(expr)) }}{%- endif -%}
  nullif(upper(regexp_replace({{ expr }}, '[^A-Za-z]', '', 'g')), '')
{%- endmacro %}

{% macro postgres__match_letters(expr) -%}
  {%- if var('match_portable_only', false) -%}{{ return(default__match_letters(expr)) }}{%- endif -%}
  nullif(upper(regexp_replace({{ expr }}, '[^A-Za-z]', '', 'g')), '')
{%- endmacro %}

{#- Spark's regexp_replace replaces every match. -#}
{% macro spark__match_letters(expr) -%}
  {%- if var('match_portable_only', false) -%}{{ return(default__match_letters(expr)) }}{%- endif -%}
  nullif(upper(regexp_replace({{ expr }}, '[^A-Za-z]', '')), '')
{%- endmacro %}
