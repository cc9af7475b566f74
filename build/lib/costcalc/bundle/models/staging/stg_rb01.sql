{{ stage_schema('RB01') }}
