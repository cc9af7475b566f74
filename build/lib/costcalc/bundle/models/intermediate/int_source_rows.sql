-- Every accepted raw row of every schema, standardised (one row per raw row).
{{ union_staging() }}
