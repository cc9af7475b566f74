{{ stage_schema('TF01') }}
