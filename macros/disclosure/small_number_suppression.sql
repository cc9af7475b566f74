{#- Primary and secondary suppression of small numbers in one pass
    (docs/disclosure.md). Renders a query over `relation` with its columns
    `keep`, plus `suppressed_mark` (1: suppress this row's figures, else 0).

    Each row covers the people counted in `counts` (one or more count
    columns); the rows of one `line_by` partition add up to a total that is
    published (assumed, conservatively). A row is suppressed when

    - any of its counts is below the threshold, or a `forced` predicate holds
      (primary), or
    - its line has a primary row, and the rows before it (in the order:
      primary first, then by the sum of `counts` ascending, then `tie_break`)
      are fewer than two or, in some count column, cover fewer people than
      the threshold between them (secondary).

    So in a line with a published total, the suppressed rows are none, all,
    or at least two covering at least the threshold in every count column:
    the total minus the visible rows never reveals one suppressed row, nor a
    group of fewer people than the threshold. -#}
{% macro small_number_suppression(relation, keep, counts, line_by=[], tie_break=[], forced=none) -%}
    {%- set t = disclosure_threshold() -%}
    {%- set partition = ('partition by ' ~ (line_by | join(', '))) if line_by else '' -%}
    {%- set size = '(' ~ (counts | join(' + ')) ~ ')' -%}
    {%- set order = ['primary_mark desc', size ~ ' asc'] + tie_break -%}
    select
        {{ keep | join(', ') }},
        case
            when primary_mark = 1 then 1
            when line_primary = 0 then 0
            when rows_before >= 2
                {%- for c in counts %}
                and {{ c }}_before >= {{ t }}
                {%- endfor %}
                then 0
            else 1
        end as suppressed_mark
    from (
        select
            {{ keep | join(', ') }},
            primary_mark,
            max(primary_mark) over ({{ partition }}) as line_primary,
            count(*) over ({{ partition }} order by {{ order | join(', ') }}
                rows between unbounded preceding and 1 preceding) as rows_before
            {%- for c in counts %},
            coalesce(sum({{ c }}) over ({{ partition }} order by {{ order | join(', ') }}
                rows between unbounded preceding and 1 preceding), 0) as {{ c }}_before
            {%- endfor %}
        from (
            select
                {{ keep | join(', ') }},
                case
                    when {% for c in counts %}{{ is_small_count(c) }}{% if not loop.last %} or {% endif %}{% endfor %}
                    {%- if forced %} or {{ forced }}{% endif %} then 1
                    else 0
                end as primary_mark
            from {{ relation }}
        ) as marked
    ) as running
{%- endmacro %}
