{#- The predicate "this rule holds", over rows grouped by rule, client and as-at
    date of int_at_risk_condition_hits: a condition holds when the group has a hit
    for it; `all` joins its parts with and, `any` with or. `tree` is a rule's
    condition tree from at_risk_rules() (generated from the rule file: only
    condition ids and the words all / any, never text of the file). -#}
{% macro at_risk_rule_holds(tree) -%}
    {%- if tree.leaf is defined -%}
        max(case when condition_id = {{ tree.leaf | int }} then 1 else 0 end) = 1
    {%- else -%}
        {%- set joiner = ' and ' if tree.op == 'all' else ' or ' -%}
        ({% for part in tree.args %}{{ at_risk_rule_holds(part) }}{% if not loop.last %}{{ joiner }}{% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}
