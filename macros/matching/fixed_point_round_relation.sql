{#- The table a round of a fixed_point model writes: <model>__round_even or
    <model>__round_odd, beside the model (materialization_fixed_point.sql). -#}
{% macro fixed_point_round_relation(base_relation, parity) -%}
  {{ return(base_relation.incorporate(path={'identifier': base_relation.identifier ~ '__round_' ~ parity}, type='table')) }}
{%- endmacro %}
