{#- SQL counting the rows in which two rounds of a fixed_point model differ
    (rows of one missing from the other, either way); 0 means converged. -#}
{% macro fixed_point_rows_changed(current, previous) -%}
  {{ return(adapter.dispatch('fixed_point_rows_changed', 'costcalc')(current, previous)) }}
{%- endmacro %}

{% macro default__fixed_point_rows_changed(current, previous) -%}
select
    (select count(*) from (select * from {{ current }} except select * from {{ previous }}) added)
    + (select count(*) from (select * from {{ previous }} except select * from {{ current }}) removed)
    as rows_changed
{%- endmacro %}
