-- The at-risk rules in force (<project>/at_risk_rules.yml, or the shipped
-- default; docs/at-risk.md): one row per rule, in the file's order.
{%- set rule_set = at_risk_rules() %}
{% for rule in rule_set.rules %}
select
    cast({{ rule.rule_id | int }} as integer) as rule_id,
    {{ at_risk_text(rule.name) }} as rule_name,
    {{ at_risk_text(rule.description) }} as description
{%- if not loop.last %}
union all
{%- endif %}
{% endfor %}
