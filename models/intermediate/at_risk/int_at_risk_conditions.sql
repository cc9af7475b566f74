-- The conditions of the at-risk rules (docs/at-risk.md): one row per condition
-- (a kind with its settings); all / any combine them within a rule
-- (macros/at_risk/at_risk_rule_holds.sql).
{%- set rule_set = at_risk_rules() %}
{% for c in rule_set.conditions %}
{%- if c.amount is none %}
{%- set amount = 'cast(null as ' ~ type_money() ~ ')' %}
{%- else %}
{%- set amount = 'cast(' ~ (c.amount | float) ~ ' as ' ~ type_money() ~ ')' %}
{%- endif %}
select
    cast({{ c.condition_id | int }} as integer) as condition_id,
    cast({{ c.rule_id | int }} as integer) as rule_id,
    {{ at_risk_text(c.kind) }} as kind,
    cast({{ c.within_months | int }} as integer) as within_months,
    {{ at_risk_text(c.service) }} as service,
    {{ at_risk_text(c.service_type) }} as service_type,
    {{ amount }} as amount
{%- if not loop.last %}
union all
{%- endif %}
{% endfor %}
