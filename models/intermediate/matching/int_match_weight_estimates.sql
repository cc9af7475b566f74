{#-
  This build's matching weights, estimated from its data as Splink and
  fastLink do (docs/matching.md "Weights estimated from the data"):
  - u (how often two different people agree so) by random sampling: every
    pair of up to var match_estimate_u_profiles (500) identity profiles,
    chosen by their hashed key;
  - m (how often one person's two records agree so) by expectation-
    maximisation over the comparison patterns of up to
    var match_estimate_max_pairs (200,000) blocked candidate pairs, with u
    fixed, starting from and pulled towards sane priors
    (var match_estimate_prior_pairs pseudo-pairs, 200).
  The levels are match_pair_levels(), as int_match_pairs scores them. Each
  weight log2(m/u) is then bounded to today's fixed weight ± var
  match_estimate_band (3), never positive for a disagreement nor negative for
  an agreement; the m of a term-frequency weight (sn_m, fn_m, pc_m, addr_m) to
  [0.5, 0.99]. Too few pairs (var match_estimate_min_pairs, 1000), or an
  estimate that does not converge or finds (almost) no matches among the
  candidate pairs (share below 0.0001), falls back to the fixed
  weights (source 'fallback', with the reason in note). Var
  match_estimate_weights: false keeps the fixed weights; var
  match_reuse_weights: true reuses the weights this table holds (incremental
  builds); var match_weights pins any weight by hand (source 'pinned').
  NHS and NI numbers and the threshold are not estimated.
  The run prints which weights the build uses; int_match_weight_history keeps
  every build's rows.
-#}
{{ config(materialized='table') }}
{%- set fixed = match_weights_fixed() -%}
{%- set pinned = var('match_weights', {}) -%}
{%- set band = var('match_estimate_band', 3) | float -%}
{%- set min_pairs = var('match_estimate_min_pairs', 1000) | int -%}
{%- set fields = ['sn', 'fn', 'dob', 'pc', 'addr'] -%}
{#- each estimated level: (field, level, weight name, prior m); exact surname,
    first name and postcode are term-frequency weights (their m is estimated) -#}
{%- set params = [
    ('sn', 'exact', 'sn_m', 0.85), ('sn', 'part', 'sn_part', 0.02), ('sn', 'fuzzy', 'sn_fuzzy', 0.06),
    ('sn', 'swapped', 'sn_swapped', 0.01), ('sn', 'similar', 'sn_similar', 0.02),
    ('sn', 'different', 'sn_different', 0.04),
    ('fn', 'exact', 'fn_m', 0.8), ('fn', 'nickname', 'fn_nickname', 0.04), ('fn', 'swapped', 'fn_swapped', 0.01),
    ('fn', 'initial', 'fn_initial', 0.03), ('fn', 'fuzzy', 'fn_fuzzy', 0.07), ('fn', 'different', 'fn_different', 0.05),
    ('dob', 'exact', 'dob_exact', 0.9), ('dob', 'swapped', 'dob_swapped', 0.02),
    ('dob', 'transposed', 'dob_transposed', 0.01), ('dob', 'one_digit', 'dob_one_digit', 0.03),
    ('dob', 'year_month', 'dob_year_month', 0.01), ('dob', 'different', 'dob_different', 0.03),
    ('pc', 'exact', 'pc_m', 0.7), ('pc', 'sector', 'pc_sector', 0.08), ('pc', 'different', 'pc_different', 0.22),
    ('addr', 'exact', 'addr_m', 0.7), ('addr', 'fuzzy', 'addr_fuzzy', 0.08), ('addr', 'different', 'addr_different', 0.22),
] -%}
{%- set tf_names = ['sn_m', 'fn_m', 'pc_m', 'addr_m'] -%}
{%- set field_names = {'sn': 'surname', 'fn': 'firstname', 'dob': 'dob', 'pc': 'postcode', 'addr': 'address'} -%}

{%- set pattern_sql -%}
with p as (
    select * from {{ ref('int_match_profiles') }}
),

candidates as (
    {{ match_blocked_pairs() }}
),

numbered as (
    select pk_a, pk_b, row_number() over (order by pk_a, pk_b) as rn from candidates
),

levels as (
    select {{ match_pair_levels('a', 'b') }}
    from numbered as s
    inner join p as a on a.profile_key = s.pk_a
    inner join p as b on b.profile_key = s.pk_b
    where s.rn <= {{ var('match_estimate_max_pairs', 200000) | int }}
)

select sn_level, fn_level, dob_level, pc_level, addr_level, count(*) as n
from levels
group by sn_level, fn_level, dob_level, pc_level, addr_level
{%- endset -%}

{%- set random_sql -%}
with p as (
    select * from {{ ref('int_match_profiles') }}
),

sampled as (
    select profile_key, row_number() over (order by profile_key) as rn from p
),

levels as (
    select {{ match_pair_levels('a', 'b') }}
    from sampled as sa
    inner join sampled as sb on sb.rn > sa.rn
    inner join p as a on a.profile_key = sa.profile_key
    inner join p as b on b.profile_key = sb.profile_key
    where sa.rn <= {{ var('match_estimate_u_profiles', 500) | int }}
        and sb.rn <= {{ var('match_estimate_u_profiles', 500) | int }}
)

select sn_level, fn_level, dob_level, pc_level, addr_level, count(*) as n
from levels
group by sn_level, fn_level, dob_level, pc_level, addr_level
{%- endset -%}

{%- set est = namespace(source='fixed', note='var match_estimate_weights is false', pairs=0, random_pairs=0,
                        lam=0.01, iterations=0, done=false) -%}
{%- set m = {} -%}{%- set u = {} -%}
{%- if execute and var('match_reuse_weights', false) and load_relation(this) is not none -%}
  {%- set est.source = 'reused' -%}
  {%- set est.note = 'the weights of the last build (var match_reuse_weights)' -%}
{%- elif execute and var('match_estimate_weights', true) -%}
  {%- set patterns = run_query(pattern_sql).rows -%}
  {%- set randoms = run_query(random_sql).rows -%}
  {%- set counts_u = {} -%}
  {%- for f in fields -%}{%- do counts_u.update({f: {}}) -%}{%- endfor -%}
  {%- for row in randoms -%}
    {%- set est.random_pairs = est.random_pairs + (row[fields | length] | int) -%}
    {%- for f in fields -%}
      {%- do counts_u[f].update({row[loop.index0]: counts_u[f].get(row[loop.index0], 0) + (row[fields | length] | int)}) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- for row in patterns -%}{%- set est.pairs = est.pairs + (row[fields | length] | int) -%}{%- endfor -%}
  {#- u: each level's share of the random pairs where the field is present, with
      half a pair added to every level so that no level is impossible -#}
  {%- for f in fields -%}
    {%- set f_levels = params | selectattr(0, 'equalto', f) | list -%}
    {%- set present = namespace(n=0) -%}
    {%- for p in f_levels -%}{%- set present.n = present.n + counts_u[f].get(p[1], 0) -%}{%- endfor -%}
    {%- do u.update({f: {}}) -%}{%- do m.update({f: {}}) -%}
    {%- for p in f_levels -%}
      {%- do u[f].update({p[1]: (counts_u[f].get(p[1], 0) + 0.5) / (present.n + 0.5 * (f_levels | length))}) -%}
      {%- do m[f].update({p[1]: p[3]}) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if est.pairs < min_pairs or est.random_pairs < min_pairs -%}
    {%- set est.source = 'fallback' -%}
    {%- set est.note = est.pairs ~ ' candidate pairs and ' ~ est.random_pairs ~ ' random pairs, fewer than '
                       ~ min_pairs ~ ' (var match_estimate_min_pairs)' -%}
  {%- else -%}
    {%- set prior_pairs = var('match_estimate_prior_pairs', 200) | float -%}
    {%- for it in range(var('match_estimate_max_iterations', 50) | int) if not est.done -%}
      {%- set acc = {} -%}{%- set tot = namespace(p=0.0) -%}
      {%- for f in fields -%}{%- do acc.update({f: {}}) -%}{%- endfor -%}
      {%- for row in patterns -%}
        {%- set pr = namespace(mm=est.lam, uu=1 - est.lam) -%}
        {%- for i in range(fields | length) if row[i] != 'missing' -%}
          {%- set pr.mm = pr.mm * m[fields[i]][row[i]] -%}
          {%- set pr.uu = pr.uu * u[fields[i]][row[i]] -%}
        {%- endfor -%}
        {%- set weight = (row[fields | length] | int) * pr.mm / (pr.mm + pr.uu) -%}
        {%- set tot.p = tot.p + weight -%}
        {%- for i in range(fields | length) if row[i] != 'missing' -%}
          {%- do acc[fields[i]].update({row[i]: acc[fields[i]].get(row[i], 0) + weight}) -%}
        {%- endfor -%}
      {%- endfor -%}
      {%- set change = namespace(max=0.0) -%}
      {%- for f in fields -%}
        {%- set f_levels = params | selectattr(0, 'equalto', f) | list -%}
        {%- set f_tot = namespace(n=0.0) -%}
        {%- for p in f_levels -%}{%- set f_tot.n = f_tot.n + acc[f].get(p[1], 0) -%}{%- endfor -%}
        {%- for p in f_levels -%}
          {%- set new_m = (acc[f].get(p[1], 0) + prior_pairs * p[3]) / (f_tot.n + prior_pairs) -%}
          {%- set change.max = [change.max, (new_m - m[f][p[1]]) | abs] | max -%}
          {%- do m[f].update({p[1]: new_m}) -%}
        {%- endfor -%}
      {%- endfor -%}
      {%- set est.lam = tot.p / est.pairs -%}
      {%- set est.iterations = it + 1 -%}
      {%- if change.max < 0.0001 -%}{%- set est.done = true -%}{%- endif -%}
    {%- endfor -%}
    {%- if not est.done -%}
      {%- set est.source = 'fallback' -%}
      {%- set est.note = 'expectation-maximisation did not converge in ' ~ est.iterations ~ ' iterations' -%}
    {%- elif est.lam < 0.0001 -%}
      {%- set est.source = 'fallback' -%}
      {%- set est.note = 'the estimated share of matches among candidate pairs (' ~ est.lam ~ ') is too small to estimate from' -%}
    {%- else -%}
      {%- set est.source = 'estimated' -%}
      {%- set est.note = 'from ' ~ est.pairs ~ ' candidate pairs and ' ~ est.random_pairs ~ ' random pairs, '
                         ~ est.iterations ~ ' iterations' -%}
    {%- endif -%}
  {%- endif -%}
{%- endif -%}
{%- if execute -%}
  {%- set pins_note = ('; pinned by var match_weights: ' ~ (pinned.keys() | sort | join(', '))) if pinned else '' -%}
  {%- if est.source == 'fallback' -%}
    {%- do exceptions.warn('costcalc matching weights: not estimated, the fixed weights are used: '
                           ~ est.note ~ pins_note ~ ' (docs/matching.md "Weights estimated from the data")') -%}
  {%- else -%}
    {{ log('costcalc matching weights: ' ~ est.source ~ ' (' ~ est.note ~ ')' ~ pins_note, info=True) }}
  {%- endif -%}
{%- endif -%}

{%- set tf_list = tf_names | map('tojson') | join(', ') | replace('"', "'") %}
with chosen as (
    {%- if est.source == 'reused' %}
    select
        name, field, level, m, u, fixed_weight, estimated_weight,
        cast('reused' as {{ dbt.type_string() }}) as source, pairs, note
    from {{ this }}
    {%- else %}
    {%- for p in params %}
    {%- set f, level, name, prior = p %}
    {%- set has = est.source == 'estimated' %}
    select
        cast('{{ name }}' as {{ dbt.type_string() }}) as name,
        cast('{{ field_names[f] }}' as {{ dbt.type_string() }}) as field,
        cast('{{ level }}' as {{ dbt.type_string() }}) as level,
        cast({{ m[f][level] if has else 'null' }} as {{ match_type_double() }}) as m,
        cast({{ u[f][level] if has else 'null' }} as {{ match_type_double() }}) as u,
        cast({{ fixed[name] }} as {{ match_type_double() }}) as fixed_weight,
        cast(null as {{ match_type_double() }}) as estimated_weight,
        cast('{{ est.source }}' as {{ dbt.type_string() }}) as source,
        cast({{ est.pairs }} as {{ dbt.type_bigint() }}) as pairs,
        cast('{{ est.note }}' as {{ dbt.type_string() }}) as note
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- endif %}
),

bounded as (
    select
        c.name, c.field, c.level, c.m, c.u, c.fixed_weight, c.source, c.pairs, c.note,
        case
            when c.estimated_weight is not null then c.estimated_weight
            when c.m is null then c.fixed_weight
            when c.name in ({{ tf_list }})
                then case when c.m < 0.5 then 0.5 when c.m > 0.99 then 0.99 else c.m end
            when {{ match_log2('c.m / c.u') }} < c.fixed_weight - {{ band }} then c.fixed_weight - {{ band }}
            when {{ match_log2('c.m / c.u') }} > c.fixed_weight + {{ band }} then c.fixed_weight + {{ band }}
            else {{ match_log2('c.m / c.u') }}
        end as bounded_weight
    from chosen as c
),

signed as (
    select
        b.*,
        case
            when b.name in ({{ tf_list }}) then b.bounded_weight
            when b.level = 'different' and b.bounded_weight > 0 then 0
            when b.level <> 'different' and b.bounded_weight < 0 then 0
            else b.bounded_weight
        end as estimated_weight
    from bounded as b
)

{%- set pins = {} %}
{%- for name, value in pinned.items() if name in (params | map(attribute=2) | list) %}
{%- do pins.update({name: value}) %}
{%- endfor %}
select
    name, field, level, m, u,
    {%- if pins %}
    case
        {%- for name, value in pins.items() %}
        when name = '{{ name }}' then cast({{ value }} as {{ match_type_double() }})
        {%- endfor %}
        else estimated_weight
    end as weight,
    {%- else %}
    estimated_weight as weight,
    {%- endif %}
    fixed_weight,
    estimated_weight,
    {%- if pins %}
    case
        {%- for name in pins %}
        when name = '{{ name }}' then cast('pinned' as {{ dbt.type_string() }})
        {%- endfor %}
        else source
    end as source,
    {%- else %}
    source,
    {%- endif %}
    pairs,
    note
from signed
