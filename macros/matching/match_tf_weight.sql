{#- A term-frequency weight log2(m / tf), clamped to [lo, hi]. -#}
{% macro match_tf_weight(tf_expr, m, lo, hi) -%}
  case when {{ match_log2(m ~ ' / ' ~ tf_expr) }} < {{ lo }} then {{ lo }}
       when {{ match_log2(m ~ ' / ' ~ tf_expr) }} > {{ hi }} then {{ hi }}
       else {{ match_log2(m ~ ' / ' ~ tf_expr) }} end
{%- endmacro %}
