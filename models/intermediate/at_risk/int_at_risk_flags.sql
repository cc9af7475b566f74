-- Who each at-risk rule flags at each evaluation date (docs/at-risk.md): one
-- row per rule, date and client whose rule holds (its conditions combined by
-- all / any, macros/at_risk/at_risk_rule_holds.sql) and who is not in temporary
-- accommodation at the date.
{%- set rule_set = at_risk_rules() %}
{%- set holds = [] %}
{%- for rule in rule_set.rules %}
{%- do holds.append('(rule_id = ' ~ (rule.rule_id | int) ~ ' and ' ~ at_risk_rule_holds(rule.tree) ~ ')') %}
{%- endfor %}
with hits as (

    select * from {{ ref('int_at_risk_condition_hits') }}

),

held as (

    select rule_id, as_at_date, client_id
    from hits
    group by rule_id, as_at_date, client_id
    having {{ holds | join(' or ') }}

),

in_ta as (

    select as_at_date, client_id
    from {{ ref('int_at_risk_in_ta') }}
    where status = 'in_ta_at'

)

select held.rule_id, held.as_at_date, held.client_id
from held
left join in_ta on in_ta.as_at_date = held.as_at_date and in_ta.client_id = held.client_id
where in_ta.client_id is null
