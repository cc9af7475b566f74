{#- The score a manual link counts as in the link graph (int_match_edges):
    above any automatic score, so the constrained rebuild takes it first. -#}
{% macro match_manual_score() %}1000000{% endmacro %}
