"""The dbt glue: the generated schema registry, running dbt, checking compiled T-SQL."""
