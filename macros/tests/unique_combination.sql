{#-
  Generic test: the listed columns together identify a row.

  written_by (optional): the column of an incremental model holding the dbt
  invocation that wrote each row (int_cost_monthly.costed_by_invocation). In a
  `dbt build` (costcalc build) only the rows this build wrote are checked: the
  model keeps or replaces a key's rows together (a client's rows are deleted
  and costed again as a whole), so a duplicate can only be among new rows, and
  the rows kept were checked by the build that wrote them. `dbt test` checks
  every row. docs/decisions/0009-keep-the-uniqueness-test-on-fct-cost-monthly.md.
-#}
{% test unique_combination(model, columns, written_by=none) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
{%- if written_by and flags.WHICH == 'build' %}
where {{ written_by }} = '{{ invocation_id }}'
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
