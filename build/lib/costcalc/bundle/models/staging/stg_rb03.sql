{{ stage_schema('RB03') }}
